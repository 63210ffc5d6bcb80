/**
 * Progress of one running operation: resources done/total and bytes done/total, fed by every
 * hook's reporter and written to the record at a bounded rate (never per byte).
 *
 * @module
 */
import type { ProgressReporter } from '../core/progress.js';
import type { Progress } from '../store/records.js';

/** Counts a run's progress and flushes it through `persist` at most every `intervalMs`. */
export class ProgressTracker {
  #resourcesDone = 0;
  #bytesDone = 0;
  #bytesTotal = 0;
  readonly #resourcesTotal: number;
  readonly #persist: (progress: Progress) => Promise<unknown>;
  readonly #intervalMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #flushing: Promise<unknown> = Promise.resolve();

  /** Tracks `resourcesTotal` resources; `persist` writes a snapshot. */
  constructor(resourcesTotal: number, persist: (progress: Progress) => Promise<unknown>, intervalMs = 500) {
    this.#resourcesTotal = resourcesTotal;
    this.#persist = persist;
    this.#intervalMs = intervalMs;
  }

  /** The current figures. */
  snapshot(): Progress {
    return {
      resourcesDone: this.#resourcesDone,
      resourcesTotal: this.#resourcesTotal,
      bytesDone: this.#bytesDone,
      bytesTotal: Math.max(this.#bytesTotal, this.#bytesDone),
    };
  }

  /** A reporter for one hook. */
  reporter(): ProgressReporter {
    return {
      addTotalBytes: (bytes) => {
        if (bytes > 0) this.#bytesTotal += bytes;
        this.#schedule();
      },
      addBytes: (bytes) => {
        if (bytes > 0) this.#bytesDone += bytes;
        this.#schedule();
      },
      fraction: () => {},
    };
  }

  /** Counts one more resource finished (done, failed or skipped). */
  resourceDone(): void {
    this.#resourcesDone++;
    this.#schedule();
  }

  /** Writes the figures now and stops the timer. */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#flushing;
    this.#flushing = this.#persist(this.snapshot()).catch(() => {});
    await this.#flushing;
  }

  #schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flushing = this.#flushing.then(() => this.#persist(this.snapshot())).catch(() => {});
    }, this.#intervalMs);
    this.#timer.unref?.();
  }
}
