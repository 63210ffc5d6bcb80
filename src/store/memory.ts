/**
 * The in-memory store: for tests, examples and single-process services that need no durability.
 * Records are deep-copied on the way in (through JSON, which also validates them) and out (a
 * structural copy of the stored JSON data, several times cheaper), so no caller can change
 * stored state by mutating an object it passed or got back. The shared reads (`getEntry`,
 * `listEntries`) hand out the stored record itself instead: every stored record is deeply
 * frozen, so a caller that mutates one gets a `TypeError` rather than a changed store. Each
 * stored version has its entry (id, revision from a per-collection counter, record), made once
 * when it is written, so a shared read allocates nothing per record. `update` runs its read, change and
 * write without yielding to the event loop, so concurrent updates of one record are serialised
 * and none is lost.
 *
 * Listing never copies or sorts the whole collection: each collection keeps its records sorted
 * on every sort key a listing has used (see `memory-order.ts`), so a page costs a binary search,
 * a walk as far as the page needs, and copies of the records on the page only.
 *
 * @module
 */
import { COLLECTIONS, type CollectionSpec } from './collections.js';
import { duplicateId, leaseHeld, leaseLost, recordNotFound, storeClosed } from './errors.js';
import { clockOption, isoNow, type Clock } from './internal/clock.js';
import { deepFreeze } from './internal/freeze.js';
import { checkLeaseArgs, expiryOf, isLive } from './leases.js';
import { markerVisible, normaliseQuery, toPage, unknownMarker } from './listing.js';
import { SortedOrder } from './memory-order.js';
import type { CopyRecord, OperationLogRecord, PlanRecord, QuotaRecord, RestoreRecord, ServiceRecord, VerificationRecord } from './records.js';
import type { LeaseTable, ListEntriesOptions, ListQuery, ListResult, RecordCollection, RecordEntry, Store, StoredRecord, StoreLease } from './store.js';
import { copyJson, prepareChange, prepareRecord, type JsonRecord } from './validate.js';

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
  /** The stored records: validated, deeply frozen JSON data (copied for every read but the shared ones). */
  readonly #records = new Map<string, JsonRecord>();
  /** The shared-read entry of every stored record version. */
  readonly #entries = new WeakMap<JsonRecord, RecordEntry<T>>();
  /** The last revision given out. */
  #revision = 0;
  /** The sorted orders built so far, by sort key; every write keeps them current. */
  readonly #orders = new Map<string, SortedOrder>();

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
    this.#keep(prepared);
    for (const order of this.#orders.values()) order.add(prepared);
    return copyJson(prepared) as unknown as T;
  }

  async get(id: string): Promise<T | undefined> {
    this.#context.guard();
    const record = this.#records.get(id);
    return record === undefined ? undefined : (copyJson(record) as unknown as T);
  }

  async update(id: string, change: (current: T) => T): Promise<T> {
    this.#context.guard();
    // No await from here to the write: the read-modify-write is atomic on the event loop.
    const current = this.#records.get(id);
    if (current === undefined) throw recordNotFound(this.#spec.name, id);
    const proposed = change(copyJson(current) as unknown as T);
    const next = prepareChange(this.#spec, current, proposed, isoNow(this.#context.clock));
    this.#keep(next);
    for (const [key, order] of this.#orders) {
      if (!order.replace(current, next)) this.#orders.delete(key);
    }
    return copyJson(next) as unknown as T;
  }

  async getEntry(id: string): Promise<RecordEntry<T> | undefined> {
    this.#context.guard();
    const record = this.#records.get(id);
    return record === undefined ? undefined : this.#entries.get(record);
  }

  async list(query?: ListQuery): Promise<ListResult<T>> {
    const page = this.#page(query);
    return { ...page, items: page.items.map((record) => copyJson(record) as unknown as T) };
  }

  /** Lists entries; every entry carries its record (free here), so `options.known` is never asked. */
  listEntries(query?: ListQuery): Promise<ListResult<RecordEntry<T>>>;
  listEntries(query: ListQuery | undefined, options: ListEntriesOptions): Promise<ListResult<RecordEntry<T>>>;
  async listEntries(query?: ListQuery): Promise<ListResult<RecordEntry<T>>> {
    const page = this.#page(query);
    return { ...page, items: page.items.map((record) => this.#entries.get(record)!) };
  }

  /** One page of stored records (not copies). */
  #page(query: ListQuery | undefined): ListResult<JsonRecord> {
    this.#context.guard();
    const q = normaliseQuery(this.#spec, query);
    let marker: JsonRecord | undefined;
    if (q.marker !== undefined) {
      marker = this.#records.get(q.marker);
      if (!markerVisible(marker, q)) throw unknownMarker(this.#spec.name, q.marker);
    }
    if (q.filters.some((filter) => filter.values.length === 0)) return { items: [] };
    return toPage(this.#order(q.sortKey).page(q, marker), q.limit);
  }

  /** Stores `record` (freshly prepared) as the current version of its id, frozen, with its entry and a new revision. */
  #keep(record: JsonRecord): void {
    deepFreeze(record);
    this.#revision += 1;
    this.#entries.set(record, Object.freeze({ id: record.id, revision: String(this.#revision), record: record as unknown as T }));
    this.#records.set(record.id, record);
  }

  async delete(id: string): Promise<boolean> {
    this.#context.guard();
    const record = this.#records.get(id);
    if (record === undefined) return false;
    this.#records.delete(id);
    for (const [key, order] of this.#orders) {
      if (!order.remove(record)) this.#orders.delete(key);
    }
    return true;
  }

  /** The records sorted on `key`, built on first use. */
  #order(key: string): SortedOrder {
    let order = this.#orders.get(key);
    if (order === undefined) this.#orders.set(key, (order = new SortedOrder(key, this.#records.values())));
    return order;
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
    plans: new MemoryCollection<PlanRecord>(COLLECTIONS.plans, context),
    restores: new MemoryCollection<RestoreRecord>(COLLECTIONS.restores, context),
    verifications: new MemoryCollection<VerificationRecord>(COLLECTIONS.verifications, context),
    copies: new MemoryCollection<CopyRecord>(COLLECTIONS.copies, context),
    operationLogs: new MemoryCollection<OperationLogRecord>(COLLECTIONS.operationLogs, context),
    quotas: new MemoryCollection<QuotaRecord>(COLLECTIONS.quotas, context),
    services: new MemoryCollection<ServiceRecord>(COLLECTIONS.services, context),
    leases: new MemoryLeases(context),
    close: async () => {
      closed = true;
    },
  };
}
