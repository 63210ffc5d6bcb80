/**
 * The store contract: one collection per record kind, with atomic read-modify-write updates,
 * scoped listing with filters, marker paging and sort, and leases for liveness. Implemented in
 * memory and on SQLite (the embedded durable default); every implementation passes the same
 * conformance suite (`testRecordStore` in `karbor-ts/testing`).
 *
 * @module
 */
import type { CopyRecord, OperationLogRecord, PlanRecord, QuotaRecord, RestoreRecord, ServiceRecord, VerificationRecord } from './records.js';

/** A record as the store sees it. */
export interface StoredRecord {
  /** Primary key. */
  readonly id: string;
  /** The owning project. */
  readonly projectId: string;
  /** Creation time, ISO 8601. */
  readonly createdAt: string;
  /** Last write time, ISO 8601. */
  readonly updatedAt: string;
}

/** A filter value: one value, or any of several. */
export type FilterValue = string | readonly string[];

/** A listing query. */
export interface ListQuery {
  /** Only this project's records; omit to list every project (admins). */
  readonly projectId?: string;
  /**
   * Equality filters on the collection's filterable fields (camelCase names); an array matches
   * any of its values. A field that is not filterable gives `KTS_ERR_VALIDATION`.
   */
  readonly filters?: Readonly<Record<string, FilterValue | undefined>>;
  /** Only records created at or after this time (ISO 8601). */
  readonly createdAfter?: string;
  /** Only records created before this time (ISO 8601). */
  readonly createdBefore?: string;
  /**
   * The id of the last record of the previous page (exclusive): the page continues after that
   * record in this sort order, even if it no longer matches the filters. It must name a record
   * (of `projectId`, when given), or the listing fails with `KTS_ERR_VALIDATION`.
   */
  readonly marker?: string;
  /** At most this many records (a positive integer, else `KTS_ERR_VALIDATION`); all when omitted. */
  readonly limit?: number;
  /**
   * Sort field (`createdAt`, `updatedAt`, `id` or a filterable field); ties break on `id` in the
   * same direction. Text compares by code point; a missing value sorts as `''`.
   * @default 'createdAt'
   */
  readonly sortKey?: string;
  /** Sort direction. @default 'desc' */
  readonly sortDir?: 'asc' | 'desc';
  /** Include soft-deleted records (those with `deletedAt`). @default false */
  readonly includeDeleted?: boolean;
}

/** One page of a listing. */
export interface ListResult<T> {
  /** The records of this page, in order. */
  readonly items: readonly T[];
  /** Pass as `marker` for the next page; absent on the last page. */
  readonly nextMarker?: string;
}

/**
 * One record as a shared read ({@link RecordCollection.listEntries}, {@link RecordCollection.getEntry})
 * hands it out: its id, its revision and the record itself, which is *not* a copy.
 */
export interface RecordEntry<T extends StoredRecord> {
  /** The record's id. */
  readonly id: string;
  /**
   * An opaque token of the record's content: every write of the record (insert, update)
   * gives it a new revision, and a revision never repeats for one id in one store — not even
   * when the record is deleted and inserted again. Two reads with the same id and revision
   * therefore hold the same record, which is what lets a caller cache anything derived from
   * it (the HTTP adapter caches each record's JSON view this way).
   */
  readonly revision: string;
  /**
   * The record, shared with the store and other readers: the caller must not mutate it (the
   * memory store hands out its own stored record, deeply frozen, so a mutation throws; the
   * SQLite store decodes it from the row on first access).
   */
  readonly record: T;
}

/** An entry of {@link RecordCollection.listEntries}: a {@link RecordEntry}, or — for a revision the caller said it knows — its id and revision alone. */
export type ListedEntry<T extends StoredRecord> = RecordEntry<T> | { readonly id: string; readonly revision: string; readonly record?: undefined };

/** Options of {@link RecordCollection.listEntries}. */
export interface ListEntriesOptions {
  /**
   * Whether the caller already holds what it needs of record `id` at `revision` (a rendering of
   * it, say). Called synchronously, at most once per entry of the page, while the store reads;
   * it must not call the store. A store may leave the record out of an entry this answers true
   * for (the SQLite store then reads only the id and revision of that row, sparing most of the
   * read); every other entry carries its record. Whatever it throws reaches the caller.
   */
  readonly known?: (id: string, revision: string) => boolean;
}

