/**
 * Content ids and weight encoding, the hand-written implementations they replaced against the libraries,
 * side by side in one run on one snapshot:
 * - SHA-256 content ids of every message of the SpamAssassin corpus (all five groups, as a dataset
 *   version hashes its items): the old plain-TypeScript SHA-256, @noble/hashes (core's now) and
 *   node:crypto (the edges').
 * - Base64 of a trained classifier's weight block (float32, little-endian), encoded and decoded: the old
 *   hand-written codec and Buffer (core/model's now).
 * The old modules are read from git at `--old` (default: the commit before the change) into a temporary
 * folder, so the comparison needs no copy of them in the tree.
 *
 *   node bench/hashing-encoding.ts [--rounds 7] [--old 74b0693]
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadSpamAssassin, SPAMASSASSIN_LABELS } from '../adapters/corpus/spamassassin.ts';
import { contentHash } from '../core/hashing/content-hash.ts';
import { serializeClassifier } from '../core/model/artifact.ts';
import { base64ToFloat32, float32ToBase64 } from '../core/model/base64.ts';
import { trainClassifier } from '../core/model/train.ts';
import { machineLine, median, table } from './machine.ts';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '7' }, old: { type: 'string', default: '74b0693' } },
});
const rounds = Number(values.rounds);
const repository = new URL('..', import.meta.url).pathname;

type OldSha256 = { sha256OfText(text: string): string };
type OldBase64 = {
  float32ToBase64(values: Float32Array): string;
  base64ToFloat32(text: string): Float32Array;
};

const oldDir = mkdtempSync(join(tmpdir(), 'flywheel-old-codecs-'));
function oldModule(path: string, as: string): string {
  const source = execFileSync('git', ['-C', repository, 'show', `${values.old}:${path}`], {
    encoding: 'utf8',
  });
  const target = join(oldDir, as);
  writeFileSync(target, source);
  return target;
}
oldModule('core/hashing/utf8.ts', 'utf8.ts');
const oldSha256 = (await import(oldModule('core/hashing/sha256.ts', 'sha256.ts'))) as OldSha256;
const oldBase64 = (await import(oldModule('core/model/base64.ts', 'base64.ts'))) as OldBase64;

const texts = loadSpamAssassin({
  groups: ['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-1', 'spam-2'],
}).map((message) => message.text);
const megabytes = texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0) / 2 ** 20;

// A real weight block: a classifier trained on the first era, as its artifact stores it.
const run = await trainClassifier({
  examples: loadSpamAssassin({ groups: ['easy-ham-1', 'spam-1'] }).map(({ text, label }) => ({
    text,
    label,
  })),
  labels: SPAMASSASSIN_LABELS,
  seed: 1,
  params: { epochs: 1 },
});
const artifact = JSON.parse(
  new TextDecoder().decode(
    serializeClassifier(run.model, { trainer: 'bench', datasetId: null, seed: 1, params: {}, metrics: {} }),
  ),
) as { weights: { blocks: [string] } };
const block = base64ToFloat32(artifact.weights.blocks[0]);

// Every side must give the same answers before its speed means anything.
for (const text of texts.slice(0, 200)) {
  const expected = createHash('sha256').update(text, 'utf8').digest('hex');
  if (oldSha256.sha256OfText(text) !== expected || contentHash(text) !== expected) {
    throw new Error('content ids differ between implementations');
  }
}
if (oldBase64.float32ToBase64(block) !== float32ToBase64(block)) throw new Error('base64 differs');

function time(work: () => void): number {
  const start = process.hrtime.bigint();
  work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const sides: Record<string, () => void> = {
  'content ids: old hand-written SHA-256': () => {
    for (const text of texts) oldSha256.sha256OfText(text);
  },
  'content ids: @noble/hashes (core)': () => {
    for (const text of texts) contentHash(text);
  },
  'content ids: node:crypto (edges)': () => {
    for (const text of texts) createHash('sha256').update(text, 'utf8').digest('hex');
  },
  'weights: old hand-written base64, encode + decode': () => {
    oldBase64.base64ToFloat32(oldBase64.float32ToBase64(block));
  },
  'weights: Buffer base64 (core/model), encode + decode': () => {
    base64ToFloat32(float32ToBase64(block));
  },
};

const samples = new Map<string, number[]>(Object.keys(sides).map((name) => [name, []]));
for (const work of Object.values(sides)) work(); // warm-up
for (let round = 0; round < rounds; round++) {
  // Interleaved, so load that comes and goes falls on every side alike.
  for (const [name, work] of Object.entries(sides)) samples.get(name)!.push(time(work));
}
rmSync(oldDir, { recursive: true, force: true });

const ms = (name: string) => median(samples.get(name)!);
const ratio = (old: string, now: string) => `×${(ms(old) / ms(now)).toFixed(1)}`;
console.log(
  `snapshot: ${texts.length} SpamAssassin messages, ${megabytes.toFixed(1)} MiB; weight block ${block.length} float32 (${(
    (block.length * 4) / 2 ** 20
  ).toFixed(1)} MiB); ${rounds} rounds, medians`,
);
console.log(machineLine());
console.log(
  table([
    ['side', 'median ms', 'speed-up over old'],
    ...Object.keys(sides).map((name) => [
      name,
      ms(name).toFixed(1),
      name.startsWith('content')
        ? ratio('content ids: old hand-written SHA-256', name)
        : ratio('weights: old hand-written base64, encode + decode', name),
    ]),
  ]),
);
