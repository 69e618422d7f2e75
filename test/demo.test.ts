import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { DEMO_DEFAULTS } from '../cli/demo/demo-settings.ts';
import { runDemo } from '../cli/demo/run-demo.ts';
import { freePort } from '../workers/free-port.ts';

const folder = mkdtempSync(join(tmpdir(), 'flywheel-demo-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

// The demo on its own embedded stack (its own dev server, worker, gateway), cut to one cycle.
// Its quality targets are measured by running `./flywheel demo`, not asserted here: this checks the
// story runs end to end and the flywheel made the model better on the drifted era.
test('the demo turns the flywheel once: drift detected, labels gathered, a better model promoted, a report written', async () => {
  const lines: string[] = [];
  const summary = await runDemo({
    dataDir: folder,
    ports: { temporal: await freePort(), ui: await freePort(), gateway: await freePort() },
    options: { ...DEMO_DEFAULTS, cycles: 1, maxMinutes: 5 },
    say: (line) => lines.push(line),
  });
  expect(summary.cycles).toHaveLength(1);
  expect(summary.cycles[0]!.trigger).toMatch(/^monitor: /);
  expect(summary.cycles[0]!.outcome, lines.join('\n')).toBe('promoted');
  expect(summary.era2Accuracy).toBeGreaterThan(summary.era2AccuracyBefore);
  expect(summary.era1Accuracy).toBeGreaterThan(summary.era1AccuracyBefore - 0.01);
  expect(summary.autoLabels).toBeGreaterThan(0);
  expect(summary.humanLabels).toBeGreaterThan(0);
  expect(summary.labelsUsed).toBe(summary.autoLabels + summary.humanLabels);
  expect(summary.traffic.errors).toBe(0);
  expect(existsSync(summary.reportPath)).toBe(true);
  const report = readFileSync(summary.reportPath, 'utf8');
  expect(report.match(/<svg /g)?.length).toBe(3);
  expect(report).toContain('after the flywheel');
}, 420_000);
