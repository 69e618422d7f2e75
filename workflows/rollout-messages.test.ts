import { describe, expect, it } from 'vitest';
import { readControl, rolloutWorkflowId } from './rollout-messages.ts';

describe('readControl', () => {
  it('reads {"by", "reason"} as sent from the CLI or the Temporal UI', () => {
    expect(readControl({ by: 'alice', reason: 'error rate spike' })).toEqual({
      by: 'alice',
      reason: 'error rate spike',
    });
  });

  it('never refuses a control over its payload: nothing, a bare string, or junk fields still act', () => {
    expect(readControl(undefined)).toEqual({ by: 'temporal-ui', reason: null });
    expect(readControl(null)).toEqual({ by: 'temporal-ui', reason: null });
    expect(readControl('  users complain  ')).toEqual({ by: 'temporal-ui', reason: 'users complain' });
    expect(readControl({ by: 42, reason: ['x'], extra: true })).toEqual({ by: 'temporal-ui', reason: null });
    expect(readControl({ by: '   ' }, 'cli')).toEqual({ by: 'cli', reason: null });
  });

  it('bounds what it keeps', () => {
    const control = readControl({ by: 'x'.repeat(500), reason: 'y'.repeat(5_000) });
    expect(control.by).toHaveLength(200);
    expect(control.reason).toHaveLength(1_000);
  });
});

it('gives each model one rollout id', () => {
  expect(rolloutWorkflowId('spam')).toBe('flywheel-rollout-spam');
});
