import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { ROOM_RULES } from '../scripts/room-rules.ts';

// No Docker engine runs where the tests run, so this checks the files' structure, not a live stack; the
// same topology runs as real processes in test/production-topology.test.ts.
const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

interface Service {
  image?: string;
  build?: string;
  depends_on?: Record<string, { condition: string }> | string[];
  environment?: Record<string, string>;
  command?: string[];
  volumes?: string[];
  ports?: string[];
}

// Compose expands YAML merge keys (`<<: *anchor`); so does this parse.
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const VERSION = (JSON.parse(read('package.json')) as { version: string }).version;
const FLYWHEEL_ROLES = ['worker', 'training-worker', 'gateway-1', 'gateway-2'];

test('docker-compose has every service of the production topology, each image pinned', () => {
  expect(Object.keys(services).sort()).toEqual([
    'gateway-1',
    'gateway-2',
    'load-balancer',
    'postgresql',
    's3',
    's3-bucket',
    'temporal',
    'temporal-ui',
    'training-worker',
    'unleash',
    'worker',
  ]);
  for (const [name, service] of Object.entries(services)) {
    expect(service.image, `${name} image`).toMatch(/^[\w./-]+:[\w.-]+$/);
    expect(service.image, `${name} image is pinned`).not.toMatch(/:latest$/);
    const dependencies = Array.isArray(service.depends_on)
      ? service.depends_on
      : Object.keys(service.depends_on ?? {});
    for (const dependency of dependencies) {
      expect(Object.keys(services), `${name} depends on ${dependency}`).toContain(dependency);
    }
  }
  expect(services.temporal?.environment?.DB).toBe('postgres12');
  expect(services.temporal?.environment?.POSTGRES_SEEDS).toBe('postgresql');
  expect(services['temporal-ui']?.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
  expect(services.unleash?.environment?.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgresql:5432\/unleash$/);
  expect(read('docker/postgresql-init.sql')).toMatch(/CREATE DATABASE unleash;/);
});

test('Flywheel roles run the image built here, share no volume, and point at the shared services', () => {
  const unleashEnv = services.unleash?.environment ?? {};
  for (const name of FLYWHEEL_ROLES) {
    const service = services[name]!;
    const environment = service.environment ?? {};
    expect(service.build, `${name} build`).toBe('.');
    expect(service.image).toBe(`flywheel:${VERSION}`);
    // Stateless: nothing of a role lives on a volume another one would need.
    expect(service.volumes, `${name} volumes`).toBeUndefined();
    expect(environment.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(environment.FLYWHEEL_DATABASE_URL).toMatch(/^postgres:\/\/.+@postgresql:5432\/flywheel$/);
    expect(environment.FLYWHEEL_ARTIFACTS).toMatch(/^s3:\/\/flywheel\//);
    expect(environment.AWS_ENDPOINT_URL).toBe('http://s3:7070');
    expect(environment.AWS_ACCESS_KEY_ID).toBe(services.s3?.environment?.ROOT_ACCESS_KEY_ID);
    expect(environment.AWS_SECRET_ACCESS_KEY).toBe(services.s3?.environment?.ROOT_SECRET_ACCESS_KEY);
    expect(environment.FLYWHEEL_FLAGS).toBe('unleash');
    expect(environment.FLYWHEEL_UNLEASH_URL).toBe('http://unleash:4242');
    expect(Object.keys(service.depends_on ?? {}).sort()).toEqual([
      'postgresql',
      's3-bucket',
      'temporal',
      'unleash',
    ]);
  }
  // Workers write flags with the admin token; gateways read with the backend token and hold no admin one.
  for (const name of ['worker', 'training-worker']) {
    expect(services[name]?.environment?.FLYWHEEL_UNLEASH_ADMIN_TOKEN).toBe(unleashEnv.INIT_ADMIN_API_TOKENS);
    expect(services[name]?.environment?.FLYWHEEL_UNLEASH_BACKEND_TOKEN).toBeUndefined();
  }
  for (const name of ['gateway-1', 'gateway-2']) {
    expect(services[name]?.environment?.FLYWHEEL_UNLEASH_BACKEND_TOKEN).toBe(
      unleashEnv.INIT_BACKEND_API_TOKENS,
    );
    expect(services[name]?.environment?.FLYWHEEL_UNLEASH_ADMIN_TOKEN).toBeUndefined();
    expect(services[name]?.command).toEqual(['gateway', '--host', '0.0.0.0', '--port', '8080']);
  }
  expect(services.worker?.command?.slice(0, 2)).toEqual(['worker', '--no-training']);
  expect(services['training-worker']?.command?.slice(0, 2)).toEqual(['worker', '--training-only']);
  expect(services['s3-bucket']?.command?.join(' ')).toMatch(
    /CreateBucketCommand\(\{ Bucket: 'flywheel' \}\)/,
  );
});

test('the load balancer spreads requests over both gateway replicas and is the only way in', () => {
  const balancer = services['load-balancer']!;
  expect(Object.keys(balancer.depends_on ?? {}).sort()).toEqual(['gateway-1', 'gateway-2']);
  expect(balancer.ports).toEqual(['8080:8080']);
  expect(services['gateway-1']?.ports).toBeUndefined();
  expect(services['gateway-2']?.ports).toBeUndefined();
  const mounted = balancer.volumes?.find((volume) => volume.endsWith(':/etc/nginx/nginx.conf:ro'));
  expect(mounted).toBe('./docker/nginx.conf:/etc/nginx/nginx.conf:ro');
  const upstream = /upstream gateways \{([^}]*)\}/.exec(read('docker/nginx.conf'))?.[1] ?? '';
  expect([...upstream.matchAll(/server ([\w-]+):8080/g)].map((m) => m[1])).toEqual([
    'gateway-1',
    'gateway-2',
  ]);
});

test('the Dockerfile is multi-stage on Node 24, installs production dependencies only, runs unprivileged, checks health', () => {
  const dockerfile = read('Dockerfile');
  const stages = [...dockerfile.matchAll(/^FROM (\S+) AS (\S+)$/gm)].map((m) => [m[1], m[2]]);
  expect(stages).toEqual([
    ['node:24-bookworm', 'dependencies'],
    ['node:24-bookworm-slim', 'runtime'],
  ]);
  expect(dockerfile).toMatch(/^RUN npm ci --omit=dev\b/m);
  expect(dockerfile).toMatch(/^COPY --from=dependencies \/app\/node_modules \.\/node_modules$/m);
  const user = /^USER (\S+)$/m.exec(dockerfile)?.[1];
  expect(user).toBeDefined();
  expect(user).not.toMatch(/^(root|0)$/);
  expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
  expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "cli\/bin\.ts"\]$/m);
  // What the image leaves out must not be what it needs: every room of the import rules is copied.
  for (const room of Object.keys(ROOM_RULES)) {
    expect(dockerfile).toMatch(new RegExp(`^COPY ${room} \\./${room}$`, 'm'));
  }
  expect(read('.dockerignore').split('\n')).toEqual(
    expect.arrayContaining(['node_modules', '.git', '.toolchain']),
  );
});
