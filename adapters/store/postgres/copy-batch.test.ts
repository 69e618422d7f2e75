import { expect, it } from 'vitest';
import { FEEDBACK } from '../capture-tables.ts';
import { copyText } from './copy-batch.ts';

it("writes COPY's text format: tabs between columns, escapes for its delimiters, \\N for null, t/f, JSON as text", () => {
  expect(
    copyText(FEEDBACK, [
      {
        id: 'f\t1',
        predictionId: 'p\\1',
        model: 'line\nbreak\r',
        kind: 'label',
        label: null,
        userKey: '\\N',
        fromPredictionUser: true,
        createdAt: 1_767_225_600_000,
      },
    ]),
  ).toBe('f\\t1\tp\\\\1\tline\\nbreak\\r\tlabel\t\\N\t\\\\N\tt\t1767225600000\n');
});
