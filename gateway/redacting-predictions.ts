import type { PredictionRepository } from '../adapters/store/store.ts';
import type { PredictionRecord } from '../core/capture/records.ts';
import {
  parseRedactionPolicy,
  type RedactionPolicy,
  TextRedaction,
} from '../core/privacy/redaction-policy.ts';

/** Texts that did not reach the store as they came, and why. */
export interface RedactionCounts {
  redactedTexts: number;
  withheld: number;
  dropped: number;
}

/** The redaction policy as configured (FLYWHEEL_REDACT, FLYWHEEL_REDACT_MODELS, FLYWHEEL_REDACT_ON_FAILURE). */
export function redactionPolicyFromEnvironment(env: NodeJS.ProcessEnv = process.env): RedactionPolicy {
  return parseRedactionPolicy({
    redact: env.FLYWHEEL_REDACT,
    models: env.FLYWHEEL_REDACT_MODELS,
    onFailure: env.FLYWHEEL_REDACT_ON_FAILURE,
  });
}

/**
 * The capture store with redaction in front: every text is redacted just before it is written, so the
 * model answered on the original and nothing downstream (datasets, review items, excerpts) ever reads
 * it. In the gateway this runs in the capture writer thread, off the event loop that serves requests.
 */
export function redactingPredictions(
  predictions: PredictionRepository,
  redaction: TextRedaction,
  counts: RedactionCounts = { redactedTexts: 0, withheld: 0, dropped: 0 },
): PredictionRepository {
  if (!redaction.enabled) return predictions;
  return {
    ...predictions,
    get: (id) => predictions.get(id),
    getMany: (ids) => predictions.getMany(ids),
    shadowsOf: (model, servedIds, range) => predictions.shadowsOf(model, servedIds, range),
    listAfter: (model, afterSeq, limit) => predictions.listAfter(model, afterSeq, limit),
    listBetween: (model, from, to, variant) => predictions.listBetween(model, from, to, variant),
    count: (model) => predictions.count(model),
    stepWindow: (query) => predictions.stepWindow(query),
    servedWindow: (query) => predictions.servedWindow(query),
    insertMany(rows) {
      const kept: PredictionRecord[] = [];
      for (const row of rows) {
        const outcome = redaction.redact(row.model, row.text);
        if (outcome.kind === 'dropped') {
          counts.dropped++;
          continue;
        }
        if (outcome.kind === 'withheld') counts.withheld++;
        else if (outcome.found > 0) counts.redactedTexts++;
        kept.push(outcome.text === row.text ? row : { ...row, text: outcome.text });
      }
      return predictions.insertMany(kept);
    },
  };
}

export { TextRedaction };
