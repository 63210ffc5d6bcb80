/**
 * Coalesced document writes: many concurrent changes to one document (per-resource statuses
 * and progress from up to `concurrency` hooks at once) are applied in as few writes as
 * possible — one write in flight, every change queued meanwhile applied in the next one. Each
 * write is still one compare-and-swap, but nearly never races, so a plan of thousands of
 * resources costs a few hundred writes instead of thousands of contended ones.
 *
 * @module
 */

/** Applies changes of type `T` through `write`, batched. */
export class CoalescedWriter<T> {
  readonly #write: (change: (current: T) => T) => Promise<unknown>;
  #queue: { change: (current: T) => T; done: () => void; failed: (error: unknown) => void }[] = [];
  #flushing = false;

  /** `write` applies one combined change atomically (e.g. a compare-and-swap update). */
  constructor(write: (change: (current: T) => T) => Promise<unknown>) {
    this.#write = write;
  }

  /** Queues `change`; resolves once a write containing it succeeded. */
  apply(change: (current: T) => T): Promise<void> {
    return new Promise((done, failed) => {
      this.#queue.push({ change, done, failed });
      if (!this.#flushing) void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      try {
        await this.#write((current) => batch.reduce((value, item) => item.change(value), current));
        for (const item of batch) item.done();
      } catch (error) {
        for (const item of batch) item.failed(error);
      }
    }
    this.#flushing = false;
  }
}
