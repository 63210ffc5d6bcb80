/**
 * Bounded concurrency for plugin work: run a worker over many items with at most N at once,
 * stop starting new items at the first failure or cancellation, and never return (or throw)
 * while a worker is still running — so a revert never races work that is still in flight.
 *
 * @module
 */
import { setMaxListeners } from 'node:events';
import { CancelledError, ValidationError, isCancellation, isFrameworkError, messageOf } from '../../core/errors.js';

const LISTENERS_PER_WORKER = 8;

/** Options of {@link forEachLimit}. */
export interface ForEachLimitOptions {
  /** How many workers run at once (≥ 1). */
  readonly concurrency: number;
  /** Stops the loop: no new item starts, running workers see their signal abort. */
  readonly signal?: AbortSignal;
}

/** A worker: handles one item; must honour `signal`. */
export type PoolWorker<T> = (item: T, index: number, signal: AbortSignal) => Promise<void>;

/**
 * Runs `worker` over `items` (consumed lazily, in order) with at most `concurrency` workers at
 * once. On the first failure no further item starts, the signal given to running workers
 * aborts, and — once every running worker has settled — that first failure is thrown. When
 * `options.signal` aborts, the loop ends the same way with a `CancelledError`.
 */
export async function forEachLimit<T>(items: Iterable<T>, options: ForEachLimitOptions, worker: PoolWorker<T>): Promise<void> {
  const { concurrency } = options;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new ValidationError(`Expected \`concurrency\` to be an integer ≥ 1, got \`${String(concurrency)}\``, { code: 'KTS_ERR_INVALID_OPTION' });
  }
  const halt = new AbortController();
  const signal = options.signal === undefined ? halt.signal : AbortSignal.any([options.signal, halt.signal]);
  // Every running worker hangs a few abort listeners (streams, pipelines) on the shared signal.
  setMaxListeners(Math.max(10, concurrency * LISTENERS_PER_WORKER), signal);
  const iterator = items[Symbol.iterator]();
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (failure === undefined && !signal.aborted) {
      const item = iterator.next();
      if (item.done === true) return;
      const index = next++;
      try {
        await worker(item.value, index, signal);
      } catch (error) {
        if (failure === undefined) {
          failure = { error };
          halt.abort(error);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const outer = options.signal;
  if (outer?.aborted && (failure === undefined || isCancellation(failure.error))) throw asCancelled(outer.reason);
  if (failure !== undefined) throw isCancellation(failure.error) ? asCancelled(failure.error) : failure.error;
}

/** A `CancelledError` for an abort reason (a framework cancellation passes through unchanged). */
export function asCancelled(reason: unknown): CancelledError {
  if (isFrameworkError(reason, 'KTS_ERR_CANCELLED')) return reason as CancelledError;
  return new CancelledError(reason === undefined ? 'Cancelled' : `Cancelled: ${messageOf(reason)}`, { cause: reason });
}
