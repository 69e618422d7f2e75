import { describe, expect, it } from 'vitest';
import { Counter, Histogram, renderExposition, Sampled } from './prometheus.ts';

describe('Prometheus text exposition', () => {
  it('renders counters with escaped label values', () => {
    const counter = new Counter('x_total', 'Things.');
    counter.inc({ route: '/a"b\\c\nd' });
    counter.inc({ route: '/a"b\\c\nd' }, 2);
    expect(counter.render()).toBe(
      '# HELP x_total Things.\n# TYPE x_total counter\nx_total{route="/a\\"b\\\\c\\nd"} 3\n',
    );
  });

  it('renders cumulative histogram buckets, +Inf, sum and count', () => {
    const histogram = new Histogram('d_seconds', 'Durations.', [0.1, 1]);
    for (const value of [0.05, 0.5, 0.5, 3]) histogram.observe({ route: 'r' }, value);
    expect(histogram.render().split('\n')).toEqual([
      '# HELP d_seconds Durations.',
      '# TYPE d_seconds histogram',
      'd_seconds_bucket{route="r",le="0.1"} 1',
      'd_seconds_bucket{route="r",le="1"} 3',
      'd_seconds_bucket{route="r",le="+Inf"} 4',
      'd_seconds_sum{route="r"} 4.05',
      'd_seconds_count{route="r"} 4',
      '',
    ]);
  });

  it('samples gauges when rendered', () => {
    let depth = 1;
    const gauge = new Sampled('q', 'Depth.', 'gauge', () => [{ value: depth }]);
    depth = 7;
    expect(renderExposition([gauge])).toContain('\nq 7\n');
  });
});
