/**
 * Ctrl-C and SIGTERM: the first stops the service cleanly (and the process exits 0 when it
 * is done); another one, while that runs, exits at once with 130.
 *
 * One Ctrl-C under `npm start` arrives twice: the terminal signals the whole foreground
 * process group, and npm forwards what it receives to its child. A repeat within
 * {@link REPEAT_WINDOW_MS} of the first is taken for that echo, not for a second Ctrl-C.
 */

/** Signals this soon after the first are the same stop request. */
export const REPEAT_WINDOW_MS = 1000;

/** Calls `stop` on the first SIGINT or SIGTERM; exits with 130 on a later one. */
export function onShutdownSignals(stop: (signal: NodeJS.Signals) => void): void {
  let firstAt: number | undefined;
  const handle = (signal: NodeJS.Signals): void => {
    if (firstAt === undefined) {
      firstAt = Date.now();
      stop(signal);
      return;
    }
    if (Date.now() - firstAt < REPEAT_WINDOW_MS) return;
    process.stderr.write(`\n${signal} again: exiting at once, without waiting for running work to revert (the next start reaps it).\n`);
    process.exit(130);
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}
