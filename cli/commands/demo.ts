import { join } from 'node:path';
import type { Command } from 'commander';
import { CliError, EXIT } from '../cli-error.ts';
import { dataDir } from '../data-dir.ts';
import { renderSeeds, type SeedFigures, seedFigures, summarizeSeeds } from '../demo/demo-seeds.ts';
import { DEMO_DEFAULTS, type DemoOptions } from '../demo/demo-settings.ts';
import { type DemoSummary, renderSummary } from '../demo/demo-summary.ts';
import { demoPorts, runDemo } from '../demo/run-demo.ts';
import { parsePort } from '../options.ts';

function share(value: string): number {
  const number = Number(value);
  if (!(number >= 0 && number <= 1))
    throw new CliError(`"${value}" is not a share between 0 and 1`, EXIT.usage);
  return number;
}

function positive(value: string): number {
  const number = Number(value);
  if (!(number > 0)) throw new CliError(`"${value}" is not a positive number`, EXIT.usage);
  return number;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'the whole story on real data: drift, detection, mining, review, retraining, gate, staged rollout — twice',
    )
    .option('--feedback-share <share>', 'share of mistakes users report', share, DEMO_DEFAULTS.feedbackShare)
    .option(
      '--wrong-feedback-share <share>',
      'share of all feedback that is wrong',
      share,
      DEMO_DEFAULTS.wrongFeedbackShare,
    )
    .option('--human-review', 'you review the queue (CLI or Temporal UI) instead of the simulated reviewer')
    .option(
      '--reviewer-latency <ms>',
      'simulated reviewer time per decision',
      positive,
      DEMO_DEFAULTS.reviewerLatencyMs,
    )
    .option('--soak <seconds>', 'seconds each rollout step soaks', positive, DEMO_DEFAULTS.soakSeconds)
    .option('--cycles <n>', 'cycles to run', positive, DEMO_DEFAULTS.cycles)
    .option('--max-minutes <n>', 'stop waiting after this long', positive, DEMO_DEFAULTS.maxMinutes)
    .option('--seed <n>', 'seed of the simulation', (value) => Number(value), DEMO_DEFAULTS.seed)
    .option(
      '--seeds <list>',
      "run the story once per seed, one after another (e.g. 7,13,21,42,99), and print each seed's figures and the worst",
      seedList,
    )
    .option('--temporal-port <port>', 'Temporal port (a free one if taken)', parsePort, 7233)
    .option('--ui-port <port>', 'Temporal Web UI port (a free one if taken)', parsePort, 8233)
    .option('--gateway-port <port>', 'gateway port (a free one if taken)', parsePort, 8080)
    .option('--json', 'print the summary as one JSON object on the last line')
    .action(async (flags) => {
      const seeds: number[] = flags.seeds ?? [flags.seed];
      const figures: SeedFigures[] = [];
      for (const seed of seeds) {
        if (seeds.length > 1) process.stderr.write(`\n— seed ${seed} —\n`);
        const summary = await runOneDemo(flags, seed);
        figures.push(seedFigures(seed, summary));
        if (seeds.length === 1) {
          process.stdout.write(`\n${renderSummary(summary)}\n`);
          if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
        }
      }
      if (seeds.length > 1) {
        const summary = summarizeSeeds(figures);
        process.stdout.write(`\n${renderSeeds(summary)}\n`);
        if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      }
    });
}

interface DemoFlags {
  feedbackShare: number;
  wrongFeedbackShare: number;
  humanReview?: boolean;
  reviewerLatency: number;
  soak: number;
  cycles: number;
  maxMinutes: number;
  temporalPort: number;
  uiPort: number;
  gatewayPort: number;
}

/** One story on a fresh data folder and its own stack, which it stops at the end. */
async function runOneDemo(flags: DemoFlags, seed: number): Promise<DemoSummary> {
  const options: DemoOptions = {
    feedbackShare: flags.feedbackShare,
    wrongFeedbackShare: flags.wrongFeedbackShare,
    reviewer: flags.humanReview ? 'human' : 'simulated',
    reviewerLatencyMs: flags.reviewerLatency,
    soakSeconds: flags.soak,
    cycles: Math.round(flags.cycles),
    maxMinutes: flags.maxMinutes,
    seed,
  };
  const folder = join(dataDir(), `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const ports = await demoPorts({
    temporal: flags.temporalPort,
    ui: flags.uiPort,
    gateway: flags.gatewayPort,
  });
  return runDemo({
    dataDir: folder,
    ports,
    options,
    say: (line) => process.stderr.write(`${line}\n`),
  });
}

function seedList(value: string): number[] {
  const seeds = value.split(',').map((part) => Number(part.trim()));
  if (seeds.length === 0 || seeds.some((seed) => !Number.isInteger(seed) || seed < 0)) {
    throw new CliError(
      `"${value}" is not a comma-separated list of whole-number seeds, e.g. 7,13,21`,
      EXIT.usage,
    );
  }
  return seeds;
}
