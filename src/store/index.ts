/**
 * Durable records of the protection service: plans, restores, verifications, copies,
 * operation logs, quotas and service nodes, with atomic updates, scoped listing (filters, marker paging, sort) and
 * liveness leases. Two implementations pass one conformance suite (`testRecordStore`):
 * {@link createMemoryStore} (nothing survives the process) and {@link createSqliteStore} (the
 * embedded durable default: better-sqlite3 with cached prepared statements, WAL mode, Kysely migrations in code).
 * Reads hand out deep copies, except the shared reads (`getEntry`, `listEntries`): read-only
 * records with their *revision*, a token that changes with every write, for callers that only
 * render records and cache what they render.
 *
 * @module
 */
export {
  PlanStatus,
  SERVICE_WIDE_PROJECT,
  type BaseRecord,
  type CopyPair,
  type CopyRecord,
  type OperationLogRecord,
  type PlanRecord,
  type Progress,
  type QuotaRecord,
  type QuotaResource,
  type QuotaScope,
  type RestoreRecord,
  type RunRecord,
  type ServiceRecord,
  type ServiceStatus,
  type VerificationRecord,
} from './records.js';
/** The record and store contracts. */
export type {
  FilterValue,
  LeaseTable,
  ListedEntry,
  ListEntriesOptions,
  ListQuery,
  ListResult,
  RecordCollection,
  RecordEntry,
  Store,
  StoredRecord,
  StoreLease,
} from './store.js';
export { createMemoryStore, type MemoryStoreOptions } from './memory.js';
export { createSqliteStore, type SqliteStoreOptions } from './sqlite.js';
