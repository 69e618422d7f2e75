import { readableIssues } from '../validation/zod-issues.ts';
import { type ReviewAction, ReviewDecision, ReviewRetraction } from './review-decision.ts';
import { type ReviewQueueItem, resolveItemRef, shortRefs } from './review-queue-item.ts';

/** What a review is held to: the model's labels, who may review, how many must agree. */
export interface ReviewRules {
  labels: readonly string[];
  /** Identities allowed to decide; empty allows anyone. */
  reviewers: readonly string[];
  /** Agreeing votes that settle an item. */
  quorum: number;
  /** When an item's votes disagree: keep it open for more votes (requeue) or leave it out (drop). */
  onDisagreement: 'requeue' | 'drop';
}

/** A reviewer's current vote on an item: a label (approve or correct), or null to leave the item out. */
export interface Vote {
  reviewer: string;
  label: string | null;
  at: number;
}

/**
 * Where an item stands, always derived from its votes: settled by a quorum (label null: rejected),
 * dropped because reviewers disagreed (onDisagreement "drop"), or still open (disputed when its votes
 * disagree and it waits for more).
 */
export type Settlement =
  | { state: 'open'; disputed: boolean }
  | { state: 'settled'; label: string | null; by: string[] }
  | { state: 'dropped'; by: string[] };

export interface PendingItem extends ReviewQueueItem {
  /** Short name of the item for reviewers (a unique prefix of its content hash). */
  ref: string;
  votes: Vote[];
  disputed: boolean;
}

export type DecisionVia = 'signal' | 'update';

export interface ItemChange {
  id: string;
  ref: string;
  /**
   * recorded: the reviewer's first vote on it; overridden: replaced their earlier vote; unchanged: the
   * same vote again; withdrawn: a retraction took the reviewer's only vote away; restored: a retraction
   * took back an override, so the vote before it counts again.
   */
  change: 'recorded' | 'overridden' | 'unchanged' | 'withdrawn' | 'restored';
  /** The vote it replaced (overridden) or took back (withdrawn, restored); null: a reject. */
  previous?: string | null;
  /** The vote that counts again (restored only). */
  restored?: string | null;
  state: Settlement['state'];
}

/** One line of the review's decision log: every decision that reached the workflow, accepted or refused. */
export interface DecisionLogEntry {
  seq: number;
  at: number;
  via: DecisionVia;
  reviewer: string | null;
  action: string | null;
  /** The label a `correct` set. */
  label?: string;
  note?: string;
  outcome: 'accepted' | 'refused';
  reason?: string;
  changes?: ItemChange[];
}

export interface DecisionReceipt {
  seq: number;
  reviewer: string;
  action: ReviewAction | 'retract';
  changes: ItemChange[];
  /** Items still open after this decision. */
  open: number;
}

export type CheckedDecision =
  | { ok: true; decision: ReviewDecision; ids: string[] }
  | { ok: false; reason: string; reviewer: string | null; action: string | null };

export type CheckedRetraction =
  | { ok: true; retraction: ReviewRetraction; id: string }
  | { ok: false; reason: string; reviewer: string | null; action: 'retract' };

/**
 * What a decision naming an item that is no longer open meets: refused (nothing counts twice), or, as
 * reviews opened before that rule did, taken as a vote that may reopen or change the item.
 */
export type SettledItems = 'refuse' | 'accept';

export interface ReviewCounts {
  items: number;
  open: number;
  /** Settled on the proposed label. */
  approved: number;
  /** Settled on another label. */
  corrected: number;
  /** Settled as left out by reviewers. */
  rejected: number;
  /** Left out because reviewers disagreed (onDisagreement "drop"). */
  dropped: number;
  /** Open items whose votes disagree. */
  disputed: number;
  /** approved + corrected: labels reviewers add to the dataset. */
  humanLabels: number;
}

/** Of the items more than one reviewer voted on, how many had every vote agree. */
export interface Agreement {
  itemsWithSeveralVotes: number;
  unanimous: number;
  /** unanimous / itemsWithSeveralVotes; null when no item has two votes. */
  rate: number | null;
}

/** What a review decided about an item, as the store records it. */
export interface ItemOutcome {
  id: string;
  status: 'approved' | 'corrected' | 'rejected';
  finalLabel: string | null;
  decidedBy: string[];
}

interface LedgerItem {
  item: ReviewQueueItem;
  ref: string;
  votes: Vote[];
  /** Per reviewer, the votes their overrides replaced, oldest first: what a retraction restores. */
  replaced: Map<string, Vote[]>;
  /** Who changed the item's votes last: only they may take their vote back once it is settled. */
  lastVoter: string | null;
}

const REJECT = '\u0000reject';

