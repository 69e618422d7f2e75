import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { parse } from 'yaml';

// No Docker engine runs where the tests run, so this checks the file's structure, not a live stack.
const compose = parse(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8')) as {
  services: Record<
    string,
    {
      image?: string;
      depends_on?: Record<string, { condition: string }>;
      environment?: Record<string, string>;
      command?: string[];
    }
  >;
};

test('docker-compose has Temporal on PostgreSQL, its UI, and Flywheel pointed at both', () => {
  const services = compose.services;
  expect(Object.keys(services).sort()).toEqual([
    'gateway',
    'postgresql',
    'setup',
    'temporal',
    'temporal-ui',
    'worker',
  ]);
  for (const [name, service] of Object.entries(services)) {
    expect(service.image, `${name} image`).toMatch(/^[\w./-]+:[\w.-]+$/);
    expect(service.image, `${name} image is pinned`).not.toMatch(/:latest$/);
    for (const dependency of Object.keys(service.depends_on ?? {})) {
      expect(Object.keys(services), `${name} depends on ${dependency}`).toContain(dependency);
    }
  }
  expect(services.temporal?.environment?.DB).toBe('postgres12');
  expect(services['temporal-ui']?.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
  for (const name of ['worker', 'gateway']) {
    const environment = services[name]?.environment ?? {};
    expect(environment.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(environment.FLYWHEEL_DATABASE_URL).toMatch(/^postgres:\/\/.+@postgresql:5432\//);
    expect(services[name]?.command?.slice(0, 2)).toEqual(['node', 'cli/bin.ts']);
  }
});
