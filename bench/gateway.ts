/**
 * What capture costs the gateway, measured side by side in one run: predict throughput and latency with
 * capture on (every prediction batched into the embedded store through a writer thread, as `runGateway`
 * does) and off, over real HTTP on loopback, and whether every served prediction reached the store.
 *
 *   node bench/gateway.ts [--rounds 15] [--requests 3000] [--concurrency 16] [--latency-rounds 3]
 *                         [--rate 200] [--rate-requests 1000] [--warmup 1000] [--processes 3]
 *                         [--separate [--also-in-loop]] [--no-pin] [--calibrate]
 *
 * `processes` gateways, each in a process of its own (bench/gateway-process.ts), started once and
 * warmed up, taken in turn round by round. Each of them serves both sides: it switches capture on or
 * off before each burst, so that both bursts of a pair run in the same process. Two processes of the
 * same code can differ by 10% in CPU per request for a whole run (where their heaps and code land in
 * memory): with a process per side, that difference would pass for capture's. With `--separate`, each
 * side has `processes` gateways of its own instead, built with capture on or off from the start.
 * One load generator process (bench/gateway-load-generator.ts) sends bursts to them in turn:
 * `rounds` pairs of closed-loop bursts for throughput, then `latency-rounds` pairs of fixed-rate bursts
 * for latency, alternating which side goes first. Adjacent bursts share the machine's state of the
 * moment (a shared VM's speed drifts by tens of percent over minutes), so the comparisons are medians of
 * per-pair ratios; both bursts of a pair send the same mail in the same order. After each burst the
 * capture side is drained (every prediction it served is in the store) before its CPU time is read, so
 * CPU per request includes all of capture's work. `--also-in-loop` (with `--separate`) adds a third
 * side: the store written on the gateway's event loop (createGateway's default), to show what the
 * writer thread buys. `--calibrate` runs every side with capture off: the ratios it prints are the
 * method's own error on this machine.
 *
 * On Linux with taskset the gateways' event loops (the threads that answer) run on cpu 0, and the load
 * generator and the capture writer thread on the last cpu: the writer works off the serving core, as
 * it is meant to, and its share of that core counts against capture. `--no-pin` lets the scheduler
 * place everything.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { trainedArtifact } from '../test/gateway/gateway-harness.ts';
import { canPin, LAST_CPU, SERVING_CPU } from './cpu-pinning.ts';
import { stolenMs } from './cpu-waits.ts';
import type { Burst, BurstSpec, PhaseResult } from './gateway-load-generator.ts';
import type { GatewayAnswer, GatewayMode, GatewayRequest, ProcessMode } from './gateway-process.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    requests: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '16' },
    'latency-rounds': { type: 'string', default: '3' },
    rate: { type: 'string', default: '200' },
    'rate-requests': { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '1000' },
    processes: { type: 'string', default: '3' },
    calibrate: { type: 'boolean', default: false },
    'also-in-loop': { type: 'boolean', default: false },
    separate: { type: 'boolean', default: false },
    'no-pin': { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const processCount = Number(values.processes);
const separate = values.separate;
if (values['also-in-loop'] && !separate) {
  console.error(
    'bench/gateway.ts: --also-in-loop needs --separate (a gateway switches capture on and off only)',
  );
  process.exit(2);
}
const latencyRounds = Number(values['latency-rounds']);
const pinned = !values['no-pin'] && canPin();

const LABELS: Record<GatewayMode, string> = {
  off: 'capture off',
  on: 'capture on',
  'in-loop': 'in-loop writes',
};
const modes: GatewayMode[] = ['off', 'on', ...(values['also-in-loop'] ? (['in-loop'] as const) : [])];

/** A child process that answers each message with one message. */
function messenger<Answer>(child: ChildProcess) {
  const waiting: Array<(answer: Answer) => void> = [];
  child.on('message', (answer) => waiting.shift()?.(answer as Answer));
  const next = () => new Promise<Answer>((resolve) => waiting.push(resolve));
  return {
    next,
    ask(message: unknown): Promise<Answer> {
      const answer = next();
      child.send(message as object);
      return answer;
    },
  };
}

