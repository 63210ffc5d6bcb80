/**
 * The SQLite store: the embedded, durable default. better-sqlite3, in WAL mode (readers never
 * wait for the writer) with a busy timeout (writers of other processes wait rather than fail),
 * migrated to the latest schema when opened (Kysely's `Migrator` over its `SqliteDialect`). One
 * table per collection (see `sqlite-schema.ts`); records and leases survive a restart. Record
 * calls run cached prepared statements on the connection directly (see `sqlite-collection.ts`);
 * leases go through Kysely.
 *
 * Several processes may open one file. Within one process, prefer one store per file; several
 * work too (their writes take turns on an in-process lock per file).
 *
 * @module
 */
import { mkdirSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { invalidOption, storeIo } from './errors.js';
import { clockOption } from './internal/clock.js';
import { SqliteContext, withFileLock } from './internal/sqlite-context.js';
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE, migrationProvider } from './migrations.js';
import { SqliteCollection } from './sqlite-collection.js';
import type { SqlDatabase } from './sqlite-columns.js';
import { SqliteLeases } from './sqlite-leases.js';
import { TABLES } from './sqlite-schema.js';
import type { Store } from './store.js';

/** Options of {@link createSqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * The database file; its directory is created when missing. `':memory:'` gives a private,
   * non-durable database (for tests).
   * @example '/var/lib/karbor-ts/records.sqlite'
   */
  readonly path: string;
  /**
   * How long a write waits for another process's write lock before failing with
   * `KTS_ERR_STORE_IO`, in milliseconds.
   * @default 5000
   */
  readonly busyTimeoutMs?: number;
  /**
   * SQLite's `synchronous` setting. `full` syncs the WAL on every commit (a commit survives a
   * power cut); `normal` syncs at checkpoints (a commit survives a process crash, not
   * necessarily a power cut) and writes faster.
   * @default 'full'
   */
  readonly synchronous?: 'full' | 'normal';
  /**
   * Epoch milliseconds, for `updatedAt` and lease expiry.
   * @default Date.now
   */
  readonly clock?: () => number;
}

interface Settings {
  readonly path: string;
  readonly busyTimeoutMs: number;
  readonly synchronous: 'full' | 'normal';
  readonly clock: () => number;
}

function settingsOf(options: SqliteStoreOptions): Settings {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object with a `path`', options);
  const { path, busyTimeoutMs = 5000, synchronous = 'full' } = options;
  if (typeof path !== 'string' || path === '') throw invalidOption('path', 'a file path', path);
  if (!(typeof busyTimeoutMs === 'number' && Number.isSafeInteger(busyTimeoutMs) && busyTimeoutMs >= 0)) {
    throw invalidOption('busyTimeoutMs', 'an integer ≥ 0', busyTimeoutMs);
  }
  if (synchronous !== 'full' && synchronous !== 'normal') throw invalidOption('synchronous', '"full" or "normal"', synchronous);
  return { path, busyTimeoutMs, synchronous, clock: clockOption(options.clock) };
}

function openDatabase(settings: Settings): { database: Database.Database; fileKey: string } {
  const inMemory = settings.path === ':memory:';
  if (!inMemory) mkdirSync(dirname(resolve(settings.path)), { recursive: true });
  const database = new Database(settings.path, { timeout: settings.busyTimeoutMs });
  try {
    database.pragma(`busy_timeout = ${settings.busyTimeoutMs}`);
    if (!inMemory) database.pragma('journal_mode = WAL');
    database.pragma(`synchronous = ${settings.synchronous.toUpperCase()}`);
    return { database, fileKey: inMemory ? `memory:${randomUUID()}` : realpathSync(settings.path) };
  } catch (error) {
    database.close();
    throw error;
  }
}

/**
 * Migrates to the latest schema in one `BEGIN IMMEDIATE` transaction, so that processes opening
 * a new file together cannot both apply a migration (SQLite DDL is transactional; Kysely's own
 * migration lock is a no-op on SQLite).
 */
async function migrate(db: Kysely<SqlDatabase>, database: Database.Database): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  database.exec('BEGIN IMMEDIATE');
  try {
    const { error, results } = await migrator.migrateToLatest();
    if (error !== undefined) {
      const failed = results?.find((result) => result.status === 'Error')?.migrationName;
      throw storeIo(`migration${failed === undefined ? '' : ` ${failed}`}`, error);
    }
    database.exec('COMMIT');
  } catch (error) {
    if (database.inTransaction) database.exec('ROLLBACK');
    throw error;
  }
}

/**
 * Opens (creating and migrating when needed) a durable SQLite {@link Store}. Fails with
 * `KTS_ERR_INVALID_OPTION` for bad options and `KTS_ERR_STORE_IO` when the file cannot be
 * opened or migrated. `close()` waits for calls in flight, then closes the file; later calls
 * fail with `KTS_ERR_STORE_CLOSED`.
 *
 * @example
 * ```ts
 * const store = await createSqliteStore({ path: 'data/records.sqlite' });
 * await store.verifications.insert(verification);
 * await store.close();
 * ```
 */
export async function createSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const settings = settingsOf(options);
  let opened: ReturnType<typeof openDatabase>;
  try {
    opened = openDatabase(settings);
  } catch (error) {
    throw storeIo(`open of ${settings.path}`, error);
  }
  const { database, fileKey } = opened;
  const db = new Kysely<SqlDatabase>({ dialect: new SqliteDialect({ database }) });
  try {
    await withFileLock(fileKey, () => migrate(db, database));
  } catch (error) {
    await db.destroy().catch(() => undefined);
    if (database.open) database.close();
    throw storeIo(`open of ${settings.path}`, error);
  }
  const context = new SqliteContext(db, database, settings.clock, fileKey);
  return {
    plans: new SqliteCollection(TABLES.plans, context),
    restores: new SqliteCollection(TABLES.restores, context),
    verifications: new SqliteCollection(TABLES.verifications, context),
    copies: new SqliteCollection(TABLES.copies, context),
    operationLogs: new SqliteCollection(TABLES.operationLogs, context),
    quotas: new SqliteCollection(TABLES.quotas, context),
    services: new SqliteCollection(TABLES.services, context),
    leases: new SqliteLeases(context),
    close: () => context.close(),
  };
}
