/** Resolves on Ctrl-C or SIGTERM, so long-running commands can stop cleanly. */
export function waitForStopSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}