function nodeScript(script: string, args: string[], cpu: number | null): ChildProcess {
  const path = join(import.meta.dirname, script);
  const exec = cpu === null ? process.execPath : 'taskset';
  const execArgs = cpu === null ? [] : ['-c', String(cpu), process.execPath];
  // fork() runs `execPath execArgv script args`; taskset takes the node binary as its command.
  return fork(path, args, {
    execPath: exec,
    execArgv: [...execArgs, ...process.execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

async function startGatewayProcess(mode: ProcessMode) {
  // --calibrate: every process serves with capture off, so any difference between the sides is the
  // method's own error.
  const served = values.calibrate && mode !== 'switched' ? 'off' : mode;
  const child = nodeScript('gateway-process.ts', [`--mode=${served}`, ...(pinned ? ['--pin'] : [])], null);
  const channel = messenger<GatewayAnswer>(child);
  const ready = (await channel.next()) as Extract<GatewayAnswer, { type: 'ready' }>;
  return {
    url: ready.url,
    async usage() {
      return (await channel.ask({ type: 'usage' } satisfies GatewayRequest)) as Extract<
        GatewayAnswer,
        { type: 'usage' }
      >;
    },
    async switchCapture(on: boolean) {
      await channel.ask({ type: 'capture', on } satisfies GatewayRequest);
    },
    async drain() {
      await channel.ask({ type: 'drain' } satisfies GatewayRequest);
    },
    async close() {
      return (await channel.ask({ type: 'close' } satisfies GatewayRequest)) as Extract<
        GatewayAnswer,
        { type: 'closed' }
      >;
    },
    /** Ends the process if it is still there (after a failure). */
    stop() {
      if (child.exitCode === null) child.kill();
    },
  };
}

interface BurstFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerRequest: number;
  mainThreadMsPerRequest: number;
  /** Share of the burst the main thread was busy: below 1, it waited for requests (or for a cpu). */
  mainBusy: number;
  /** Share of the burst the hypervisor ran something else on the serving cpu (Linux; 0 elsewhere). */
  stolen: number;
  loadCpu: number;
  loadCpuWait: number;
  drainMs: number;
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const median = (numbers: readonly number[]) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const ok = (phase: PhaseResult) => phase.statuses['200'] ?? 0;
const cpuMs = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) => (b.user - a.user + b.system - a.system) / 1000;
const f = (n: number, digits = 2) => n.toFixed(digits);
const loadAverage = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');

console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, Node ${process.version}, ${process.platform}/${process.arch}; load average ${loadAverage()}`,
);
console.log(
  `load: real SpamAssassin mail (era 2), node:http with keep-alive; ${processCount} gateway processes ` +
    `${separate ? 'per side' : 'each serving both sides (capture switched between bursts)'}, ` +
    `taken in turn, ${values.warmup} warm-up requests each; ` +
    `${rounds} pairs of ${values.requests}-request bursts at saturation (${values.concurrency} in flight); ` +
    `${latencyRounds} pairs of ${values['rate-requests']} requests at ${values.rate} req/s`,
);
if (values.calibrate) {
  console.log('CALIBRATION: both sides serve with capture off; their ratio is the method’s own error');
}
console.log(
  pinned
    ? `cpus: the gateways' event loops on cpu ${SERVING_CPU}, the load generator on cpu ${LAST_CPU}, the capture writer thread beside the load generator, off the serving cpu (--no-pin: no affinity)`
    : 'cpus: no affinity; the gateways, the writer thread and the load generator share every core',
);

await trainedArtifact(1); // trains once here, so that a failure shows before any process starts
// Why several processes, each serving both sides: see the header.
type GatewayProcess = Awaited<ReturnType<typeof startGatewayProcess>>;
const startProcesses = (mode: ProcessMode) =>
  Promise.all(Array.from({ length: processCount }, () => startGatewayProcess(mode)));
const switchedProcesses = separate ? [] : await startProcesses('switched');
const gateways = new Map<GatewayMode, GatewayProcess[]>(
  await Promise.all(
    modes.map(async (m) => [m, separate ? await startProcesses(m) : switchedProcesses] as const),
  ),
);
const loadChild = nodeScript('gateway-load-generator.ts', [], pinned ? LAST_CPU : null);
const load = messenger<PhaseResult | 'ready'>(loadChild);
await load.next();
const served = new Map<GatewayMode, number>(modes.map((m) => [m, 0]));
let non200 = 0;

/** One burst against the side's gateway for `round`, sending the corpus from `firstMessage` on. */
async function burst(
  mode: GatewayMode,
  spec: BurstSpec,
  round: number,
  firstMessage: number,
): Promise<BurstFigures> {
  const sides = gateways.get(mode)!;
  const gateway = sides[round % sides.length]!;
  if (!separate) await gateway.switchCapture(mode === 'on' && !values.calibrate);
  const stolenBefore = stolenMs(SERVING_CPU);
  const before = await gateway.usage();
  const result = (await load.ask({
    type: 'burst',
    url: gateway.url,
    firstMessage,
    ...spec,
  } satisfies Burst)) as PhaseResult;
  const drainStarted = performance.now();
  await gateway.drain();
  const drainMs = performance.now() - drainStarted;
  const after = await gateway.usage();
  const stolen = stolenMs(SERVING_CPU) - stolenBefore;
  served.set(mode, served.get(mode)! + ok(result));
  non200 += result.requests - ok(result);
  return {
    requestsPerSecond: ok(result) / (result.durationMs / 1000),
    p50Ms: percentile(result.latenciesMs, 50),
    p99Ms: percentile(result.latenciesMs, 99),
    cpuMsPerRequest: cpuMs(before.cpu, after.cpu) / ok(result),
    mainThreadMsPerRequest: cpuMs(before.main, after.main) / ok(result),
    mainBusy: cpuMs(before.main, after.main) / (result.durationMs + drainMs),
    stolen: stolen / (result.durationMs + drainMs),
    loadCpu: result.cpu,
    loadCpuWait: result.cpuWait,
    drainMs,
  };
}

/** `count` rounds of one burst per side, alternating which side goes first; `show` prints each burst. */
async function pairsOfBursts(
  count: number,
  spec: BurstSpec,
  show: (figures: BurstFigures, round: number, mode: GatewayMode) => void,
): Promise<Array<Record<GatewayMode, BurstFigures>>> {
  const pairs: Array<Record<GatewayMode, BurstFigures>> = [];
  for (let round = 0; round < count; round++) {
    const order = round % 2 === 0 ? modes : [...modes].reverse();
    const pair = {} as Record<GatewayMode, BurstFigures>;
    for (const mode of order) {
      // The same mail for both sides of a pair; pair after pair, the rounds go through the corpus.
      pair[mode] = await burst(mode, spec, round, round * spec.requests);
      show(pair[mode], round + 1, mode);
    }
    pairs.push(pair);
  }
  return pairs;
}

const closedLoop: BurstSpec = {
  loop: 'closed',
  requests: Number(values.requests),
  concurrency: Number(values.concurrency),
};
const openLoop: BurstSpec = {
  loop: 'open',
  requests: Number(values['rate-requests']),
  rate: Number(values.rate),
};

try {
  for (let index = 0; index < processCount; index++) {
    for (const mode of modes) await burst(mode, { ...closedLoop, requests: Number(values.warmup) }, index, 0);
  }
  const throughput = await pairsOfBursts(rounds, closedLoop, (r, round, mode) =>
    console.log(
      `  round ${round} ${LABELS[mode].padEnd(14)} ${f(r.requestsPerSecond, 0).padStart(5)} req/s  gateway ` +
        `${f(r.cpuMsPerRequest, 3)} ms cpu/request (main thread ${f(r.mainThreadMsPerRequest, 3)}, busy ` +
        `${f(r.mainBusy * 100, 0)}%, cpu stolen ${f(r.stolen * 100, 0)}%), drained in ` +
        `${f(r.drainMs, 0)} ms, load generator ${f(r.loadCpu * 100, 0)}% (waited for its cpu ${f(r.loadCpuWait * 100, 1)}%)`,
    ),
  );
  const latency = await pairsOfBursts(latencyRounds, openLoop, (r, round, mode) =>
    console.log(
      `  latency round ${round} ${LABELS[mode].padEnd(14)} at ${values.rate} req/s: p50 ${f(r.p50Ms)} ms, p99 ${f(r.p99Ms)} ms`,
    ),
  );
  const closed = await Promise.all(
    modes.map(async (m) => {
      // A switched process is closed once; what it captured, the on side captured.
      const owned = separate ? gateways.get(m)! : m === 'on' ? switchedProcesses : [];
      const results = await Promise.all(owned.map((gateway) => gateway.close()));
      const sum = (key: 'captured' | 'dropped') => results.reduce((total, r) => total + r[key], 0);
      return [m, { captured: sum('captured'), dropped: sum('dropped') }] as const;
    }),
  );

  type Key = keyof BurstFigures;
  const of = (pairs: typeof throughput, mode: GatewayMode, key: Key) =>
    median(pairs.map((p) => p[mode][key]));
  const ratio = (pairs: typeof throughput, mode: GatewayMode, key: Key) =>
    median(pairs.map((p) => p[mode][key] / p.off[key]));
  const added = (pairs: typeof throughput, mode: GatewayMode, key: Key) =>
    median(pairs.map((p) => p[mode][key] - p.off[key]));
  const signed = (n: number) => `${n >= 0 ? '+' : ''}${f(n)}`;
  const columns: Array<[string, (m: GatewayMode) => string, (m: GatewayMode) => string]> = [
    [
      'req/s',
      (m) => f(of(throughput, m, 'requestsPerSecond'), 0),
      (m) => `×${f(ratio(throughput, m, 'requestsPerSecond'), 3)}`,
    ],
    [
      'cpu ms/req',
      (m) => f(of(throughput, m, 'cpuMsPerRequest'), 3),
      (m) => `×${f(ratio(throughput, m, 'cpuMsPerRequest'), 3)}`,
    ],
    [
      'main ms/req',
      (m) => f(of(throughput, m, 'mainThreadMsPerRequest'), 3),
      (m) => `×${f(ratio(throughput, m, 'mainThreadMsPerRequest'), 3)}`,
    ],
    [
      'main busy',
      (m) => `${f(of(throughput, m, 'mainBusy') * 100, 1)}%`,
      (m) => `×${f(ratio(throughput, m, 'mainBusy'), 3)}`,
    ],
    [
      'load gen waited',
      (m) => `${f(of(throughput, m, 'loadCpuWait') * 100, 1)}%`,
      (m) => `${signed(added(throughput, m, 'loadCpuWait') * 100)}%`,
    ],
    [
      `cpu ${SERVING_CPU} stolen`,
      (m) => `${f(of(throughput, m, 'stolen') * 100, 1)}%`,
      (m) => `${signed(added(throughput, m, 'stolen') * 100)}%`,
    ],
    [
      `p50 ms @${values.rate}/s`,
      (m) => f(of(latency, m, 'p50Ms')),
      (m) => signed(added(latency, m, 'p50Ms')),
    ],
    [
      `p99 ms @${values.rate}/s`,
      (m) => f(of(latency, m, 'p99Ms')),
      (m) => signed(added(latency, m, 'p99Ms')),
    ],
  ];
  console.log('');
  console.log(`medians; (vs off) = median over pairs of (this side / or − capture off) in adjacent bursts`);
  console.log(`${''.padEnd(15)}${columns.map(([name]) => name.padStart(19)).join('')}`);
  for (const mode of modes) {
    const cells = columns.map(([, value, vsOff]) =>
      `${value(mode)}${mode === 'off' ? '' : ` (${vsOff(mode)})`}`.padStart(19),
    );
    console.log(`${LABELS[mode].padEnd(15)}${cells.join('')}`);
  }
  for (const [mode, result] of closed) {
    if (mode === 'off' || values.calibrate) continue;
    console.log(
      `${LABELS[mode]}: served ${served.get(mode)}, captured ${result.captured}, lost ${served.get(mode)! - result.captured}, ` +
        `dropped ${result.dropped}; the store had every burst's predictions ${f(of(throughput, mode, 'drainMs'), 0)} ms ` +
        `after it ended (median)`,
    );
  }
  const pairRatios = throughput
    .map((p) => p.on.requestsPerSecond / p.off.requestsPerSecond)
    .sort((a, b) => a - b);
  console.log(
    `capture on/off req/s over the ${pairRatios.length} pairs: quartiles ×${f(percentile(pairRatios, 25), 3)}, ` +
      `×${f(median(pairRatios), 3)}, ×${f(percentile(pairRatios, 75), 3)}; range ×${f(pairRatios[0]!, 3)}–×${f(pairRatios.at(-1)!, 3)}`,
  );
  if (non200 > 0) console.log(`non-200 answers: ${non200}`);
  console.log(`load average after: ${loadAverage()}`);

  const throughputRatio = ratio(throughput, 'on', 'requestsPerSecond');
  if (values.calibrate) {
    console.log('');
    console.log(
      `calibration: req/s ×${f(throughputRatio, 3)} between two sides that do the same (×1 is no error)`,
    );
  } else {
    const p99Added = added(latency, 'on', 'p99Ms');
    const on = closed.find(([m]) => m === 'on')![1];
    const lost = served.get('on')! - on.captured;
    const verdict = (met: boolean) => (met ? 'met' : 'MISSED');
    console.log('');
    console.log(
      `target throughput on/off >= 0.95: ×${f(throughputRatio, 3)} ${verdict(throughputRatio >= 0.95)}`,
    );
    console.log(`target p99 added <= 1 ms:          ${signed(p99Added)} ms ${verdict(p99Added <= 1)}`);
    console.log(
      `target 0 events lost:              ${lost} lost, ${on.dropped} dropped ${verdict(lost === 0 && on.dropped === 0)}`,
    );
  }
} finally {
  loadChild.kill();
  for (const side of gateways.values()) for (const gateway of side) gateway.stop();
}
