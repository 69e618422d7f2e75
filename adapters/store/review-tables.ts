import type { ReviewItem } from '../../core/review/review-item.ts';
import type { TableMapping } from './table-mapping.ts';

/** Mined items of a cycle, auto-labelled or waiting for reviewers. */
export const REVIEW_ITEMS: TableMapping<ReviewItem> = {
  table: 'review_items',
  columns: [
    { column: 'id', field: 'id', kind: 'text' },
    { column: 'cycle_id', field: 'cycleId', kind: 'text' },
    { column: 'model', field: 'model', kind: 'text' },
    { column: 'prediction_id', field: 'predictionId', kind: 'text' },
    { column: 'text', field: 'text', kind: 'text' },
    { column: 'proposed_label', field: 'proposedLabel', kind: 'text' },
    { column: 'reason', field: 'reason', kind: 'text' },
    { column: 'confidence', field: 'confidence', kind: 'real' },
    { column: 'status', field: 'status', kind: 'text' },
    { column: 'final_label', field: 'finalLabel', kind: 'text' },
    { column: 'decided_by', field: 'decidedBy', kind: 'json' },
    { column: 'updated_at', field: 'updatedAt', kind: 'integer' },
  ],
};
