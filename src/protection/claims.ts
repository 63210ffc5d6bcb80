/**
 * A run's claim on a checkpoint: taken before the run's record is written (so a checkpoint
 * being deleted is refused up front), renewed while the run lasts, released when it ends. A
 * run that dies stops renewing, so its claim expires and no longer blocks a delete.
 *
 * @module
 */
import type { CheckpointCollection } from '../bank/checkpoints.js';
import type { Logger } from '../core/logger.js';

/** A held claim. */
export interface Claim {
  /** Stops renewing and releases the claim. */
  release(): Promise<void>;
}

/** Claims checkpoint `checkpointId` for `runId`, renewing every third of `ttlMs`. */
export async function holdClaim(collection: CheckpointCollection, checkpointId: string, runId: string, ttlMs: number, logger: Logger): Promise<Claim> {
  await collection.claim(checkpointId, runId, ttlMs);
  const timer = setInterval(() => {
    collection.claim(checkpointId, runId, ttlMs).catch((error: unknown) => logger.warn('renewing a checkpoint claim failed', { checkpointId, runId, error: String(error) }));
  }, Math.max(1, Math.floor(ttlMs / 3)));
  timer.unref();
  let released: Promise<void> | undefined;
  return {
    release: () => {
      clearInterval(timer);
      released ??= collection.release(checkpointId, runId).catch((error: unknown) => logger.warn('releasing a checkpoint claim failed', { checkpointId, runId, error: String(error) }));
      return released;
    },
  };
}
