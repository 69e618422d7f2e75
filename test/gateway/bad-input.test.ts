import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MAX_BODY_BYTES, MAX_TEXT_LENGTH } from '../../gateway/request-schemas.ts';
import { type Harness, MODEL, startHarness } from './gateway-harness.ts';

const ErrorShape = z.strictObject({
  error: z.strictObject({
    code: z.string().regex(/^[a-z_]+$/),
    message: z.string().min(1),
    field: z.string().optional(),
  }),
});

interface Answer {
  status: number;
  body: unknown;
}

describe('gateway: client mistakes get a 4xx naming the field and the rule, never a 500', () => {
  let harness: Harness;
  let predictionId: string;

  beforeAll(async () => {
    harness = await startHarness();
    predictionId = (await harness.post(`/v1/models/${MODEL}/predict`, { text: 'hello there' })).body
      .predictionId;
  });
  afterAll(() => harness?.dispose());

  async function send(path: string, body: string | undefined, contentType?: string): Promise<Answer> {
    const response = await fetch(`${harness.url}${path}`, {
      method: 'POST',
      headers: contentType ? { 'content-type': contentType } : {},
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed };
  }
  const predictPath = `/v1/models/${MODEL}/predict`;
  const json = 'application/json';

  const cases: Array<[string, () => [string, string | undefined, string?], number, Record<string, unknown>]> =
    [
      ['malformed JSON', () => [predictPath, '{"text": ', json], 400, { code: 'invalid_json' }],
      ['an empty body', () => [predictPath, '', json], 400, { code: 'invalid_json' }],
      ['a JSON array', () => [predictPath, '[1,2]', json], 400, { code: 'wrong_type' }],
      ['text missing', () => [predictPath, '{}', json], 400, { code: 'required', field: 'text' }],
      [
        'text of the wrong type',
        () => [predictPath, '{"text": 5}', json],
        400,
        { code: 'wrong_type', field: 'text', message: 'text must be a string, got a number' },
      ],
      ['empty text', () => [predictPath, '{"text": ""}', json], 400, { code: 'empty', field: 'text' }],
      [
        'whitespace text',
        () => [predictPath, '{"text": "  \\n "}', json],
        400,
        { code: 'empty', field: 'text' },
      ],
      [
        'over-long text',
        () => [predictPath, JSON.stringify({ text: 'a'.repeat(MAX_TEXT_LENGTH + 1) }), json],
        400,
        { code: 'too_long', field: 'text', message: `text must be at most ${MAX_TEXT_LENGTH} characters` },
      ],
      [
        'an unknown field',
        () => [predictPath, '{"text": "hi", "txt": "hi"}', json],
        400,
        { code: 'unknown_field', field: 'txt' },
      ],
      [
        'metadata of the wrong type',
        () => [predictPath, '{"text": "hi", "metadata": {"a": 1}}', json],
        400,
        { code: 'wrong_type', field: 'metadata.a' },
      ],
      [
        'too many metadata entries',
        () => [
          predictPath,
          JSON.stringify({
            text: 'hi',
            metadata: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])),
          }),
          json,
        ],
        400,
        { code: 'too_many_entries', field: 'metadata', message: 'metadata must have at most 32 entries' },
      ],
      [
        'an invalid model name',
        () => ['/v1/models/Not_A_Name/predict', '{"text": "hi"}', json],
        400,
        { code: 'invalid_format', field: 'model' },
      ],
      [
        'a body over the size limit',
        () => [predictPath, JSON.stringify({ text: 'a'.repeat(MAX_BODY_BYTES) }), json],
        413,
        { code: 'body_too_large' },
      ],
      [
        'text/plain',
        () => [predictPath, '{"text": "hi"}', 'text/plain'],
        415,
        { code: 'unsupported_media_type' },
      ],
      [
        'no content type',
        () => [predictPath, '{"text": "hi"}', undefined],
        415,
        { code: 'unsupported_media_type' },
      ],
      [
        'prototype poisoning',
        () => [predictPath, '{"text": "hi", "__proto__": {"x": 1}}', json],
        400,
        { code: 'invalid_json' },
      ],
      [
        'feedback kind outside the enum',
        () => [`/v1/predictions/${predictionId}/feedback`, '{"feedbackId": "f", "kind": "meh"}', json],
        400,
        { code: 'invalid_value', field: 'kind' },
      ],
      [
        'label feedback without a label',
        () => [`/v1/predictions/${predictionId}/feedback`, '{"feedbackId": "f", "kind": "label"}', json],
        400,
        { code: 'required', field: 'label', message: 'label is required when kind is "label"' },
      ],
      [
        'a label with kind correct',
        () => [
          `/v1/predictions/${predictionId}/feedback`,
          '{"feedbackId": "f", "kind": "correct", "label": "ham"}',
          json,
        ],
        400,
        { code: 'not_allowed', field: 'label' },
      ],
      [
        'feedback id empty',
        () => [`/v1/predictions/${predictionId}/feedback`, '{"feedbackId": "", "kind": "correct"}', json],
        400,
        { field: 'feedbackId' },
      ],
      ['an unknown route', () => ['/v1/nothing', '{}', json], 404, { code: 'route_not_found' }],
    ];

  it.each(cases)('%s', async (_name, request, status, error) => {
    const answer = await send(...request());
    expect(answer.status).toBe(status);
    expect(ErrorShape.parse(answer.body).error).toMatchObject(error);
  });

  it('fuzz: any body to either route gets a 2xx, or a 4xx with the error shape', async () => {
    const fieldValue = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme', maxLength: 50 }),
      fc.constantFrom('ham', 'spam', 'label', 'correct', 'incorrect', '', ' '),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.string(), fc.integer()), { maxKeys: 3 }),
      fc.array(fc.string(), { maxLength: 3 }),
    );
    const nearlyValid = fc.record(
      {
        text: fieldValue,
        userKey: fieldValue,
        metadata: fieldValue,
        feedbackId: fieldValue,
        kind: fieldValue,
        label: fieldValue,
        extra: fieldValue,
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      nearlyValid.map((value) => JSON.stringify(value)),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.string(),
      fc.constant(undefined),
    );
    const path = fc.oneof(
      fc.constant(predictPath),
      fc.constant(`/v1/predictions/${predictionId}/feedback`),
      fc
        .string({ minLength: 1, maxLength: 20 })
        .map((id) => `/v1/predictions/${encodeURIComponent(id)}/feedback`),
      fc
        .string({ minLength: 1, maxLength: 20 })
        .map((name) => `/v1/models/${encodeURIComponent(name)}/predict`),
    );
    const contentType = fc.constantFrom(
      json,
      'application/json; charset=utf-8',
      'text/plain',
      undefined,
      'application/x-www-form-urlencoded',
    );

    await fc.assert(
      fc.asyncProperty(path, body, contentType, async (p, b, t) => {
        const answer = await send(p, b, t);
        if (answer.status >= 200 && answer.status < 300) return;
        expect(answer.status, JSON.stringify(answer.body)).toBeGreaterThanOrEqual(400);
        expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(500);
        ErrorShape.parse(answer.body);
      }),
      { numRuns: 400 },
    );
  });
});
