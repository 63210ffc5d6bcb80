/**
 * Running operations of this process: each has an `AbortController` (cancel) and a promise
 * (wait). Long work is never tied to a request: the service starts it here and answers at once.
 *
 * @module
 */
import { CancelledError, ConflictError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

interface Run {
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

/** The operations this process is running, by record id. */
export class RunRegistry {
  readonly #runs = new Map<string, Run>();
  readonly #logger: Logger;
  #closed = false;

  /** Creates an empty registry. */
  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Throws `KTS_ERR_SERVICE_CLOSED` once the registry is closing. */
  assertOpen(): void {
    if (this.#closed) throw new ConflictError('The protection service is closed', { code: 'KTS_ERR_SERVICE_CLOSED' });
  }

  /** Starts `work` in the background under id `id`; its errors are logged, never unhandled. */
  start(id: string, work: (signal: AbortSignal) => Promise<void>): void {
    this.assertOpen();
    const controller = new AbortController();
    const done = (async () => {
      try {
        await work(controller.signal);
      } catch (error) {
        this.#logger.error('operation ended with an unhandled error', { id, error: String(error) });
      } finally {
        this.#runs.delete(id);
      }
    })();
    this.#runs.set(id, { controller, done });
  }

  /** Whether `id` runs in this process. */
  has(id: string): boolean {
    return this.#runs.has(id);
  }

  /** Cancels run `id`; false when it does not run here. */
  cancel(id: string, reason = 'cancelled'): boolean {
    const run = this.#runs.get(id);
    if (!run) return false;
    run.controller.abort(new CancelledError(reason));
    return true;
  }

  /** Cancels every run, which keep reverting; new runs are still accepted. */
  cancelAll(reason: string): void {
    for (const run of this.#runs.values()) run.controller.abort(new CancelledError(reason));
  }

  /** Resolves when run `id` has finished (at once when it does not run here). */
  async settled(id: string): Promise<void> {
    await this.#runs.get(id)?.done;
  }

  /** Cancels every run and waits for all of them to finish reverting. */
  async close(reason = 'the service is shutting down'): Promise<void> {
    this.#closed = true;
    const runs = [...this.#runs.values()];
    for (const run of runs) run.controller.abort(new CancelledError(reason));
    await Promise.all(runs.map((run) => run.done));
  }
}
