import { describe, expect, it } from 'vitest';
import { parseCycleConfig } from './cycle-config.ts';
import {
  BudgetConfig,
  dailyOverrun,
  describeOverrun,
  hasDailyLimit,
  reviewOverrun,
  trainingLimits,
  trainingOverrun,
  utcDayStart,
} from './training-budget.ts';

const budget = (input: unknown) => BudgetConfig.parse(input);

describe('training budget', () => {
  it('is off by default: no limit, nothing is ever over it', () => {
    const off = budget(undefined);
    expect(off.perCycle).toEqual({
      maxTrainingSeconds: null,
      maxTrainingCpuSeconds: null,
      maxReviewLabels: null,
    });
    expect(hasDailyLimit(off)).toBe(false);
    expect(dailyOverrun(off, { cycles: 1_000, trainingCpuSeconds: 1e9 })).toBeNull();
    expect(reviewOverrun(off, 10_000)).toBeNull();
    expect(trainingLimits(off, null, 3)).toEqual([]);
  });

  it('refuses bad values at the cycle start, naming the field and the rule', () => {
    const result = parseCycleConfig({
      budget: {
        perCycle: { maxTrainingSeconds: 0, maxReviewLabels: 2.5, maxTrainingCpuSeconds: -1 },
        perModelPerDay: { maxCycles: 0, maxTrainingCpuSecs: 5 },
      },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^budget\.perCycle\.maxTrainingSeconds: .*> ?0/),
        expect.stringMatching(/^budget\.perCycle\.maxTrainingCpuSeconds: .*> ?0/),
        expect.stringMatching(/^budget\.perCycle\.maxReviewLabels: .*whole number|integer/),
        expect.stringMatching(/^budget\.perModelPerDay\.maxCycles: .*1/),
        'budget.perModelPerDay.maxTrainingCpuSecs: is not a known field',
      ]),
    );
  });

  it('counts the UTC day from midnight UTC', () => {
    const at = Date.UTC(2026, 11, 4, 23, 59, 59, 999);
    expect(utcDayStart(at)).toBe(Date.UTC(2026, 11, 4));
    expect(utcDayStart(Date.UTC(2026, 11, 5))).toBe(Date.UTC(2026, 11, 5));
  });

  it('lets the day take maxCycles cycles and refuses the next, with the figures', () => {
    const day = budget({ perModelPerDay: { maxCycles: 2 } });
    expect(hasDailyLimit(day)).toBe(true);
    expect(dailyOverrun(day, { cycles: 1, trainingCpuSeconds: 0 })).toBeNull();
    const over = dailyOverrun(day, { cycles: 2, trainingCpuSeconds: 0 });
    expect(over).toEqual({
      limit: 'budget.perModelPerDay.maxCycles',
      unit: 'cycles',
      max: 2,
      used: 3,
      checkedAt: 'start',
    });
    expect(describeOverrun(over!)).toBe(
      'this would be cycle 3 of the UTC day, over budget.perModelPerDay.maxCycles = 2',
    );
  });

  it('refuses a cycle once the day’s training CPU-seconds are used up', () => {
    const day = budget({ perModelPerDay: { maxTrainingCpuSeconds: 60 } });
    expect(dailyOverrun(day, { cycles: 9, trainingCpuSeconds: 59.9 })).toBeNull();
    const over = dailyOverrun(day, { cycles: 9, trainingCpuSeconds: 61.23456 });
    expect(over).toMatchObject({
      limit: 'budget.perModelPerDay.maxTrainingCpuSeconds',
      max: 60,
      used: 61.235,
    });
    expect(describeOverrun(over!)).toMatch(/used 61\.235 CPU-seconds today, at or over .* = 60/);
  });

  it('ends a cycle whose mining picked more items for review than the budget, and says which knob caps it', () => {
    const review = budget({ perCycle: { maxReviewLabels: 5 } });
    expect(reviewOverrun(review, 5)).toBeNull();
    expect(reviewOverrun(review, 0)).toBeNull();
    const over = reviewOverrun(review, 6);
    expect(over).toEqual({
      limit: 'budget.perCycle.maxReviewLabels',
      unit: 'review labels',
      max: 5,
      used: 6,
      checkedAt: 'review',
    });
    expect(describeOverrun(over!)).toMatch(
      /picked 6 items .*maxReviewLabels = 5.*mining\.labelBudget to at most 5/,
    );
    // 0 allows no human review at all: a cycle that needs reviewers ends, an auto-labelled one goes on.
    const none = budget({ perCycle: { maxReviewLabels: 0 } });
    expect(reviewOverrun(none, 0)).toBeNull();
    expect(reviewOverrun(none, 1)?.max).toBe(0);
  });

  it('gives each candidate the whole wall limit and an equal share of the CPU limit', () => {
    const cycle = budget({ perCycle: { maxTrainingSeconds: 600, maxTrainingCpuSeconds: 120 } });
    expect(trainingLimits(cycle, null, 3)).toEqual([
      { limit: 'budget.perCycle.maxTrainingSeconds', measure: 'wall', max: 600 },
      { limit: 'budget.perCycle.maxTrainingCpuSeconds', measure: 'cpu', max: 40 },
    ]);
  });

  it('caps the training CPU at what is left of the day when that is less than the cycle limit', () => {
    const both = budget({
      perCycle: { maxTrainingCpuSeconds: 100 },
      perModelPerDay: { maxTrainingCpuSeconds: 300 },
    });
    expect(trainingLimits(both, { cycles: 0, trainingCpuSeconds: 100 }, 1)).toEqual([
      { limit: 'budget.perCycle.maxTrainingCpuSeconds', measure: 'cpu', max: 100 },
    ]);
    expect(trainingLimits(both, { cycles: 0, trainingCpuSeconds: 250 }, 2)).toEqual([
      { limit: 'budget.perModelPerDay.maxTrainingCpuSeconds', measure: 'cpu', max: 25 },
    ]);
    const dayOnly = budget({ perModelPerDay: { maxTrainingCpuSeconds: 300 } });
    expect(trainingLimits(dayOnly, { cycles: 0, trainingCpuSeconds: 400 }, 1)).toEqual([
      { limit: 'budget.perModelPerDay.maxTrainingCpuSeconds', measure: 'cpu', max: 0 },
    ]);
  });

  it('finds the first limit a training went over, with what it used', () => {
    const limits = trainingLimits(
      budget({ perCycle: { maxTrainingSeconds: 10, maxTrainingCpuSeconds: 4 } }),
      null,
      1,
    );
    expect(trainingOverrun(limits, { wallSeconds: 10, cpuSeconds: 4 })).toBeNull();
    const wall = trainingOverrun(limits, { wallSeconds: 10.0004, cpuSeconds: 1 });
    expect(wall).toEqual({
      limit: 'budget.perCycle.maxTrainingSeconds',
      unit: 'seconds',
      max: 10,
      used: 10,
      checkedAt: 'training',
    });
    const cpu = trainingOverrun(limits, { wallSeconds: 5, cpuSeconds: 4.5 });
    expect(cpu).toMatchObject({
      limit: 'budget.perCycle.maxTrainingCpuSeconds',
      unit: 'CPU-seconds',
      used: 4.5,
    });
    expect(describeOverrun(cpu!)).toBe(
      'training stopped after 4.5 CPU-seconds, over budget.perCycle.maxTrainingCpuSeconds = 4; no model version was registered',
    );
  });
});