/**
 * The state of one review: the items, every reviewer's current vote, and the log of all decisions.
 * Pure and deterministic, so the review workflow keeps it in memory (rebuilt by replay) and tests drive
 * it directly. `check` never changes anything (it is the update's validator); `apply` and `refuse` do.
 */
export class ReviewLedger {
  readonly rules: ReviewRules;
  readonly log: DecisionLogEntry[] = [];
  private readonly items: LedgerItem[];
  private readonly byId: Map<string, LedgerItem>;
  private readonly ids: string[];
  private closedBecause: string | null = null;

  constructor(items: readonly ReviewQueueItem[], rules: ReviewRules) {
    this.rules = rules;
    this.ids = items.map((item) => item.id);
    const refs = shortRefs(this.ids);
    this.items = items.map((item) => ({
      item,
      ref: refs.get(item.id)!,
      votes: [],
      replaced: new Map(),
      lastVoter: null,
    }));
    this.byId = new Map(this.items.map((entry) => [entry.item.id, entry]));
  }

  /** After this every decision is refused with the reason. */
  close(because: string): void {
    this.closedBecause ??= because;
  }

  get closed(): boolean {
    return this.closedBecause !== null;
  }

  /** Whether a decision would count, and which items it names; changes nothing. */
  check(payload: unknown, settledItems: SettledItems = 'refuse'): CheckedDecision {
    const parsed = ReviewDecision.safeParse(payload);
    const reviewer = peek(payload, 'reviewer');
    const action = peek(payload, 'action');
    const refuse = (reason: string): CheckedDecision => ({ ok: false, reason, reviewer, action });
    if (!parsed.success) return refuse(`malformed decision: ${readableIssues(parsed.error).join('; ')}`);
    const decision = parsed.data;
    if (this.closedBecause !== null) return refuse(`the review is closed: ${this.closedBecause}`);
    const { reviewers, labels } = this.rules;
    if (reviewers.length > 0 && !reviewers.includes(decision.reviewer)) {
      return refuse(`reviewer "${decision.reviewer}" is not allowed to review (see review.reviewers)`);
    }
    if (decision.action === 'correct' && !labels.includes(decision.label)) {
      return refuse(`label "${decision.label}" is not one of the model's labels (${labels.join(', ')})`);
    }
    if (decision.action === 'approve-all-remaining') {
      const ids = this.items
        .filter((entry) => this.isOpen(entry) && !entry.votes.some((v) => v.reviewer === decision.reviewer))
        .map((entry) => entry.item.id);
      return { ok: true, decision, ids };
    }
    const ids: string[] = [];
    for (const ref of decision.items) {
      const resolved = resolveItemRef(ref, this.ids);
      if (!resolved.ok) return refuse(resolved.reason);
      if (settledItems === 'refuse') {
        const entry = this.byId.get(resolved.id)!;
        const settlement = this.settlementOf(entry);
        if (settlement.state !== 'open') return refuse(notOpen(entry.ref, settlement));
      }
      if (!ids.includes(resolved.id)) ids.push(resolved.id);
    }
    return { ok: true, decision, ids };
  }

  /**
   * Whether a reviewer may take back their vote on an item; changes nothing. They may while the review
   * is open and the item is open, or settled by their own vote with nobody voting after it (with a
   * quorum of one, the vote they just cast). An item settled by others' votes stays as it is.
   */
  checkRetraction(payload: unknown): CheckedRetraction {
    const parsed = ReviewRetraction.safeParse(payload);
    const reviewer = peek(payload, 'reviewer');
    const refuse = (reason: string): CheckedRetraction => ({
      ok: false,
      reason,
      reviewer,
      action: 'retract',
    });
    if (!parsed.success) return refuse(`malformed retraction: ${readableIssues(parsed.error).join('; ')}`);
    const retraction = parsed.data;
    if (this.closedBecause !== null) return refuse(`the review is closed: ${this.closedBecause}`);
    const { reviewers } = this.rules;
    if (reviewers.length > 0 && !reviewers.includes(retraction.reviewer)) {
      return refuse(`reviewer "${retraction.reviewer}" is not allowed to review (see review.reviewers)`);
    }
    const resolved = resolveItemRef(retraction.item, this.ids);
    if (!resolved.ok) return refuse(resolved.reason);
    const entry = this.byId.get(resolved.id)!;
    if (!entry.votes.some((vote) => vote.reviewer === retraction.reviewer)) {
      return refuse(`reviewer "${retraction.reviewer}" has no vote on item ${entry.ref} to take back`);
    }
    const settlement = this.settlementOf(entry);
    if (settlement.state !== 'open' && entry.lastVoter !== retraction.reviewer) {
      return refuse(`${notOpen(entry.ref, settlement)}; only the vote that settled it can be taken back`);
    }
    return { ok: true, retraction, id: resolved.id };
  }

