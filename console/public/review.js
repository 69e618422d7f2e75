// The review page: one item at a time, keyboard first. Every decision is a POST the server turns into
// the review workflow's `decide` update, every undo one it turns into its `retract` update; the page
// shows the answer. Texts are set with textContent only.
const root = document.getElementById('review');
const base = `/reviews/${encodeURIComponent(root.dataset.model)}/${root.dataset.number}`;
const labels = JSON.parse(root.dataset.labels);
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const $ = (id) => document.getElementById(id);

const state = {
  me: null,
  queue: null,
  currentId: null,
  skipped: new Set(),
  /** Items this page decided, newest last: what undo takes the vote back from. */
  history: [],
  /** The queue's rows by item id, so a decision touches only the rows that changed, not all 500. */
  rows: new Map(),
  busy: false,
  details: new Map(),
  decisions: 0,
  /** Bumped by every decision: a poll that started before one carries an older queue and is dropped. */
  epoch: 0,
};

function pendingItem(id) {
  return state.queue?.pending.find((item) => item.id === id) ?? null;
}

function myVote(item) {
  return item.votes.find((vote) => vote.reviewer === state.me) ?? null;
}

function showAnswer(kind, message, signIn) {
  const answer = $('answer');
  answer.className = `answer ${kind}`;
  answer.textContent = message;
  if (signIn) {
    const link = document.createElement('a');
    link.href = signIn;
    link.textContent = ' Sign in again';
    answer.append(link);
  }
}

function detail(id) {
  if (!state.details.has(id)) {
    const loading = fetch(`${base}/items/${encodeURIComponent(id)}`).then(async (response) => {
      const body = await response.json();
      if (!response.ok) throw Object.assign(new Error(body.message), body);
      return body;
    });
    loading.catch(() => state.details.delete(id));
    state.details.set(id, loading);
  }
  return state.details.get(id);
}

function nextId(after) {
  const open = state.queue.pending.filter((item) => !myVote(item) && item.id !== after);
  const fresh = open.filter((item) => !state.skipped.has(item.id));
  if (fresh.length > 0) return fresh[0].id;
  if (open.length > 0) {
    state.skipped.clear();
    return open[0].id;
  }
  return null;
}

function percent(value) {
  return value === null || value === undefined ? '–' : `${(value * 100).toFixed(0)}%`;
}

async function showItem(id) {
  state.currentId = id;
  renderQueue();
  const article = $('item');
  if (!id) {
    article.hidden = true;
    const counts = state.queue.counts;
    const nothing = $('nothing-left');
    nothing.hidden = false;
    nothing.textContent =
      state.queue.state === 'closed'
        ? `This review is closed (${state.queue.closedBy}): thank you.`
        : counts && counts.open === 0
          ? 'Every item is decided.'
          : `Nothing left for you: ${counts?.open ?? 0} item(s) still wait for other reviewers' votes.`;
    return;
  }
  $('nothing-left').hidden = true;
  const item = pendingItem(id);
  article.hidden = false;
  article.dataset.item = id;
  $('item-ref').textContent = item.ref;
  $('item-proposed').textContent = item.proposedLabel;
  $('item-reason').textContent = item.reason;
  $('item-confidence').textContent = percent(item.confidence);
  $('item-text').textContent = item.excerpt;
  if (!performance.getEntriesByName('item-excerpt-shown').length) performance.mark('item-excerpt-shown');
  $('item-served').textContent = '';
  $('item-feedback').textContent = '';
  for (const list of ['words-towards', 'words-against']) $(list).replaceChildren();
  $('towards-label').textContent = item.proposedLabel;
  try {
    const full = await detail(id);
    if (state.currentId !== id) return;
    $('item-text').textContent = full.text;
    $('item-text').scrollTop = 0;
    if (!performance.getEntriesByName('item-text-shown').length) performance.mark('item-text-shown');
    $('item-served').textContent = full.prediction
      ? `served as ${full.prediction.label} (${percent(full.prediction.confidence)}) by ${full.prediction.modelVersion.slice(0, 16)}`
      : 'not from served traffic';
    $('item-feedback').textContent =
      full.feedback.length === 0
        ? "the user's feedback: none"
        : `the user's feedback: ${full.feedback.map((f) => (f.label ? `${f.kind} → ${f.label}` : f.kind)).join(', ')}`;
    renderWords('words-towards', full.words?.towards ?? []);
    renderWords('words-against', full.words?.against ?? []);
    if (!full.words) $('words-note').textContent = 'This model has no built-in weights to read words from.';
  } catch (error) {
    showAnswer('refused', error.message);
  }
  // The next item's text is fetched while the reviewer reads this one.
  const upcoming = nextId(id);
  if (upcoming) detail(upcoming).catch(() => undefined);
}

