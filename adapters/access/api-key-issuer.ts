import { createHash, randomBytes } from 'node:crypto';
import { API_KEY_PREFIX, type ApiKeyRecord, type ApiKeyScope } from '../../core/access/api-key.ts';
import type { ApiKeyRepository } from '../store/store.ts';

/**
 * The stored form of a key. A plain SHA-256 is enough: the secret is 32 random bytes, so there is
 * nothing to guess that a slow hash would protect, and the gateway can check a key in microseconds.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Makes a new key and stores its hash; the key itself is returned once and kept nowhere. */
export async function issueApiKey(
  keys: ApiKeyRepository,
  request: { name: string; scopes: ApiKeyScope[]; now: number },
): Promise<{ key: string; record: ApiKeyRecord }> {
  const id = randomBytes(4).toString('hex');
  const key = `${API_KEY_PREFIX}${id}_${randomBytes(32).toString('base64url')}`;
  const record: ApiKeyRecord = {
    id,
    name: request.name,
    scopes: [...new Set(request.scopes)],
    hash: hashApiKey(key),
    createdAt: request.now,
    revokedAt: null,
  };
  await keys.create(record);
  return { key, record };
}