  /** Takes back a checked retraction: the reviewer's vote before their last override, or no vote. */
  retract(
    checked: Extract<CheckedRetraction, { ok: true }>,
    meta: { at: number; via: DecisionVia },
  ): DecisionReceipt {
    const { retraction } = checked;
    const entry = this.byId.get(checked.id)!;
    const index = entry.votes.findIndex((vote) => vote.reviewer === retraction.reviewer);
    const taken = entry.votes[index]!;
    const earlier = entry.replaced.get(retraction.reviewer)?.pop();
    let change: ItemChange;
    if (earlier) {
      entry.votes[index] = earlier;
      change = {
        id: checked.id,
        ref: entry.ref,
        change: 'restored',
        previous: taken.label,
        restored: earlier.label,
        state: 'open',
      };
    } else {
      entry.votes.splice(index, 1);
      change = { id: checked.id, ref: entry.ref, change: 'withdrawn', previous: taken.label, state: 'open' };
    }
    // A restored vote is still the reviewer's own to take back; after a withdrawal nobody's vote is last.
    entry.lastVoter = earlier ? retraction.reviewer : null;
    change.state = this.settlementOf(entry).state;
    const logged: DecisionLogEntry = {
      seq: this.log.length + 1,
      at: meta.at,
      via: meta.via,
      reviewer: retraction.reviewer,
      action: 'retract',
      ...(retraction.note ? { note: retraction.note } : {}),
      outcome: 'accepted',
      changes: [change],
    };
    this.log.push(logged);
    return {
      seq: logged.seq,
      reviewer: retraction.reviewer,
      action: 'retract',
      changes: [change],
      open: this.counts().open,
    };
  }

  /** Records a checked decision: each named item gets the reviewer's vote, replacing their earlier one. */
  apply(
    checked: Extract<CheckedDecision, { ok: true }>,
    meta: { at: number; via: DecisionVia },
  ): DecisionReceipt {
    const { decision } = checked;
    const changes: ItemChange[] = checked.ids.map((id) => {
      const entry = this.byId.get(id)!;
      const label =
        decision.action === 'reject'
          ? null
          : decision.action === 'correct'
            ? decision.label
            : entry.item.proposedLabel;
      const earlier = entry.votes.find((vote) => vote.reviewer === decision.reviewer);
      let change: ItemChange;
      if (!earlier) {
        entry.votes.push({ reviewer: decision.reviewer, label, at: meta.at });
        entry.lastVoter = decision.reviewer;
        change = { id, ref: entry.ref, change: 'recorded', state: 'open' };
      } else if (earlier.label === label) {
        change = { id, ref: entry.ref, change: 'unchanged', state: 'open' };
      } else {
        change = { id, ref: entry.ref, change: 'overridden', previous: earlier.label, state: 'open' };
        const replaced = entry.replaced.get(decision.reviewer) ?? [];
        replaced.push({ ...earlier });
        entry.replaced.set(decision.reviewer, replaced);
        entry.lastVoter = decision.reviewer;
        earlier.label = label;
        earlier.at = meta.at;
      }
      change.state = this.settlementOf(entry).state;
      return change;
    });
    const entry: DecisionLogEntry = {
      seq: this.log.length + 1,
      at: meta.at,
      via: meta.via,
      reviewer: decision.reviewer,
      action: decision.action,
      ...(decision.action === 'correct' ? { label: decision.label } : {}),
      ...(decision.note ? { note: decision.note } : {}),
      outcome: 'accepted',
      changes,
    };
    this.log.push(entry);
    return {
      seq: entry.seq,
      reviewer: decision.reviewer,
      action: decision.action,
      changes,
      open: this.counts().open,
    };
  }

  /** Records a refused decision in the log. */
  refuse(
    checked: Extract<CheckedDecision | CheckedRetraction, { ok: false }>,
    meta: { at: number; via: DecisionVia },
  ): DecisionLogEntry {
    const entry: DecisionLogEntry = {
      seq: this.log.length + 1,
      at: meta.at,
      via: meta.via,
      reviewer: checked.reviewer,
      action: checked.action,
      outcome: 'refused',
      reason: checked.reason,
    };
    this.log.push(entry);
    return entry;
  }

  /** Checks and records a decision either way (what a signal does: nobody waits for the answer). */
  receive(
    payload: unknown,
    meta: { at: number; via: DecisionVia },
    settledItems: SettledItems = 'refuse',
  ): DecisionLogEntry {
    const checked = this.check(payload, settledItems);
    if (!checked.ok) return this.refuse(checked, meta);
    this.apply(checked, meta);
    return this.log[this.log.length - 1]!;
  }

