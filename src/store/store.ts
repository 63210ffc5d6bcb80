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
 * A collection of one record kind. Every record it returns (from `insert`, `get`, `update` and
 * `list`) is the caller's own deep copy, and it keeps its own copy of every record it is given:
 * mutating either side never changes what is stored.
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
