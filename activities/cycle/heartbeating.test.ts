import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { heartbeating } from './heartbeating.ts';

describe('heartbeating: a long activity tells Temporal it is alive', () => {
  it('beats when it starts and at every step the work marks, and returns what the work returns', async () => {
    const env = new MockActivityEnvironment();
    let beats = 0;
    env.on('heartbeat', () => beats++);
    const result = await env.run(() =>
      heartbeating(async (beat) => {
        for (let step = 0; step < 3; step++) beat();
        return 'done';
      }),
    );
    expect(result).toBe('done');
    expect(beats).toBe(4);
  });

  it('sends nothing outside an activity (a test calling the activity function directly)', async () => {
    const answer = await heartbeating(async (beat) => {
      beat();
      return 42;
    });
    expect(answer).toBe(42);
  });

  it('passes the work’s failure on (and stops its timer)', async () => {
    // The failure is expected: the SDK's "Activity failed" warning stays off the terminal.
    const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') });
    await expect(
      env.run(() =>
        heartbeating(async () => {
          throw new Error('store away');
        }),
      ),
    ).rejects.toThrow('store away');
  });
});