  /** Open items with their votes so far, in queue order. */
  pending(): PendingItem[] {
    return this.items.flatMap((entry) => {
      const settlement = this.settlementOf(entry);
      if (settlement.state !== 'open') return [];
      return [
        {
          ...entry.item,
          ref: entry.ref,
          votes: entry.votes.map((vote) => ({ ...vote })),
          disputed: settlement.disputed,
        },
      ];
    });
  }

  counts(): ReviewCounts {
    const counts: ReviewCounts = {
      items: this.items.length,
      open: 0,
      approved: 0,
      corrected: 0,
      rejected: 0,
      dropped: 0,
      disputed: 0,
      humanLabels: 0,
    };
    for (const entry of this.items) {
      const settlement = this.settlementOf(entry);
      if (settlement.state === 'open') {
        counts.open += 1;
        if (settlement.disputed) counts.disputed += 1;
      } else if (settlement.state === 'dropped') counts.dropped += 1;
      else if (settlement.label === null) counts.rejected += 1;
      else if (settlement.label === entry.item.proposedLabel) counts.approved += 1;
      else counts.corrected += 1;
    }
    counts.humanLabels = counts.approved + counts.corrected;
    return counts;
  }

  agreement(): Agreement {
    let itemsWithSeveralVotes = 0;
    let unanimous = 0;
    for (const entry of this.items) {
      if (entry.votes.length < 2) continue;
      itemsWithSeveralVotes += 1;
      if (new Set(entry.votes.map(voteKey)).size === 1) unanimous += 1;
    }
    return {
      itemsWithSeveralVotes,
      unanimous,
      rate: itemsWithSeveralVotes === 0 ? null : unanimous / itemsWithSeveralVotes,
    };
  }

  /** What to record for every item that is no longer open; open items stay pending in the store. */
  outcomes(): ItemOutcome[] {
    return this.items.flatMap((entry): ItemOutcome[] => {
      const settlement = this.settlementOf(entry);
      if (settlement.state === 'open') return [];
      if (settlement.state === 'dropped') {
        return [{ id: entry.item.id, status: 'rejected', finalLabel: null, decidedBy: settlement.by }];
      }
      const status =
        settlement.label === null
          ? 'rejected'
          : settlement.label === entry.item.proposedLabel
            ? 'approved'
            : 'corrected';
      return [{ id: entry.item.id, status, finalLabel: settlement.label, decidedBy: settlement.by }];
    });
  }

  private isOpen(entry: LedgerItem): boolean {
    return this.settlementOf(entry).state === 'open';
  }

  private settlementOf(entry: LedgerItem): Settlement {
    return settle(entry.votes, this.rules);
  }
}

/**
 * An item settles when the most-voted outcome has at least `quorum` votes and more than any other.
 * Disagreement drops the item at once under "drop"; under "requeue" it stays open until one outcome
 * leads with a quorum.
 */
export function settle(
  votes: readonly Vote[],
  rules: Pick<ReviewRules, 'quorum' | 'onDisagreement'>,
): Settlement {
  if (votes.length === 0) return { state: 'open', disputed: false };
  const byOutcome = new Map<string, Vote[]>();
  for (const vote of [...votes].sort((a, b) => a.at - b.at)) {
    const key = voteKey(vote);
    byOutcome.set(key, [...(byOutcome.get(key) ?? []), vote]);
  }
  const disputed = byOutcome.size > 1;
  if (disputed && rules.onDisagreement === 'drop') {
    return { state: 'dropped', by: [...votes].sort((a, b) => a.at - b.at).map((vote) => vote.reviewer) };
  }
  const ranked = [...byOutcome.values()].sort((a, b) => b.length - a.length);
  const [top, runnerUp] = ranked as [Vote[], Vote[] | undefined];
  if (top.length >= rules.quorum && top.length > (runnerUp?.length ?? 0)) {
    return { state: 'settled', label: top[0]!.label, by: top.map((vote) => vote.reviewer) };
  }
  return { state: 'open', disputed };
}

/** "item 3f2a9c01 is already settled as spam (by alice)": why a decision on it no longer counts. */
function notOpen(ref: string, settlement: Exclude<Settlement, { state: 'open' }>): string {
  if (settlement.state === 'dropped') {
    return `item ${ref} is already settled: left out because its reviewers disagreed (${settlement.by.join(', ')})`;
  }
  const outcome = settlement.label === null ? 'rejected' : settlement.label;
  return `item ${ref} is already settled as ${outcome} (by ${settlement.by.join(', ')})`;
}

function voteKey(vote: Vote): string {
  return vote.label ?? REJECT;
}

/** A short string field of an unvalidated payload, for the log of a refusal. */
function peek(payload: unknown, key: string): string | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const value = (payload as Record<string, unknown>)[key];
  return typeof value === 'string' && value.length > 0 && value.length <= 64 ? value : null;
}
