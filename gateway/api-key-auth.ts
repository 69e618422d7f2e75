import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hashApiKey } from '../adapters/access/api-key-issuer.ts';
import type { ApiKeyRepository } from '../adapters/store/store.ts';
import { type ApiKeyRecord, type ApiKeyScope, apiKeyIdOf, grants } from '../core/access/api-key.ts';
import { GatewayError } from './errors.ts';

export interface GatewayAuth {
  /** `keys`: every route but /healthz asks for an API key. */
  mode: 'off' | 'keys';
  /** Ask for an `admin` key on /metrics too (scrapers then need one). */
  protectMetrics: boolean;
  /** How long a checked key is trusted from memory (ms): a revocation takes effect within this. */
  cacheTtlMs?: number;
}

const ROUTE_SCOPES: Record<string, ApiKeyScope> = {
  '/v1/models/:model/predict': 'predict',
  '/v1/predictions/:id/feedback': 'feedback',
};

/**
 * Gateway auth as read from FLYWHEEL_GATEWAY_AUTH (`keys` or `off`, default off) and
 * FLYWHEEL_METRICS_AUTH (`admin` protects /metrics).
 */
export function gatewayAuthFromEnvironment(env: NodeJS.ProcessEnv = process.env): GatewayAuth {
  const mode = (env.FLYWHEEL_GATEWAY_AUTH ?? 'off').trim() || 'off';
  if (mode !== 'off' && mode !== 'keys') {
    throw new Error(`FLYWHEEL_GATEWAY_AUTH is "${mode}"; use "keys" (API keys required) or "off"`);
  }
  const metrics = (env.FLYWHEEL_METRICS_AUTH ?? 'open').trim() || 'open';
  if (metrics !== 'open' && metrics !== 'admin') {
    throw new Error(`FLYWHEEL_METRICS_AUTH is "${metrics}"; use "admin" (an admin key) or "open"`);
  }
  return { mode, protectMetrics: metrics === 'admin' };
}

function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' ? apiKey.trim() : undefined;
}

/**
 * Asks every request for an API key with the route's scope: 401 without a valid key, 403 with a key
 * that lacks the scope. Checked keys are kept in memory for a moment, so a busy client costs one
 * hash and one map lookup per request, not a store read.
 */
export function installApiKeyAuth(app: FastifyInstance, keys: ApiKeyRepository, auth: GatewayAuth): void {
  if (auth.mode === 'off') return;
  const ttl = auth.cacheTtlMs ?? 5_000;
  const checked = new Map<string, { record: ApiKeyRecord | null; until: number }>();

  const lookup = async (hash: string): Promise<ApiKeyRecord | null> => {
    const now = Date.now();
    const cached = checked.get(hash);
    if (cached && cached.until > now) return cached.record;
    const record = await keys.findByHash(hash);
    if (checked.size > 10_000) checked.clear();
    checked.set(hash, { record, until: now + ttl });
    return record;
  };

  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url;
    const needed: ApiKeyScope | undefined =
      route === undefined
        ? undefined
        : (ROUTE_SCOPES[route] ?? (route === '/metrics' && auth.protectMetrics ? 'admin' : undefined));
    if (!needed) return;
    const presented = presentedKey(request);
    if (!presented) {
      throw new GatewayError(
        401,
        'unauthenticated',
        'this gateway asks for an API key: send Authorization: Bearer <key> (flywheel keys create)',
      );
    }
    const id = apiKeyIdOf(presented);
    const record = id ? await lookup(hashApiKey(presented)) : null;
    if (!record) throw new GatewayError(401, 'unauthenticated', 'the API key is not valid');
    if (record.revokedAt !== null) {
      throw new GatewayError(401, 'key_revoked', `the API key ${record.id} was revoked; ask for a new one`);
    }
    if (!grants(record, needed)) {
      throw new GatewayError(
        403,
        'forbidden',
        `the API key ${record.id} has scopes ${record.scopes.join(', ')}; this route needs "${needed}"`,
      );
    }
  });
}
