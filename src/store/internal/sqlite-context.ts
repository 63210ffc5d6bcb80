/**
 * What the SQLite collections and lease table share: the Kysely instance and the raw
 * better-sqlite3 connection under it, a cache of prepared statements, the clock, and the
 * wrappers every call goes through. `read` and `run` refuse calls after `close()` and turn
 * back-end failures into `KTS_ERR_STORE_IO`; `run` also tracks calls in flight (so `close()` can
 * wait for them). `write` also holds the database file's in-process write lock, so that two
 * stores on one file in one process never block each other inside SQLite (better-sqlite3 is
 * synchronous: waiting there for a transaction of the same thread would stall until the busy
 * timeout).
 *
 * The hot paths (record reads and writes) run prepared statements on the connection directly,
 * synchronously: better-sqlite3 does the work on the calling thread anyway, and Kysely would
 * build, compile and prepare every query anew. This is safe alongside Kysely (leases,
 * migrations) because no transaction on the connection stays open across an `await` once the
 * store is open: each record write — `update`'s read-modify-write included — is one synchronous
 * call, and Kysely's lease statements are single autocommit statements.
 *
 * @module
 */
import type Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { storeClosed, storeIo } from '../errors.js';
import type { SqlDatabase } from '../sqlite-columns.js';
import type { Clock } from './clock.js';
import { KeyedMutex } from '../../core/keyed-mutex.js';

/** One write lock per database file in this process. */
const fileLocks = new KeyedMutex();

/** How many prepared statements a store keeps (listing shapes vary with filters and sort). */
const STATEMENT_CACHE_SIZE = 256;

/** The shared state of one SQLite store. */
export class SqliteContext {
  /** The query builder over the store's connection. */
  readonly db: Kysely<SqlDatabase>;
  /** The connection itself, for prepared statements. */
  readonly database: Database.Database;
  /** Epoch milliseconds. */
  readonly clock: Clock;
  readonly #fileKey: string;
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #statements = new Map<string, Database.Statement>();
  readonly #rawStatements = new Map<string, Database.Statement>();
  #closing: Promise<void> | undefined;

  /** Wraps `db` over `database`; `fileKey` names the database file (its real path) for the write lock. */
  constructor(db: Kysely<SqlDatabase>, database: Database.Database, clock: Clock, fileKey: string) {
    this.db = db;
    this.database = database;
    this.clock = clock;
    this.#fileKey = fileKey;
  }

  /**
   * The prepared statement for `sql`, prepared on first use and kept (up to a few hundred, the
   * least recently prepared dropped first). `raw` statements give rows as arrays of values.
   */
  statement(sql: string, raw = false): Database.Statement {
    const cache = raw ? this.#rawStatements : this.#statements;
    let statement = cache.get(sql);
    if (statement === undefined) {
      statement = this.database.prepare(sql);
      if (raw) statement.raw(true);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(sql, statement);
    }
    return statement;
  }

  /** Runs one synchronous store call (nothing to wait for at close: it is over when it returns). */
  read<T>(operation: string, body: () => T): Promise<T> {
    if (this.#closing !== undefined) return Promise.reject(storeClosed());
    try {
      return Promise.resolve(body());
    } catch (error) {
      return Promise.reject(failureOf(operation, error));
    }
  }

  /** Runs one store call. */
  run<T>(operation: string, body: () => T | Promise<T>): Promise<T> {
    if (this.#closing !== undefined) return Promise.reject(storeClosed());
    const call = (async () => body())().catch((error: unknown) => {
      throw failureOf(operation, error);
    });
    this.#inflight.add(call);
    const forget = (): void => {
      this.#inflight.delete(call);
    };
    call.then(forget, forget);
    return call;
  }

  /** Runs one store call that writes, under the file's write lock. */
  write<T>(operation: string, body: () => T | Promise<T>): Promise<T> {
    return this.run(operation, () => withFileLock(this.#fileKey, async () => body()));
  }

  /** Refuses new calls, waits for those in flight, then closes the connection. */
  close(): Promise<void> {
    this.#closing ??= Promise.allSettled([...this.#inflight]).then(() => {
      this.#statements.clear();
      this.#rawStatements.clear();
      return this.db.destroy();
    });
    return this.#closing;
  }
}

/** Carries an error of the caller's own code (a change function) past the `KTS_ERR_STORE_IO` wrapping. */
class CallerError {
  constructor(readonly error: unknown) {}
}

/** What a failed call rejects with: the caller's own error unchanged, ours as they are, the back end's as `KTS_ERR_STORE_IO`. */
function failureOf(operation: string, error: unknown): unknown {
  return error instanceof CallerError ? error.error : storeIo(operation, error);
}

/** Calls the caller's `body`; whatever it throws reaches the caller unchanged. */
export function callerCode<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    throw new CallerError(error);
  }
}

/** Runs `body` holding the in-process write lock of the database file `fileKey`. */
export function withFileLock<T>(fileKey: string, body: () => Promise<T>): Promise<T> {
  return fileLocks.run(fileKey, body);
}