function renderWords(listId, words) {
  const list = $(listId);
  list.replaceChildren(
    ...words.map((word) => {
      const entry = document.createElement('li');
      const token = document.createElement('code');
      token.textContent = word.token;
      entry.append(token, ` ${word.contribution >= 0 ? '+' : ''}${word.contribution.toFixed(3)}`);
      return entry;
    }),
  );
}

function votesText(item) {
  return item.votes.length === 0
    ? 'no votes'
    : item.votes.map((vote) => `${vote.reviewer}: ${vote.label ?? 'reject'}`).join(' · ');
}

function queueRow(item) {
  const entry = document.createElement('li');
  entry.dataset.item = item.id;
  const head = document.createElement('div');
  const ref = document.createElement('span');
  ref.className = 'ref';
  ref.textContent = item.ref;
  const proposed = document.createElement('span');
  proposed.className = 'badge';
  proposed.textContent = item.proposedLabel;
  head.append(ref, ' ', proposed);
  const votes = document.createElement('div');
  votes.className = 'votes';
  const excerpt = document.createElement('div');
  excerpt.className = 'excerpt';
  excerpt.textContent = item.excerpt;
  entry.append(head, votes, excerpt);
  entry.addEventListener('click', () => showItem(item.id));
  return { entry, votes, shownVotes: null, current: false };
}

function renderQueue() {
  const queue = state.queue;
  const counts = queue.counts ?? { items: 0, open: 0 };
  const settled = counts.items - counts.open;
  $('progress-bar').style.width = `${counts.items ? (settled / counts.items) * 100 : 0}%`;
  $('progress-text').textContent =
    `${settled} of ${counts.items} settled · ${counts.open} open · you decided ${state.decisions} on this page · ` +
    `${queue.decisions.accepted} decisions accepted, ${queue.decisions.refused} refused · review ${queue.state}`;
  $('queue-count').textContent = `${queue.pending.length} open`;
  // Rows are kept and patched: settled items leave, reopened ones come back in queue order, and only
  // rows whose votes changed are written to.
  const list = $('queue-list');
  const open = new Set(queue.pending.map((item) => item.id));
  for (const [id, row] of state.rows) {
    if (!open.has(id)) {
      row.entry.remove();
      state.rows.delete(id);
    }
  }
  let previous = null;
  for (const item of queue.pending) {
    let row = state.rows.get(item.id);
    if (!row) {
      row = queueRow(item);
      state.rows.set(item.id, row);
      if (previous) previous.after(row.entry);
      else list.prepend(row.entry);
    }
    const votes = votesText(item);
    if (row.shownVotes !== votes) {
      row.votes.textContent = votes;
      row.shownVotes = votes;
    }
    const current = item.id === state.currentId;
    if (row.current !== current) {
      row.entry.classList.toggle('current', current);
      row.current = current;
    }
    previous = row.entry;
  }
}

async function loadState(epoch = state.epoch) {
  const response = await fetch(`${base}/state`, { headers: { accept: 'application/json' } });
  const body = await response.json();
  if (!response.ok) {
    // The same words a refused decision gets, so a poll never rewrites the answer differently.
    showAnswer('refused', response.status === 401 ? `refused: ${body.message}` : body.message, body.signIn);
    return false;
  }
  if (epoch !== state.epoch) return false;
  state.me = body.me;
  state.queue = body.queue;
  return true;
}

async function decide(action, item, label) {
  const response = await fetch(`${base}/decide`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'csrf-token': csrf },
    body: JSON.stringify(label === undefined ? { action, item } : { action, item, label }),
  });
  const body = await response.json().catch(() => ({ message: `the console answered ${response.status}` }));
  const accepted = response.ok && body.outcome === 'accepted';
  showAnswer(
    accepted ? 'accepted' : 'refused',
    accepted ? body.message : `refused: ${body.message.replace(/^refused: /, '')}`,
    body.signIn,
  );
  return { accepted, body, signedOut: response.status === 401 };
}

async function onDecision(action, label) {
  const id = state.currentId;
  if (!id || state.busy) return;
  state.busy = true;
  state.epoch += 1;
  const startedAt = performance.now();
  try {
    const { accepted, signedOut, body } = await decide(action, id, label);
    if (accepted) {
      state.decisions += 1;
      state.history.push(id);
      applyReceipt(body.receipt, action === 'reject' ? null : (label ?? pendingItem(id)?.proposedLabel));
      await showItem(nextId(id));
    } else if (!signedOut && (await loadState())) {
      await showItem(pendingItem(id) ? id : nextId(id));
    }
    // The page's own clock for one decision, key to the next item shown (read by bench/review-console.ts).
    performance.measure('decision', { start: startedAt });
    // Counts answers shown, so a script knows when the page is ready for its next key.
    root.dataset.decisions = String(Number(root.dataset.decisions) + 1);
  } finally {
    state.busy = false;
  }
}

