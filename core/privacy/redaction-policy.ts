import { BUILT_IN_REDACTORS, type Redactor } from './redactors.ts';

/**
 * Which redactors run on which model's captured texts. `models` overrides `defaults` per model (an
 * empty list switches redaction off for that model). `onFailure` says what a failing redactor leaves:
 * `withhold` stores a placeholder instead of the text, `drop` does not store the prediction at all.
 */
export interface RedactionPolicy {
  defaults: readonly string[];
  models: Readonly<Record<string, readonly string[]>>;
  onFailure: 'withhold' | 'drop';
}

export const NO_REDACTION: RedactionPolicy = { defaults: [], models: {}, onFailure: 'withhold' };

/** What is stored when a redactor fails: never the raw text. */
export const WITHHELD_TEXT = '[text withheld: redaction failed]';

export type RedactionOutcome =
  | { kind: 'redacted'; text: string; found: number }
  | { kind: 'withheld'; text: string; redactor: string }
  | { kind: 'dropped'; redactor: string };

/** The redactors a model's texts go through, resolved once per model. */
export class TextRedaction {
  private readonly policy: RedactionPolicy;
  private readonly registry: ReadonlyMap<string, Redactor>;
  private readonly resolved = new Map<string, readonly Redactor[]>();

  constructor(policy: RedactionPolicy, extra: readonly Redactor[] = []) {
    this.policy = policy;
    this.registry = new Map([...BUILT_IN_REDACTORS, ...extra].map((redactor) => [redactor.name, redactor]));
    for (const name of [...policy.defaults, ...Object.values(policy.models).flat()]) {
      if (!this.registry.has(name)) {
        throw new Error(`unknown redactor "${name}"; known: ${[...this.registry.keys()].join(', ')}`);
      }
    }
  }

  get enabled(): boolean {
    return (
      this.policy.defaults.length > 0 || Object.values(this.policy.models).some((names) => names.length > 0)
    );
  }

  redactorsFor(model: string): readonly Redactor[] {
    let redactors = this.resolved.get(model);
    if (!redactors) {
      const names = new Set(this.policy.models[model] ?? this.policy.defaults);
      // Registry order, not configuration order: the built-ins depend on running in theirs.
      redactors = [...this.registry.values()].filter((redactor) => names.has(redactor.name));
      this.resolved.set(model, redactors);
    }
    return redactors;
  }

  redact(model: string, text: string): RedactionOutcome {
    let current = text;
    let found = 0;
    for (const redactor of this.redactorsFor(model)) {
      try {
        const result = redactor.redact(current);
        current = result.text;
        found += result.found;
      } catch {
        return this.policy.onFailure === 'drop'
          ? { kind: 'dropped', redactor: redactor.name }
          : { kind: 'withheld', text: WITHHELD_TEXT, redactor: redactor.name };
      }
    }
    return { kind: 'redacted', text: current, found };
  }
}

/**
 * Reads the policy from its settings: FLYWHEEL_REDACT (`all`, `none`, or names like `email,card`) for
 * every model, FLYWHEEL_REDACT_MODELS (`spam=email,card;support=none`) per model, and
 * FLYWHEEL_REDACT_ON_FAILURE (`withhold` or `drop`).
 */
export function parseRedactionPolicy(settings: {
  redact?: string | undefined;
  models?: string | undefined;
  onFailure?: string | undefined;
}): RedactionPolicy {
  const names = (value: string): string[] => {
    const trimmed = value.trim();
    if (trimmed === '' || trimmed === 'none') return [];
    if (trimmed === 'all') return BUILT_IN_REDACTORS.map((redactor) => redactor.name);
    return trimmed.split(',').map((name) => name.trim());
  };
  const models: Record<string, string[]> = {};
  for (const entry of (settings.models ?? '').split(';').filter((e) => e.trim() !== '')) {
    const [model, list] = entry.split('=');
    if (!model?.trim() || list === undefined) {
      throw new Error(`FLYWHEEL_REDACT_MODELS entry "${entry}" is not model=redactor,redactor`);
    }
    models[model.trim()] = names(list);
  }
  const onFailure = (settings.onFailure ?? 'withhold').trim() || 'withhold';
  if (onFailure !== 'withhold' && onFailure !== 'drop') {
    throw new Error(`FLYWHEEL_REDACT_ON_FAILURE is "${onFailure}"; use "withhold" or "drop"`);
  }
  return { defaults: names(settings.redact ?? 'none'), models, onFailure };
}
