import { afterAll, beforeAll, expect, test } from 'vitest';
import { gatewayAuthFromEnvironment } from '../../gateway/api-key-auth.ts';
import { runCli } from '../support/cli-process.ts';
import { type Harness, MODEL, startHarness } from './gateway-harness.ts';

let harness: Harness;
const keys: Record<string, string> = {};

function createKey(name: string, ...scopes: string[]) {
  const result = runCli(
    ['keys', 'create', '--name', name, ...scopes.flatMap((s) => ['--scope', s]), '--json'],
    {
      FLYWHEEL_DATA_DIR: harness.dataDir,
    },
  );
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { id: string; key: string; scopes: string[] };
}

beforeAll(async () => {
  harness = await startHarness({
    // A short memory of checked keys, so the revocation below shows without waiting long.
    options: { auth: { mode: 'keys', protectMetrics: true, cacheTtlMs: 0 } },
  });
  keys.predict = createKey('checkout', 'predict').key;
  keys.feedback = createKey('support-desk', 'feedback').key;
  keys.admin = createKey('ops', 'admin').key;
});

afterAll(async () => {
  await harness?.dispose();
});

async function call(
  method: string,
  path: string,
  key?: string,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: answers are JSON the assertions check
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${harness.url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : text };
}

const predict = (key?: string) =>
  call('POST', `/v1/models/${MODEL}/predict`, key, { text: 'cheap watches here' });

test('a request without a key, or with a made-up one, is 401 in the gateway error shape', async () => {
  const anonymous = await predict();
  expect(anonymous.status).toBe(401);
  expect(anonymous.body).toEqual({
    error: {
      code: 'unauthenticated',
      message: 'this gateway asks for an API key: send Authorization: Bearer <key> (flywheel keys create)',
    },
  });
  expect((await predict('fwk_00000000_notarealkeynotarealkeynotareal')).body.error.code).toBe(
    'unauthenticated',
  );
  expect((await predict('not even shaped like a key')).status).toBe(401);
});

test('each scope opens its own routes; admin opens all; /healthz stays open and /metrics asks for admin', async () => {
  const served = await predict(keys.predict);
  expect(served.status).toBe(200);
  const feedbackPath = `/v1/predictions/${served.body.predictionId}/feedback`;
  const forbidden = await call('POST', feedbackPath, keys.predict, {
    kind: 'label',
    label: 'spam',
    feedbackId: 'fb-1',
  });
  expect(forbidden.status).toBe(403);
  expect(forbidden.body.error.code).toBe('forbidden');
  expect(forbidden.body.error.message).toMatch(/has scopes predict; this route needs "feedback"/);
  expect((await predict(keys.feedback)).status).toBe(403);
  const feedback = await call('POST', feedbackPath, keys.feedback, {
    kind: 'label',
    label: 'spam',
    feedbackId: 'fb-1',
  });
  expect(feedback.status, JSON.stringify(feedback.body)).toBeLessThan(300);
  expect((await predict(keys.admin)).status).toBe(200);

  expect((await call('GET', '/healthz')).status).toBe(200);
  expect((await call('GET', '/metrics')).status).toBe(401);
  expect((await call('GET', '/metrics', keys.predict)).status).toBe(403);
  const metrics = await call('GET', '/metrics', keys.admin);
  expect(metrics.status).toBe(200);
  expect(metrics.body).toContain('# TYPE');
});

test('keys are listed without their secret, stored hashed, and a revoked key is refused as revoked', async () => {
  const env = { FLYWHEEL_DATA_DIR: harness.dataDir };
  const listed = runCli(['keys', 'list', '--json'], env);
  expect(listed.code, listed.stderr).toBe(0);
  expect(listed.stdout).not.toContain(keys.predict);
  const rows = JSON.parse(listed.stdout) as Array<{ id: string; name: string; scopes: string[] }>;
  expect(rows.map((row) => [row.name, row.scopes])).toEqual([
    ['checkout', ['predict']],
    ['support-desk', ['feedback']],
    ['ops', ['admin']],
  ]);
  for (const record of await harness.store.apiKeys.list()) {
    expect(record.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.values(keys)).not.toContain(record.hash);
  }

  const id = rows[0]!.id;
  expect(runCli(['keys', 'revoke', id], env)).toMatchObject({ code: 0, stdout: `key ${id} revoked\n` });
  const refused = await predict(keys.predict);
  expect(refused.status).toBe(401);
  expect(refused.body.error).toEqual({
    code: 'key_revoked',
    message: `the API key ${id} was revoked; ask for a new one`,
  });

  const unknown = runCli(['keys', 'revoke', 'ffffffff'], env);
  expect(unknown.code).toBe(4);
  expect(unknown.stderr).toBe('flywheel: no key ffffffff: list them with `flywheel keys list`\n');
  const badScope = runCli(['keys', 'create', '--name', 'x', '--scope', 'root'], env);
  expect(badScope.code).toBe(2);
  expect(badScope.stderr).toMatch(/unknown scope "root"; use predict, feedback, admin/);
});

test('auth is off unless configured, and a misspelt setting is refused', () => {
  expect(gatewayAuthFromEnvironment({})).toEqual({ mode: 'off', protectMetrics: false });
  expect(
    gatewayAuthFromEnvironment({ FLYWHEEL_GATEWAY_AUTH: 'keys', FLYWHEEL_METRICS_AUTH: 'admin' }),
  ).toEqual({
    mode: 'keys',
    protectMetrics: true,
  });
  expect(() => gatewayAuthFromEnvironment({ FLYWHEEL_GATEWAY_AUTH: 'key' })).toThrow(/use "keys"/);
});
