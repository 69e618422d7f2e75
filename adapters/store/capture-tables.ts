import type { FeedbackRecord, PredictionRecord } from '../../core/capture/records.ts';
import type { TableMapping } from './table-mapping.ts';

/** The captured predictions, as both stores keep them (besides `seq`, which each dialect hands out). */
export const PREDICTIONS: TableMapping<PredictionRecord> = {
  table: 'predictions',
  columns: [
    { column: 'id', field: 'id', kind: 'text' },
    { column: 'model', field: 'model', kind: 'text' },
    { column: 'model_version', field: 'modelVersion', kind: 'text' },
    { column: 'variant', field: 'variant', kind: 'text' },
    { column: 'text', field: 'text', kind: 'text' },
    { column: 'label', field: 'label', kind: 'text' },
    { column: 'confidence', field: 'confidence', kind: 'real' },
    { column: 'scores', field: 'scores', kind: 'json' },
    { column: 'user_key', field: 'userKey', kind: 'text' },
    { column: 'served_prediction_id', field: 'servedPredictionId', kind: 'text' },
    { column: 'latency_ms', field: 'latencyMs', kind: 'real' },
    { column: 'metadata', field: 'metadata', kind: 'json', whenAbsent: {} },
    { column: 'created_at', field: 'createdAt', kind: 'integer' },
  ],
};

/** The feedback users sent on predictions. */
export const FEEDBACK: TableMapping<FeedbackRecord> = {
  table: 'feedback',
  columns: [
    { column: 'id', field: 'id', kind: 'text' },
    { column: 'prediction_id', field: 'predictionId', kind: 'text' },
    { column: 'model', field: 'model', kind: 'text' },
    { column: 'kind', field: 'kind', kind: 'text' },
    { column: 'label', field: 'label', kind: 'text' },
    { column: 'user_key', field: 'userKey', kind: 'text' },
    { column: 'from_prediction_user', field: 'fromPredictionUser', kind: 'boolean' },
    { column: 'created_at', field: 'createdAt', kind: 'integer' },
  ],
};