/** The update's receipt says where each item now stands: enough to move on without asking again. */
function applyReceipt(receipt, label) {
  const queue = state.queue;
  for (const change of receipt.changes) {
    const item = pendingItem(change.id);
    if (!item) continue;
    if (change.state !== 'open') {
      queue.pending = queue.pending.filter((entry) => entry.id !== change.id);
      continue;
    }
    const vote = myVote(item);
    if (vote) vote.label = label;
    else item.votes.push({ reviewer: state.me, label, at: Date.now() });
  }
  if (queue.counts) queue.counts.open = receipt.open;
  queue.decisions.accepted += 1;
}

async function undo() {
  if (state.busy) return;
  const id = state.history.pop();
  if (!id) {
    showAnswer('refused', 'nothing to undo on this page');
    return;
  }
  state.busy = true;
  state.epoch += 1;
  try {
    const response = await fetch(`${base}/undo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'csrf-token': csrf },
      body: JSON.stringify({ item: id }),
    });
    const body = await response.json().catch(() => ({ message: `the console answered ${response.status}` }));
    const accepted = response.ok && body.outcome === 'accepted';
    showAnswer(
      accepted ? 'accepted' : 'refused',
      accepted ? body.message : `refused: ${body.message.replace(/^refused: /, '')}`,
      body.signIn,
    );
    if (accepted) state.decisions -= 1;
    if (response.status === 401) state.history.push(id);
    else if (await loadState()) {
      // Back to the item whose vote was taken back; after a refusal, stay where the reviewer was.
      const back =
        accepted && pendingItem(id) ? id : pendingItem(state.currentId) ? state.currentId : nextId(null);
      await showItem(back);
    }
    root.dataset.decisions = String(Number(root.dataset.decisions) + 1);
  } finally {
    state.busy = false;
  }
}

const KEYS = {
  a: () => onDecision('approve'),
  enter: () => onDecision('approve'),
  x: () => onDecision('reject'),
  r: () => onDecision('reject'),
  s: () => {
    if (!state.currentId) return;
    state.skipped.add(state.currentId);
    showItem(nextId(state.currentId));
  },
  arrowright: () => KEYS.s(),
  u: () => undo(),
  z: () => undo(),
};

function onKey(key) {
  const lower = key.toLowerCase();
  const index = Number(lower) - 1;
  if (Number.isInteger(index) && index >= 0 && index < labels.length) {
    const item = pendingItem(state.currentId);
    if (!item) return;
    const label = labels[index];
    return label === item.proposedLabel ? onDecision('approve') : onDecision('correct', label);
  }
  KEYS[lower]?.();
}

document.addEventListener('keydown', (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.target.closest?.('input, textarea')) return;
  if (event.key.toLowerCase() in KEYS || /^[1-9]$/.test(event.key)) {
    event.preventDefault();
    onKey(event.key);
  }
});
for (const button of document.querySelectorAll('#keys button')) {
  button.addEventListener('click', () => onKey(button.dataset.key));
}

function showDeadline() {
  const left = new Date($('deadline').dateTime).getTime() - Date.now();
  const minutes = Math.round(left / 60000);
  $('deadline-left').textContent =
    left <= 0 ? '(passed)' : minutes < 120 ? `(in ${minutes} min)` : `(in ${Math.round(minutes / 60)} h)`;
}

// Other reviewers' votes arrive by polling the review's queue every second.
async function poll() {
  try {
    if (!state.busy && (await loadState(state.epoch)) && !state.busy) {
      const current = state.currentId;
      if (current && !pendingItem(current)) {
        showAnswer(
          'accepted',
          'the item you were on was settled by other reviewers meanwhile; here is the next',
        );
        await showItem(nextId(current));
      } else if (!current) {
        await showItem(nextId(null));
      } else renderQueue();
    }
  } finally {
    showDeadline();
    setTimeout(poll, 1000);
  }
}

// For scripted checks of what a stale page is told: the same path the keys take.
window.reviewConsole = { decide, undo, state };

const initial = JSON.parse(document.getElementById('initial-state').textContent);
state.me = initial.me;
state.queue = initial.queue;
if (initial.firstDetail) state.details.set(initial.firstDetail.id, Promise.resolve(initial.firstDetail));
await showItem(nextId(null));
root.dataset.ready = 'true';
showDeadline();
setTimeout(poll, 1000);
