/**
 * Content-addressed storage of trained models and other large blobs: the address is the SHA-256 of
 * the bytes, so a version's `artifactSha256` both names and checks what was trained.
 */
export interface ArtifactStore {
  /** Stores the bytes (once: the same bytes twice is one artifact) and returns their SHA-256 (hex). */
  put(bytes: Uint8Array): Promise<string>;
  /** The bytes of an artifact, checked against their address; fails when missing or corrupted. */
  get(sha256: string): Promise<Buffer>;
  has(sha256: string): Promise<boolean>;
}

export class ArtifactNotFoundError extends Error {
  constructor(sha256: string, where: string) {
    super(`artifact ${sha256} not found in ${where}`);
    this.name = 'ArtifactNotFoundError';
  }
}

export class ArtifactCorruptedError extends Error {
  constructor(sha256: string, path: string, actual: string) {
    super(`artifact ${sha256} at ${path} is corrupted: its content hashes to ${actual}`);
    this.name = 'ArtifactCorruptedError';
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** An address is also a file name: anything but 64 lowercase hex digits is refused, never looked up. */
export function assertSha256(sha256: string): void {
  if (!SHA256_HEX.test(sha256)) {
    throw new Error(
      `not an artifact address (64 lowercase hex digits of a SHA-256): ${JSON.stringify(sha256)}`,
    );
  }
}
