/**
 * Polling until an OpenStack resource reaches a status: the interval grows from `intervalMs`
 * by half each time up to `maxIntervalMs`; a failure status ends the wait with a
 * `PluginError` (`KTS_ERR_PLUGIN_OPERATION_FAILED`) naming the resource, its status and the
 * service's reason; the deadline with a `TimeoutError`; the `signal` with a `CancelledError`.
 *
 * @module
 */
import { PluginError, TimeoutError, isFrameworkError } from '../core/errors.js';
import { sleep } from './http.js';

/** Options of the `waitFor…` methods of the clients. */
export interface WaitOptions<T> {
  /** Give up after this long. The clients' defaults: 10 minutes (30 for backups and restores). */
  readonly timeoutMs?: number;
  /** The first pause between two polls. @default 500 */
  readonly intervalMs?: number;
  /** The longest pause between two polls. @default 5_000 */
  readonly maxIntervalMs?: number;
  /** Cancels the wait. */
  readonly signal?: AbortSignal | undefined;
  /** Called with every state read (progress reporting, logs). */
  readonly onPoll?: (resource: T, elapsedMs: number) => void;
}

/** What one poll found. */
export type PollVerdict = { readonly done: true } | { readonly done: false; readonly failed?: string };

/** Describes what is awaited, for messages. */
export interface WaitTarget {
  /** The service, e.g. `Cinder`. */
  readonly service: string;
  /** The resource type, e.g. `backup`. */
  readonly type: string;
  /** The resource id. */
  readonly id: string;
  /** What the wait is for, e.g. `status available`. */
  readonly goal: string;
}

/**
 * Polls `load` until `verdict` says done (resolves with the last state), failed (throws a
 * `PluginError`) or the deadline passes (throws a `TimeoutError`). `describe` renders a state
 * for messages (its status and reason).
 */
export async function pollUntil<T>(
  target: WaitTarget,
  load: (signal?: AbortSignal) => Promise<T>,
  verdict: (resource: T) => PollVerdict,
  describe: (resource: T) => string,
  options: WaitOptions<T> = {},
  defaultTimeoutMs = 600_000,
): Promise<T> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const maxInterval = options.maxIntervalMs ?? 5_000;
  let interval = Math.min(options.intervalMs ?? 500, maxInterval);
  const what = `${target.service} ${target.type} ${target.id}`;
  for (;;) {
    const resource = await load(options.signal);
    const elapsed = Date.now() - started;
    options.onPoll?.(resource, elapsed);
    const found = verdict(resource);
    if (found.done) return resource;
    if (found.failed !== undefined) {
      throw new PluginError(`${what} failed while waiting for ${target.goal}: ${found.failed}`, {
        details: { service: target.service, resourceType: target.type, resourceId: target.id, goal: target.goal, state: describe(resource) },
      });
    }
    if (elapsed + interval > timeoutMs) {
      throw new TimeoutError(`${what} did not reach ${target.goal} within ${timeoutMs} ms (last: ${describe(resource)})`, {
        details: { service: target.service, resourceType: target.type, resourceId: target.id, goal: target.goal, timeoutMs, state: describe(resource) },
      });
    }
    await sleep(interval, options.signal);
    interval = Math.min(maxInterval, Math.round(interval * 1.5));
  }
}

/**
 * Polls `load` until it throws a not-found error (the resource is gone); `failure` names a state
 * that means the deletion failed (e.g. Cinder's `error_deleting`).
 */
export async function pollUntilGone<T>(
  target: WaitTarget,
  load: (signal?: AbortSignal) => Promise<T>,
  failure: (resource: T) => string | undefined,
  describe: (resource: T) => string,
  options: WaitOptions<T> = {},
  defaultTimeoutMs = 600_000,
): Promise<void> {
  try {
    await pollUntil(
      target,
      load,
      (resource) => {
        const failed = failure(resource);
        return failed === undefined ? { done: false } : { done: false, failed };
      },
      describe,
      options,
      defaultTimeoutMs,
    );
  } catch (error) {
    if (isFrameworkError(error) && error.kind === 'not_found') return;
    throw error;
  }
}
