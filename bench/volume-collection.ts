/**
 * The collection step of bench/volume.ts: a cycle's edge-case collection (activities/edge-case-walk.ts's
 * walkCapture, as collectEdgeCases runs it, default mining settings) over every prediction the bench
 * loaded, in a fresh process; prints its time, its peak RSS growth and what it mined.
 *
 * The bench registers no model version, so no out-of-vocabulary rate is measured (drifted-input finds
 * no candidate): tokenising each e-mail against the model's vocabulary costs about a quarter of a
 * millisecond more per served prediction (activities/monitor/observe-model.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import { walkCapture } from '../activities/edge-case-walk.ts';
import { VocabularyMeters } from '../activities/vocabulary-meters.ts';
import { openFileArtifactStore } from '../adapters/artifacts/file-artifact-store.ts';
import type { FlywheelStore } from '../adapters/store/store.ts';
import { START_OF_CAPTURE } from '../core/capture/records.ts';
import { defaultCycleConfig } from '../core/cycle/cycle-config.ts';

export const COLLECTION_WAY = 'collection';

/**
 * Where the process's memory sat, sampled at each progress report (once a second) and at the end: V8's young
 * generation (new space, both semi-spaces), the rest of its heap (old, code and large-object spaces),
 * what it held live, and memory outside the heap (the drivers' buffers, node:sqlite's statements).
 */
export interface HeapSampled {
  newSpaceBytes: number;
  otherSpacesBytes: number;
  usedBytes: number;
  externalBytes: number;
}

function sampleHeap(peak: HeapSampled): void {
  let newSpace = 0;
  let other = 0;
  let used = 0;
  for (const space of getHeapSpaceStatistics()) {
    if (space.space_name === 'new_space') newSpace += space.space_size;
    else other += space.space_size;
    used += space.space_used_size;
  }
  const { external } = process.memoryUsage();
  peak.newSpaceBytes = Math.max(peak.newSpaceBytes, newSpace);
  peak.otherSpacesBytes = Math.max(peak.otherSpacesBytes, other);
  peak.usedBytes = Math.max(peak.usedBytes, used);
  peak.externalBytes = Math.max(peak.externalBytes, external);
}

export interface CollectionMeasured {
  seconds: number;
  growthBytes: number;
  /** The largest of each sampled figure (see HeapSampled). */
  heap: HeapSampled;
  figures: { scanned: number; candidates: number; autoLabelled: number; needsReview: number; pages: number };
}

/** In the child process: one collection over the whole capture of model `spam`. */
export async function measureCollectionInChild(store: FlywheelStore): Promise<CollectionMeasured> {
  const artifactsDir = mkdtempSync(join(tmpdir(), 'flywheel-volume-artifacts-'));
  try {
    const config = defaultCycleConfig();
    const meters = new VocabularyMeters({ store, artifacts: openFileArtifactStore(artifactsDir) });
    const before = process.memoryUsage().rss;
    const heap: HeapSampled = { newSpaceBytes: 0, otherSpacesBytes: 0, usedBytes: 0, externalBytes: 0 };
    sampleHeap(heap);
    const started = performance.now();
    let pages = 0;
    const batch = await walkCapture(
      { store, meters },
      {
        model: 'spam',
        from: START_OF_CAPTURE,
        to: await store.captureHead('spam'),
        labels: ['ham', 'spam'],
        // A parent dataset's item ids: with any, every candidate's text is hashed to look it up.
        knownItemIds: Array.from({ length: 1_000 }, (_, i) => i.toString(16).padStart(64, '0')),
        settings: { mining: config.mining, autoLabel: config.autoLabel },
        lateFeedback: true,
        onProgress: (progress) => {
          pages++;
          // What the activity heartbeats, serialised as the SDK would.
          JSON.stringify(progress);
          sampleHeap(heap);
        },
      },
    );
    const seconds = (performance.now() - started) / 1000;
    sampleHeap(heap);
    const peak = process.resourceUsage().maxRSS * 1024;
    return {
      seconds,
      growthBytes: Math.max(0, peak - before),
      heap,
      figures: {
        scanned: batch.counts.scanned,
        candidates: Object.values(batch.counts.candidates).reduce((sum, n) => sum + n, 0),
        autoLabelled: batch.counts.autoLabelled,
        needsReview: batch.counts.needsReview,
        pages,
      },
    };
  } finally {
    rmSync(artifactsDir, { recursive: true, force: true });
  }
}

/** In the parent: `runs` collections, each in a fresh process (`measure`), as one printed line. */
export async function collectionLine(
  measure: (way: string) => Promise<CollectionMeasured>,
  runs: number,
): Promise<string> {
  const samples: CollectionMeasured[] = [];
  for (let run = 0; run < runs; run++) samples.push(await measure(COLLECTION_WAY));
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const { figures } = samples[0]!;
  const largest = (figure: keyof HeapSampled) =>
    (Math.max(...samples.map((s) => s.heap[figure])) / 2 ** 20).toFixed(0);
  return (
    `${'collection'.padEnd(28)}${median(samples.map((s) => s.seconds))
      .toFixed(2)
      .padStart(7)} s` +
    `${(median(samples.map((s) => s.growthBytes)) / 2 ** 20).toFixed(0).padStart(8)} MB peak RSS growth` +
    `   (runs: ${samples.map((s) => `${s.seconds.toFixed(2)} s ${(s.growthBytes / 2 ** 20).toFixed(0)} MB`).join(', ')}; ` +
    `${figures.scanned.toLocaleString('en-US')} served scanned, ${figures.candidates.toLocaleString('en-US')} candidate reasons, ` +
    `${figures.autoLabelled} auto-labelled + ${figures.needsReview} for review)\n` +
    `${''.padEnd(28)}sampled each second and at the end, largest over the runs: V8 new space ${largest('newSpaceBytes')} MB, ` +
    `rest of the heap ${largest('otherSpacesBytes')} MB (${largest('usedBytes')} MB in use), external ${largest('externalBytes')} MB`
  );
}
