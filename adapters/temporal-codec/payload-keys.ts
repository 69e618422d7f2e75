import { readFileSync } from 'node:fs';

/** One AES-256 key the codec knows, by the id written into every payload it encrypts. */
export interface PayloadKey {
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

/** Every key the codec can decrypt with; `current` is the one it encrypts with. */
export interface PayloadKeyRing {
  current: PayloadKey;
  keys: ReadonlyMap<string, Buffer>;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Parses `id=base64key` entries separated by commas or new lines; the first entry is the current key,
 * the others stay known so payloads written before a rotation still decrypt. Blank lines and `#`
 * comments are allowed (a key file reads like the variable).
 */
export function parsePayloadKeys(text: string, source: string): PayloadKeyRing {
  const entries = text
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && !entry.startsWith('#'));
  if (entries.length === 0) throw new Error(`${source} holds no key; write id=<base64 of 32 bytes>`);
  const keys = new Map<string, Buffer>();
  let current: PayloadKey | undefined;
  for (const entry of entries) {
    const separator = entry.indexOf('=');
    if (separator <= 0) {
      throw new Error(`${source}: "${entry.slice(0, 12)}…" is not id=<base64 key>`);
    }
    const id = entry.slice(0, separator);
    if (!KEY_ID.test(id)) {
      throw new Error(`${source}: key id "${id}" may only hold letters, digits, '.', '_' and '-' (1-64)`);
    }
    const key = Buffer.from(entry.slice(separator + 1), 'base64');
    if (key.length !== 32) {
      throw new Error(
        `${source}: key "${id}" is ${key.length} bytes; AES-256 needs 32 (make one with: openssl rand -base64 32)`,
      );
    }
    if (keys.has(id)) throw new Error(`${source}: key id "${id}" appears twice`);
    keys.set(id, key);
    current ??= { id, key };
  }
  return { current: current as PayloadKey, keys };
}

/**
 * The payload keys this process is configured with: FLYWHEEL_PAYLOAD_KEYS (the entries themselves)
 * or FLYWHEEL_PAYLOAD_KEY_FILE (a file of them, one a line). Neither set: no encryption (null).
 */
export function payloadKeysFromEnvironment(env: NodeJS.ProcessEnv = process.env): PayloadKeyRing | null {
  const inline = env.FLYWHEEL_PAYLOAD_KEYS?.trim();
  const file = env.FLYWHEEL_PAYLOAD_KEY_FILE?.trim();
  if (inline && file) {
    throw new Error('set FLYWHEEL_PAYLOAD_KEYS or FLYWHEEL_PAYLOAD_KEY_FILE, not both');
  }
  if (inline) return parsePayloadKeys(inline, 'FLYWHEEL_PAYLOAD_KEYS');
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`FLYWHEEL_PAYLOAD_KEY_FILE ${file} cannot be read: ${(error as Error).message}`);
    }
    return parsePayloadKeys(text, `FLYWHEEL_PAYLOAD_KEY_FILE ${file}`);
  }
  return null;
}
