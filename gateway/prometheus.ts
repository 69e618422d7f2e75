/**
 * Just enough of the Prometheus text exposition format (version 0.0.4) for the gateway's metrics:
 * counters and histograms with labels, and gauges read at scrape time.
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Readonly<Record<string, string>>;

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function renderLabels(labels: Labels): string {
  const parts = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function formatNumber(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return Number.isNaN(value) ? 'NaN' : String(value);
}

function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`;
}

export interface Metric {
  render(): string;
}

export class Counter implements Metric {
  readonly #name: string;
  readonly #help: string;
  readonly #series = new Map<string, { labels: Labels; value: number }>();

  constructor(name: string, help: string) {
    this.#name = name;
    this.#help = help;
  }

  inc(labels: Labels = {}, by = 1): void {
    const key = renderLabels(labels);
    const series = this.#series.get(key);
    if (series) series.value += by;
    else this.#series.set(key, { labels, value: by });
  }

  render(): string {
    let text = header(this.#name, this.#help, 'counter');
    for (const [key, { value }] of this.#series) text += `${this.#name}${key} ${formatNumber(value)}\n`;
    return text;
  }
}

/** A gauge or counter whose series are read from their owner when scraped. */
export class Sampled implements Metric {
  readonly #name: string;
  readonly #help: string;
  readonly #type: 'gauge' | 'counter';
  readonly #sample: () => ReadonlyArray<{ labels?: Labels; value: number }>;

  constructor(
    name: string,
    help: string,
    type: 'gauge' | 'counter',
    sample: () => ReadonlyArray<{ labels?: Labels; value: number }>,
  ) {
    this.#name = name;
    this.#help = help;
    this.#type = type;
    this.#sample = sample;
  }

  render(): string {
    let text = header(this.#name, this.#help, this.#type);
    for (const { labels, value } of this.#sample()) {
      text += `${this.#name}${renderLabels(labels ?? {})} ${formatNumber(value)}\n`;
    }
    return text;
  }
}

export class Histogram implements Metric {
  readonly #name: string;
  readonly #help: string;
  readonly #bounds: readonly number[];
  readonly #series = new Map<string, { labels: Labels; buckets: number[]; sum: number; count: number }>();

  constructor(name: string, help: string, bounds: readonly number[]) {
    this.#name = name;
    this.#help = help;
    this.#bounds = [...bounds].sort((a, b) => a - b);
  }

  observe(labels: Labels, value: number): void {
    const key = renderLabels(labels);
    let series = this.#series.get(key);
    if (!series) {
      series = { labels, buckets: new Array(this.#bounds.length).fill(0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    // Buckets are stored non-cumulative and summed when rendered: one increment per observation.
    const index = this.#bounds.findIndex((bound) => value <= bound);
    if (index >= 0) series.buckets[index]! += 1;
    series.sum += value;
    series.count += 1;
  }

  render(): string {
    let text = header(this.#name, this.#help, 'histogram');
    for (const { labels, buckets, sum, count } of this.#series.values()) {
      let cumulative = 0;
      this.#bounds.forEach((bound, i) => {
        cumulative += buckets[i]!;
        text += `${this.#name}_bucket${renderLabels({ ...labels, le: formatNumber(bound) })} ${cumulative}\n`;
      });
      text += `${this.#name}_bucket${renderLabels({ ...labels, le: '+Inf' })} ${count}\n`;
      text += `${this.#name}_sum${renderLabels(labels)} ${formatNumber(sum)}\n`;
      text += `${this.#name}_count${renderLabels(labels)} ${count}\n`;
    }
    return text;
  }
}

export function renderExposition(metrics: readonly Metric[]): string {
  return metrics.map((metric) => metric.render()).join('');
}
