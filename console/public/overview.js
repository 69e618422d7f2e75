// Swaps in a fresh rendering of the board every two seconds: rollout steps and stages change in place.
const board = document.getElementById('board');
async function refresh() {
  try {
    const response = await fetch(board.dataset.refresh, { headers: { accept: 'text/html' } });
    if (response.ok) board.innerHTML = await response.text();
  } finally {
    setTimeout(refresh, 2000);
  }
}
setTimeout(refresh, 2000);
