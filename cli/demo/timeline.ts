import type { TrafficOutcome } from '../simulation/simulated-users.ts';

export interface TimePoint {
  /** Seconds since the demo started. */
  t: number;
  value: number;
}

export interface TimelineEvent {
  t: number;
  label: string;
}

/**
 * What the demo saw over time, for the report's plots: live accuracy of served answers, the share
 * of traffic the candidate served, the monitor's drift figures, and the flywheel's events.
 */
export class DemoTimeline {
  readonly accuracy: TimePoint[] = [];
  readonly candidateShare: TimePoint[] = [];
  readonly drift: TimePoint[] = [];
  readonly feedbackErrorRate: TimePoint[] = [];
  readonly events: TimelineEvent[] = [];
  private readonly startedAt: number;
  private readonly recent: TrafficOutcome[] = [];
  private sinceSample = 0;
  private readonly seenChecks = new Set<number>();

  constructor(startedAt: number) {
    this.startedAt = startedAt;
  }

  now(): number {
    return (Date.now() - this.startedAt) / 1000;
  }

  event(label: string): void {
    this.events.push({ t: this.now(), label });
  }

  /** Each served answer; every 25 answers a point of rolling accuracy and candidate share (last 200). */
  response(outcome: TrafficOutcome): void {
    this.recent.push(outcome);
    if (this.recent.length > 200) this.recent.shift();
    this.sinceSample += 1;
    if (this.sinceSample < 25) return;
    this.sinceSample = 0;
    const t = this.now();
    const right = this.recent.filter((o) => o.correct).length;
    const candidate = this.recent.filter((o) => o.variant === 'canary').length;
    this.accuracy.push({ t, value: right / this.recent.length });
    this.candidateShare.push({ t, value: candidate / this.recent.length });
  }

  /** A monitor check (once each): the largest drift PSI among its signals, and the feedback error rate. */
  monitorCheck(check: {
    at: number;
    readings: Array<{ signal: string; figures: Record<string, number | null> }>;
  }): void {
    if (this.seenChecks.has(check.at)) return;
    this.seenChecks.add(check.at);
    const t = (check.at - this.startedAt) / 1000;
    const psis = check.readings
      .filter((reading) => reading.signal.endsWith('-drift'))
      .map((reading) => reading.figures.psi)
      .filter((psi): psi is number => typeof psi === 'number');
    if (psis.length > 0) this.drift.push({ t, value: Math.max(...psis) });
    const errorRate = check.readings.find((reading) => reading.signal === 'feedback-error-rate')?.figures
      .rate;
    if (typeof errorRate === 'number') this.feedbackErrorRate.push({ t, value: errorRate });
  }
}
