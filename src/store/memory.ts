/**
 * The in-memory store: for tests, examples and single-process services that need no durability.
 * Records are deep-copied (through JSON) on the way in and out, so no caller can change stored
 * state by mutating an object it passed or got back. `update` runs its read, change and write
 * without yielding to the event loop, so concurrent updates of one record are serialised and
 * none is lost.
 *
 * @module
 */
import { COLLECTIONS, type CollectionSpec } from './collections.js';
import { duplicateId, leaseHeld, leaseLost, recordNotFound, storeClosed } from './errors.js';
import { clockOption, isoNow, type Clock } from './internal/clock.js';
import { checkLeaseArgs, expiryOf, isLive } from './leases.js';
import { compareRecords, markerVisible, matchesQuery, normaliseQuery, toPage, unknownMarker } from './listing.js';
import type { LeaseTable, ListQuery, ListResult, RecordCollection, Store, StoredRecord, StoreLease } from './store.js';
import { cloneJson, prepareChange, prepareRecord, type JsonRecord } from './validate.js';

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Epoch milliseconds, for `updatedAt` and lease expiry.
   * @default Date.now
   */
  readonly clock?: () => number;
}

interface Context {
  readonly clock: Clock;
  readonly guard: () => void;
}

class MemoryCollection<T extends StoredRecord> implements RecordCollection<T> {
  readonly #spec: CollectionSpec;
  readonly #context: Context;
  readonly #records = new Map<string, JsonRecord>();

  constructor(spec: CollectionSpec, context: Context) {
    this.#spec = spec;
    this.#context = context;
  }

  get name(): string {
    return this.#spec.name;
  }

  get filterable(): readonly string[] {
    return this.#spec.filterable;
  }

  async insert(record: T): Promise<T> {
    this.#context.guard();
    const prepared = prepareRecord(this.#spec, record);
    if (this.#records.has(prepared.id)) throw duplicateId(this.#spec.name, prepared.id);
    this.#records.set(prepared.id, prepared);
    return cloneJson(prepared) as unknown as T;
  }

  async get(id: string): Promise<T | undefined> {
    this.#context.guard();
    const record = this.#records.get(id);
    return record === undefined ? undefined : (cloneJson(record) as unknown as T);
  }

  async update(id: string, change: (current: T) => T): Promise<T> {
    this.#context.guard();
    // No await from here to the write: the read-modify-write is atomic on the event loop.
    const current = this.#records.get(id);
    if (current === undefined) throw recordNotFound(this.#spec.name, id);
    const proposed = change(cloneJson(current) as unknown as T);
    const next = prepareChange(this.#spec, current, proposed, isoNow(this.#context.clock));
    this.#records.set(id, next);
    return cloneJson(next) as unknown as T;
  }

  async list(query?: ListQuery): Promise<ListResult<T>> {
    this.#context.guard();
    const q = normaliseQuery(this.#spec, query);
    let marker: JsonRecord | undefined;
    if (q.marker !== undefined) {
      marker = this.#records.get(q.marker);
      if (!markerVisible(marker, q)) throw unknownMarker(this.#spec.name, q.marker);
    }
    const order = (a: StoredRecord, b: StoredRecord): number => compareRecords(a, b, q.sortKey, q.sortDir);
    const rows = [...this.#records.values()]
      .filter((record) => matchesQuery(record, q) && (marker === undefined || order(record, marker) > 0))
      .sort(order);
    const page = toPage(q.limit === undefined ? rows : rows.slice(0, q.limit + 1), q.limit);
    return { ...page, items: page.items.map((record) => cloneJson(record) as unknown as T) };
  }

  async delete(id: string): Promise<boolean> {
    this.#context.guard();
    return this.#records.delete(id);
  }
}

class MemoryLeases implements LeaseTable {
  readonly #context: Context;
  readonly #leases = new Map<string, StoreLease>();

  constructor(context: Context) {
    this.#context = context;
  }

  async acquire(name: string, owner: string, ttlMs: number): Promise<StoreLease> {
    this.#context.guard();
    checkLeaseArgs(name, owner, ttlMs);
    const now = this.#context.clock();
    const current = this.#leases.get(name);
    if (isLive(current, now) && current.owner !== owner) throw leaseHeld(name, current);
    const lease = { name, owner, expiresAt: expiryOf(now, ttlMs) };
    this.#leases.set(name, lease);
    return { ...lease };
  }

  async renew(name: string, owner: string, ttlMs: number): Promise<StoreLease> {
    this.#context.guard();
    checkLeaseArgs(name, owner, ttlMs);
    const now = this.#context.clock();
    const current = this.#leases.get(name);
    if (!isLive(current, now) || current.owner !== owner) throw leaseLost(name, owner);
    const lease = { name, owner, expiresAt: expiryOf(now, ttlMs) };
    this.#leases.set(name, lease);
    return { ...lease };
  }

  async release(name: string, owner: string): Promise<void> {
    this.#context.guard();
    checkLeaseArgs(name, owner);
    if (this.#leases.get(name)?.owner === owner) this.#leases.delete(name);
  }

  async holder(name: string): Promise<StoreLease | undefined> {
    this.#context.guard();
    checkLeaseArgs(name, 'anyone');
    const current = this.#leases.get(name);
    return isLive(current, this.#context.clock()) ? { ...current } : undefined;
  }
}

/**
 * Creates an empty in-memory {@link Store}. Nothing survives the process; `close()` makes every
 * later call fail with `KTS_ERR_STORE_CLOSED`.
 *
 * @example
 * ```ts
 * const store = createMemoryStore();
 * await store.plans.insert(plan);
 * ```
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  let closed = false;
  const context: Context = {
    clock: clockOption(options.clock),
    guard: () => {
      if (closed) throw storeClosed();
    },
  };
  return {
    plans: new MemoryCollection(COLLECTIONS.plans, context),
    restores: new MemoryCollection(COLLECTIONS.restores, context),
    verifications: new MemoryCollection(COLLECTIONS.verifications, context),
    copies: new MemoryCollection(COLLECTIONS.copies, context),
    operationLogs: new MemoryCollection(COLLECTIONS.operationLogs, context),
    quotas: new MemoryCollection(COLLECTIONS.quotas, context),
    services: new MemoryCollection(COLLECTIONS.services, context),
    leases: new MemoryLeases(context),
    close: async () => {
      closed = true;
    },
  };
}
