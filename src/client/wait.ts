/**
 * Waiting for long work: poll a checkpoint, verification, restore or copy until it reaches a
 * terminal status, reporting its progress on the way, with a timeout and an `AbortSignal`.
 * Cancelling a wait stops the polling only; the operation keeps running on the server (cancel
 * it with the record's cancel call).
 *
 * @module
 */
import { CancelledError, TimeoutError } from '../core/errors.js';
import type { CheckpointView, CopyView, ProgressView, RestoreView, VerificationView } from './types.js';

/** The records {@link KarborClient.waitFor | waitFor} can wait for, by kind. */
export interface WaitRecords {
  /** A checkpoint (protect, copy or delete). */
  checkpoint: CheckpointView;
  /** A verification. */
  verification: VerificationView;
  /** A restore. */
  restore: RestoreView;
  /** A copy. */
  copy: CopyView;
}

/** A kind of record to wait for. */
export type WaitKind = keyof WaitRecords;

/** The statuses a wait stops at, by kind. */
export const TERMINAL_STATUSES: { readonly [K in WaitKind]: readonly WaitRecords[K]['status'][] } = {
  checkpoint: ['available', 'error', 'deleted', 'error-deleting'],
  verification: ['success', 'error'],
  restore: ['success', 'fail'],
  copy: ['finished', 'error'],
};

/** The terminal statuses that mean the operation failed, by kind. */
export const FAILED_STATUSES: { readonly [K in WaitKind]: readonly WaitRecords[K]['status'][] } = {
  checkpoint: ['error', 'error-deleting'],
  verification: ['error'],
  restore: ['fail'],
  copy: ['error'],
};

/** Whether `record` of `kind` is in a terminal status. */
export function isTerminal<K extends WaitKind>(kind: K, record: WaitRecords[K]): boolean {
  return (TERMINAL_STATUSES[kind] as readonly string[]).includes(record.status);
}

/** Whether `record` of `kind` ended in failure (`error`, `fail`, `error-deleting`). */
export function isFailed<K extends WaitKind>(kind: K, record: WaitRecords[K]): boolean {
  return (FAILED_STATUSES[kind] as readonly string[]).includes(record.status);
}

/** Options of {@link KarborClient.waitFor | waitFor}. */
export interface WaitOptions<R = unknown> {
  /** Called with the record's progress on the first poll and whenever it changed, and with the record. */
  readonly onProgress?: (progress: ProgressView, record: R) => void;
  /** Called with every record polled (status changes, per-resource statuses). */
  readonly onPoll?: (record: R) => void;
  /** Give up after this long with `KTS_ERR_TIMEOUT`. @default no limit */
  readonly timeoutMs?: number;
  /** Stops waiting with `KTS_ERR_CANCELLED` (the operation itself keeps running). */
  readonly signal?: AbortSignal;
  /** Time between polls, in ms. @default 1000 */
  readonly intervalMs?: number;
}

/** The extra options of a checkpoint wait: where the checkpoint is. */
export interface CheckpointWaitOptions {
  /** The checkpoint's provider. */
  readonly providerId: string;
  /** The bank it is in (`main` or a copy destination). @default searched in every bank */
  readonly bank?: string;
  /**
   * The record a delete answered. Deleted checkpoints are no longer found, so with it a
   * checkpoint that has gone resolves the wait as this record with status `deleted` instead
   * of rejecting with `KTS_ERR_CHECKPOINT_NOT_FOUND`. Without it, the same holds once a poll of
   * this wait has seen the checkpoint `deleting`.
   */
  readonly deleting?: CheckpointView;
}

/** The options of a wait for a record of `kind`. */
export type WaitForOptions<K extends WaitKind> = WaitOptions<WaitRecords[K]> & (K extends 'checkpoint' ? CheckpointWaitOptions : unknown);

/**
 * Polls `fetch` until `done` holds, reporting progress; rejects with `KTS_ERR_TIMEOUT` after
 * `timeoutMs` and with `KTS_ERR_CANCELLED` when `signal` aborts.
 */
export async function pollUntil<R extends { readonly progress: ProgressView | null; readonly status: string }>(
  what: string,
  fetch: (signal: AbortSignal) => Promise<R>,
  done: (record: R) => boolean,
  options: WaitOptions<R>,
): Promise<R> {
  const intervalMs = Math.max(1, options.intervalMs ?? 1000);
  const controller = new AbortController();
  const abort = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', abort, { once: true });
  let timedOut = false;
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          controller.abort(new TimeoutError());
        }, options.timeoutMs);
  // Settles when the wait is cancelled or times out, even if a poll in flight ignores its signal.
  const stopped = new Promise<never>((_resolve, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  stopped.catch(() => {});
  let lastProgress: string | undefined;
  let last: R | undefined;
  try {
    if (options.signal?.aborted) throw new Error('aborted');
    for (;;) {
      const record = await Promise.race([fetch(controller.signal), stopped]);
      last = record;
      options.onPoll?.(record);
      if (record.progress) {
        const text = JSON.stringify(record.progress);
        if (text !== lastProgress) {
          lastProgress = text;
          options.onProgress?.(record.progress, record);
        }
      }
      if (done(record)) return record;
      await sleep(intervalMs, controller.signal);
    }
  } catch (error) {
    if (timedOut) {
      throw new TimeoutError(`${what} did not finish within ${options.timeoutMs} ms${last ? ` (status ${last.status})` : ''}`, {
        details: { timeoutMs: options.timeoutMs, ...(last ? { status: last.status } : {}) },
      });
    }
    if (options.signal?.aborted) throw new CancelledError(`Waiting for ${what} was cancelled (the operation itself keeps running)`, { cause: options.signal.reason });
    throw error;
  } finally {
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener('abort', abort);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
