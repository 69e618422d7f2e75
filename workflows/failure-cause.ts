/** The innermost message of an error chain: what a person needs to read, not the wrappers around it. */
export function rootMessage(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && (current as { cause?: unknown }).cause instanceof Error) {
    current = (current as { cause?: unknown }).cause;
  }
  return current instanceof Error ? current.message : String(current);
}
