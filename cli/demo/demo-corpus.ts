import { type CorpusMessage, loadSpamAssassin } from '../../adapters/corpus/spamassassin.ts';
import { splitSide } from '../../core/datasets/split.ts';
import { mulberry32 } from '../../core/model/prng.ts';
import { MAX_TEXT_LENGTH } from '../../gateway/request-schemas.ts';

/** The demo's data: SpamAssassin era 1 for the champion, era 2 (collected later) as the drifted world. */
export interface DemoCorpus {
  /** spam-1 + easy-ham-1: what the first champion is trained on. */
  era1: CorpusMessage[];
  /** Era-2 messages users send (shuffled: the world does not arrive sorted by folder). */
  era2Traffic: CorpusMessage[];
  /** Era-2 messages never sent: where "after the flywheel" accuracy is measured. */
  era2Holdout: CorpusMessage[];
  /** The true label of every message by content id (what a reviewer or a user knows). */
  truth: Map<string, string>;
}

export function loadDemoCorpus(seed: number): DemoCorpus {
  const era1 = loadSpamAssassin({ groups: ['easy-ham-1', 'spam-1'] });
  const era2 = loadSpamAssassin({ groups: ['easy-ham-2', 'hard-ham-1', 'spam-2'] });
  const era2Traffic: CorpusMessage[] = [];
  const era2Holdout: CorpusMessage[] = [];
  for (const message of era2) {
    if (splitSide(message.id, { seed: 99, holdoutFraction: 0.3 }) === 'holdout') era2Holdout.push(message);
    // Users of the gateway cannot send texts over its limit (they get a 400): such mail is not traffic.
    else if (message.text.length <= MAX_TEXT_LENGTH) era2Traffic.push(message);
  }
  const random = mulberry32(seed);
  for (let i = era2Traffic.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [era2Traffic[i], era2Traffic[j]] = [era2Traffic[j]!, era2Traffic[i]!];
  }
  const truth = new Map([...era1, ...era2].map((message) => [message.id, message.label as string]));
  return { era1, era2Traffic, era2Holdout, truth };
}
