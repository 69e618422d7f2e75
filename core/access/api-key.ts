/** What a gateway API key may do; `admin` may do everything. */
export const API_KEY_SCOPES = ['predict', 'feedback', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** A key as the store keeps it: never the key itself, only its SHA-256. */
export interface ApiKeyRecord {
  /** Public, short, printed in lists and logs; also the key's prefix. */
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  /** Hex SHA-256 of the whole key. */
  hash: string;
  createdAt: number;
  revokedAt: number | null;
}

/** Keys read `fwk_<id>_<secret>`: the id lets an operator tell which key a caller used. */
export const API_KEY_PREFIX = 'fwk_';

export function isApiKeyScope(value: string): value is ApiKeyScope {
  return (API_KEY_SCOPES as readonly string[]).includes(value);
}

export function grants(record: Pick<ApiKeyRecord, 'scopes'>, needed: ApiKeyScope): boolean {
  return record.scopes.includes(needed) || record.scopes.includes('admin');
}

/** The id a presented key claims (null when it is not shaped like a Flywheel key). */
export function apiKeyIdOf(presented: string): string | null {
  const match = /^fwk_([0-9a-f]{8})_[A-Za-z0-9_-]{20,}$/.exec(presented);
  return match ? (match[1] as string) : null;
}
