import { figure, percent } from '../figures/format-figures.ts';
import { short } from './rollout-machine.ts';
import type { RolloutAnalysisRecord, RolloutControlRecord, RolloutStatus } from './rollout-status.ts';

/**
 * A rollout in words, one layout for two readers: `text` for `flywheel rollout status` (every analysis
 * and control), `markdown` for the Temporal UI's current details (the latest ones, and how to steer it).
 */
export function describeRollout(status: RolloutStatus, format: 'text' | 'markdown' = 'text'): string {
  const markdown = format === 'markdown';
  const fields = rolloutFields(status);
  const analyses = markdown ? status.analyses.slice(-3) : status.analyses;
  const controls = markdown ? status.controls.slice(-5) : status.controls;
  if (!markdown) {
    const lines = [`rollout of ${status.model} (${status.rolloutId})`];
    for (const [label, value] of fields) lines.push(`  ${`${label}:`.padEnd(10)} ${value}`);
    if (analyses.length > 0) lines.push('  analyses:', ...analyses.flatMap((a) => analysisLines(a, '    ')));
    if (controls.length > 0) lines.push('  controls:', ...controls.map((c) => `    ${controlLine(c)}`));
    return lines.join('\n');
  }
  const step =
    status.stepIndex === null
      ? ''
      : ` — ${status.stepName} (step ${status.stepIndex + 1} of ${status.steps.length})`;
  const ended = status.outcome === 'running' ? '' : `, ${status.outcome}`;
  const lines = [
    `**${status.model}** rollout of ${short(status.candidateVersion)} against ${short(status.championVersion)}${step}: ${status.phase}${ended}`,
    fields.map(([label, value]) => `- ${label}: ${value}`).join('\n'),
  ];
  if (analyses.length > 0) {
    lines.push(`latest analyses:\n${analyses.map((a) => `- ${analysisLines(a, '').join('\n')}`).join('\n')}`);
  }
  if (controls.length > 0)
    lines.push(`latest controls:\n${controls.map((c) => `- ${controlLine(c)}`).join('\n')}`);
  if (status.outcome === 'running') {
    lines.push('signals: pause | resume | promote | abort, payload {"by": "you", "reason": "why"}');
  }
  return lines.join('\n\n');
}

function rolloutFields(status: RolloutStatus): Array<[string, string]> {
  const step =
    status.stepIndex === null
      ? '-'
      : `${status.stepName} (step ${status.stepIndex + 1} of ${status.steps.length}: ${status.steps.map((s) => s.name).join(' → ')})`;
  const fields: Array<[string, string]> = [
    [
      'candidate',
      `${status.candidateVersion}${status.blessedBy ? ` (blessed by ${status.blessedBy})` : ' (unblessed)'}`,
    ],
    ['champion', status.championVersion ?? '-'],
    [
      'phase',
      `${status.phase}${status.outcome === 'running' ? '' : ` — ${status.outcome}: ${status.reasons.join('; ')}`}`,
    ],
    ['step', step],
  ];
  if (status.soakUntil !== null) fields.push(['soak ends', new Date(status.soakUntil).toISOString()]);
  if (status.paused) {
    const { by, since, reason } = status.paused;
    fields.push(['paused', `by ${by} since ${new Date(since).toISOString()}${reason ? ` — ${reason}` : ''}`]);
  }
  if (status.flags) {
    const f = status.flags;
    fields.push([
      'flags',
      `${f.mode}${f.mode === 'canary' ? ` ${figure(f.percent)}%` : ''} (champion ${f.championVersion ?? '-'}, candidate ${f.candidateVersion ?? '-'})`,
    ]);
  }
  return fields;
}

function analysisLines(a: RolloutAnalysisRecord, indent: string): string[] {
  const c = a.figures.candidate;
  const h = a.figures.champion;
  const rate = (t: { rated: number; negative: number }) => (t.rated ? percent(t.negative / t.rated) : '-');
  return [
    `${indent}${new Date(a.at).toISOString()} ${a.stepName} #${a.attempt}: ${a.verdict} → ${a.action}` +
      ` (candidate ${c.predictions} predictions, error ${rate(c.feedback)}; champion ${h.predictions}, error ${rate(h.feedback)})`,
    ...a.reasons.map((reason) => `${indent}  ${reason}`),
    ...a.notes.map((note) => `${indent}  note: ${note}`),
  ];
}

function controlLine(c: RolloutControlRecord): string {
  return `${new Date(c.at).toISOString()} ${c.signal} by ${c.by}${c.reason ? ` (${c.reason})` : ''}: ${c.effect}`;
}