/**
 * A collection of one record kind. Every record it returns from `insert`, `get`, `update` and
 * `list` is the caller's own deep copy, and it keeps its own copy of every record it is given:
 * mutating either side never changes what is stored. The shared reads, `getEntry` and
 * `listEntries`, are the one exception: they skip the copy for callers that only read (and
 * render) records, and say so in their type ({@link RecordEntry}).
 */
export interface RecordCollection<T extends StoredRecord> {
  /** The collection's name (`plans`, `verifications`, …). */
  readonly name: string;
  /** The fields `list` can filter and sort on. */
  readonly filterable: readonly string[];
  /**
   * Inserts a new record; `KTS_ERR_CONFLICT` if the id exists, `KTS_ERR_VALIDATION` if it lacks
   * `id`, `projectId`, valid timestamps or a required field. Returns the stored copy, with
   * timestamps in canonical `toISOString()` form.
   */
  insert(record: T): Promise<T>;
  /** The record with `id`, or `undefined`. */
  get(id: string): Promise<T | undefined>;
  /**
   * Atomically replaces the record with `change(current)` (which may throw to abort, e.g. a
   * refused status transition; its error reaches the caller unchanged). `KTS_ERR_NOT_FOUND`
   * when absent. `updatedAt` is set by the store; `change` gets a copy, must return the new
   * record synchronously, and cannot change `id`, `projectId` or `createdAt`
   * (`KTS_ERR_VALIDATION`).
   */
  update(id: string, change: (current: T) => T): Promise<T>;
  /** Lists records; a `marker` that names no record gives `KTS_ERR_VALIDATION`. */
  list(query?: ListQuery): Promise<ListResult<T>>;
  /**
   * The record with `id` as a shared, read-only {@link RecordEntry} (no copy), or `undefined`.
   * Holds the same record `get` would return.
   */
  getEntry(id: string): Promise<RecordEntry<T> | undefined>;
  /**
   * Lists records as `list` does — same query, same validation, same pages and `nextMarker` —
   * but as shared, read-only {@link RecordEntry}s (no copies; in SQLite, records are decoded
   * only when their `record` is read). The page is one consistent read: each entry's record
   * is the one of its revision.
   */
  listEntries(query?: ListQuery): Promise<ListResult<RecordEntry<T>>>;
  /**
   * As above; entries whose revision `options.known` answers true for may come without their
   * record (see {@link ListEntriesOptions.known}).
   */
  listEntries(query: ListQuery | undefined, options: ListEntriesOptions): Promise<ListResult<ListedEntry<T>>>;
  /** Hard-deletes a record; true when it existed. */
  delete(id: string): Promise<boolean>;
}

/** A lease held in the store. */
export interface StoreLease {
  /** What is leased. */
  readonly name: string;
  /** Who holds it. */
  readonly owner: string;
  /** When it expires (epoch ms). */
  readonly expiresAt: number;
}

/** Leases for liveness: a node holds `node:<id>` while it runs flows. */
export interface LeaseTable {
  /** Takes the lease if free, expired or already ours; `KTS_ERR_STORE_LEASE_HELD` otherwise. */
  acquire(name: string, owner: string, ttlMs: number): Promise<StoreLease>;
  /** Extends our live lease; `KTS_ERR_STORE_LEASE_LOST` if it expired (even untaken) or was taken over. */
  renew(name: string, owner: string, ttlMs: number): Promise<StoreLease>;
  /** Releases our lease (no-op if not ours). */
  release(name: string, owner: string): Promise<void>;
  /** The live holder, or `undefined` when free or expired. */
  holder(name: string): Promise<StoreLease | undefined>;
}

/** The durable records of a protection service. */
export interface Store {
  /** Plans. */
  readonly plans: RecordCollection<PlanRecord>;
  /** Restores. */
  readonly restores: RecordCollection<RestoreRecord>;
  /** Verifications. */
  readonly verifications: RecordCollection<VerificationRecord>;
  /** Copies. */
  readonly copies: RecordCollection<CopyRecord>;
  /** Operation logs. */
  readonly operationLogs: RecordCollection<OperationLogRecord>;
  /** Quota limits of projects and quota classes. */
  readonly quotas: RecordCollection<QuotaRecord>;
  /** Registered service nodes (Karbor's os-services). */
  readonly services: RecordCollection<ServiceRecord>;
  /** Liveness leases. */
  readonly leases: LeaseTable;
  /** Waits for calls in flight and closes connections; later calls fail with `KTS_ERR_STORE_CLOSED`. */
  close(): Promise<void>;
}
