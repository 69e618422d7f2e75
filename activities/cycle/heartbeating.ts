import { Context } from '@temporalio/activity';

/** How often a long activity tells Temporal it is alive, whenever its event loop gets to a timer. */
const BEAT_EVERY_MS = 5_000;

/**
 * Runs `work` inside an activity, heartbeating on a timer and at each `beat()` the work calls between
 * steps (a timer cannot fire while one long synchronous step runs, so a step that scores thousands of
 * texts beats between its chunks). With a heartbeat timeout on the activity, a worker killed mid-way
 * is noticed after that timeout rather than after the whole start-to-close timeout, and a slow attempt
 * on a busy machine is not mistaken for a lost one. Outside an activity (a test calling it directly)
 * nothing is sent. Temporal throttles what reaches the server, so beating often costs nothing.
 */
export async function heartbeating<T>(work: (beat: () => void) => Promise<T>): Promise<T> {
  const context = currentContext();
  const beat = () => context?.heartbeat();
  beat();
  const timer = setInterval(beat, BEAT_EVERY_MS);
  try {
    return await work(beat);
  } finally {
    clearInterval(timer);
  }
}

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
