export type JsonPayload = { metadata?: Record<string, string>; data?: string };

/**
 * Every payload in a history's JSON, by where it sits. Search attributes are left out: Temporal indexes
 * them, so no codec touches them (Flywheel's hold model names, stages and numbers, never texts); so are
 * the patch markers the SDK writes itself (they hold a patch id).
 */
export function payloadsOf(history: unknown): JsonPayload[] {
  const found: JsonPayload[] = [];
  const walk = (node: unknown, key: string) => {
    if (key === 'searchAttributes') return;
    if (Array.isArray(node)) {
      for (const item of node) walk(item, key);
    } else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (record.markerName === 'core_patch') return;
      if (record.metadata && typeof record.metadata === 'object' && 'encoding' in record.metadata) {
        found.push(record as JsonPayload);
      }
      for (const [childKey, child] of Object.entries(record)) walk(child, childKey);
    }
  };
  walk(history, '');
  return found;
}
