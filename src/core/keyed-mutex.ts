/**
 * A per-key mutex built from promise chains: callers of {@link KeyedMutex.run} with the same key
 * run one after another, callers with different keys run freely. Entries are dropped when a
 * key's chain drains, so the map stays as small as the set of keys in use.
 *
 * @module
 */

/** Serialises async critical sections per key, within one process. */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `critical` once every earlier critical section for `key` has settled. */
  async run<T>(key: string, critical: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await critical();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** How many keys have a critical section running or queued (for tests). */
  get size(): number {
    return this.#tails.size;
  }
}
