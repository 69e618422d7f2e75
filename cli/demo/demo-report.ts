import type { DemoSummary } from './demo-summary.ts';
import type { DemoTimeline, TimelineEvent, TimePoint } from './timeline.ts';

interface Series {
  name: string;
  points: readonly TimePoint[];
  color: string;
}

const WIDTH = 760;
const HEIGHT = 240;
const PAD = { left: 50, right: 16, top: 24, bottom: 32 };

/** A self-contained HTML report: inline SVG plots and tables, no scripts, no network. */
export function renderReport(summary: DemoSummary, timeline: DemoTimeline): string {
  const end = Math.max(summary.totalSeconds, ...timeline.accuracy.map((p) => p.t), 1);
  const sections = [
    chart(
      'Live accuracy of served answers (last 200 requests)',
      [{ name: 'accuracy', points: timeline.accuracy, color: '#1f77b4' }],
      {
        end,
        yMin: Math.min(0.8, ...timeline.accuracy.map((p) => p.value)),
        yMax: 1,
        events: timeline.events,
        format: (v) => `${(v * 100).toFixed(0)}%`,
      },
    ),
    chart(
      'Rollout: share of requests the candidate served (last 200 requests)',
      [{ name: 'candidate share', points: timeline.candidateShare, color: '#ff7f0e' }],
      {
        end,
        yMin: 0,
        yMax: 1,
        events: timeline.events,
        format: (v) => `${(v * 100).toFixed(0)}%`,
      },
    ),
    chart(
      'Monitor: drift (largest PSI of label mix, confidence, text length) and feedback error rate',
      [
        { name: 'drift PSI', points: timeline.drift, color: '#d62728' },
        { name: 'feedback error rate', points: timeline.feedbackErrorRate, color: '#9467bd' },
      ],
      {
        end,
        yMin: 0,
        yMax: Math.max(
          0.3,
          ...timeline.drift.map((p) => p.value),
          ...timeline.feedbackErrorRate.map((p) => p.value),
        ),
        events: timeline.events,
        format: (v) => v.toFixed(2),
      },
    ),
    `<h2>Confusion on the era-2 holdout</h2><div class="row">${confusionTable('era-1 champion', summary.confusion.before)}${confusionTable('after the flywheel', summary.confusion.after)}</div>`,
    `<h2>Cycles</h2>${cyclesTable(summary)}`,
    `<h2>Events</h2><ol>${timeline.events.map((e) => `<li><b>${e.t.toFixed(1)} s</b> ${escapeHtml(e.label)}</li>`).join('')}</ol>`,
  ];
  const pct = (value: number) => `${(100 * value).toFixed(1)}%`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Flywheel demo: ${escapeHtml(summary.model)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:820px;margin:24px auto;color:#222}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse;margin:8px 16px 8px 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}
th{background:#f4f4f4}.row{display:flex;flex-wrap:wrap}.kpi{display:flex;gap:24px;margin:12px 0}
.kpi div{background:#f4f7fb;padding:10px 14px;border-radius:6px}.kpi b{display:block;font-size:20px}
svg text{font-size:11px;fill:#444}
</style></head><body>
<h1>Flywheel demo — ${escapeHtml(summary.model)}</h1>
<p>An era-1 SpamAssassin champion meets era-2 traffic; the flywheel mines its mistakes, gets labels, retrains, gates and rolls out.</p>
<div class="kpi">
<div>era-2 accuracy<b>${pct(summary.era2AccuracyBefore)} → ${pct(summary.era2Accuracy)}</b></div>
<div>era-1 accuracy<b>${pct(summary.era1AccuracyBefore)} → ${pct(summary.era1Accuracy)}</b></div>
<div>labels<b>${summary.labelsUsed} (${summary.humanLabels} human)</b></div>
<div>wall time<b>${summary.totalSeconds.toFixed(0)} s</b></div>
</div>
${sections.join('\n')}
</body></html>
`;
}

function chart(
  title: string,
  series: readonly Series[],
  options: {
    end: number;
    yMin: number;
    yMax: number;
    events: readonly TimelineEvent[];
    format: (v: number) => string;
  },
): string {
  const x = (t: number) => PAD.left + (t / options.end) * (WIDTH - PAD.left - PAD.right);
  const span = options.yMax - options.yMin || 1;
  const y = (v: number) => PAD.top + (1 - (v - options.yMin) / span) * (HEIGHT - PAD.top - PAD.bottom);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => options.yMin + f * span);
  const grid = ticks
    .map(
      (v) =>
        `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${options.format(v)}</text>`,
    )
    .join('');
  const timeTicks = Array.from({ length: 6 }, (_, i) => (i * options.end) / 5)
    .map((t) => `<text x="${x(t)}" y="${HEIGHT - 10}" text-anchor="middle">${t.toFixed(0)} s</text>`)
    .join('');
  const markers = options.events
    .filter((e) => /started|promoted|rolled back|rejected/.test(e.label))
    .map(
      (e) =>
        `<line x1="${x(e.t)}" x2="${x(e.t)}" y1="${PAD.top}" y2="${HEIGHT - PAD.bottom}" stroke="#999" stroke-dasharray="3,3"><title>${escapeHtml(e.label)}</title></line>`,
    )
    .join('');
  const lines = series
    .filter((s) => s.points.length > 0)
    .map(
      (s) =>
        `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${s.points.map((p) => `${x(p.t).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ')}"/>`,
    )
    .join('');
  const legend = series
    .map(
      (s, i) =>
        `<text x="${PAD.left + 8 + i * 170}" y="${PAD.top - 8}" fill="${s.color}" style="fill:${s.color}">■ ${escapeHtml(s.name)}</text>`,
    )
    .join('');
  return `<h2>${escapeHtml(title)}</h2><svg width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(title)}">${grid}${timeTicks}${markers}${lines}${legend}</svg>`;
}

function confusionTable(title: string, confusion: Record<string, Record<string, number>>): string {
  const labels = Object.keys(confusion);
  const head = `<tr><th>${escapeHtml(title)}: actual ↓ predicted →</th>${labels.map((l) => `<th>${escapeHtml(l)}</th>`).join('')}</tr>`;
  const body = labels
    .map(
      (actual) =>
        `<tr><th>${escapeHtml(actual)}</th>${labels.map((p) => `<td>${confusion[actual]?.[p] ?? 0}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<table>${head}${body}</table>`;
}

function cyclesTable(summary: DemoSummary): string {
  const stages = [...new Set(summary.cycles.flatMap((c) => Object.keys(c.secondsByStage)))];
  const head = `<tr><th>cycle</th><th>trigger</th><th>outcome</th><th>auto</th><th>human</th><th>era-2 acc.</th>${stages.map((s) => `<th>${escapeHtml(s)} (s)</th>`).join('')}</tr>`;
  const rows = summary.cycles
    .map(
      (c, i) =>
        `<tr><td>${c.number}</td><td>${escapeHtml(c.trigger)}</td><td>${escapeHtml(c.outcome)}</td><td>${c.labels.auto}</td><td>${c.labels.human}</td><td>${summary.era2AccuracyByCycle[i] === undefined ? '-' : `${(100 * summary.era2AccuracyByCycle[i]!).toFixed(1)}%`}</td>${stages.map((s) => `<td>${(c.secondsByStage[s] ?? 0).toFixed(1)}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<table>${head}${rows}</table>`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
