// `import … from '…'`, `export … from '…'`, `import '…'` and `import('…')`, with whether it is type-only.
const IMPORT =
  /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

export interface RelativeImport {
  specifier: string;
  /** `import type …` / `export type …`: erased with the types, never loaded. */
  typeOnly: boolean;
}

/**
 * The relative imports a TypeScript or JavaScript module's source names, in order: what the room rules
 * check (scripts/room-rules.ts) and what a stripped thread must have prepared (stripped-thread.ts).
 */
export function relativeImports(source: string): RelativeImport[] {
  return [...source.matchAll(IMPORT)].map((match) => ({
    specifier: match[3] ?? match[4]!,
    typeOnly: Boolean(match[2]),
  }));
}
