/**
 * What the SQLite collections and lease table share: the Kysely instance, the clock, and the
 * two wrappers every call goes through. `run` refuses calls after `close()`, tracks calls in
 * flight (so `close()` can wait for them) and turns back-end failures into `KTS_ERR_STORE_IO`.
 * `write` also holds the database file's in-process write lock, so that two stores on one file
 * in one process never block each other inside SQLite (better-sqlite3 is synchronous: waiting
 * there for a transaction of the same thread would stall until the busy timeout).
 *
 * @module
 */
import type { Kysely } from 'kysely';
import { storeClosed, storeIo } from '../errors.js';
import type { SqlDatabase } from '../sqlite-columns.js';
import type { Clock } from './clock.js';
import { KeyedMutex } from '../../core/keyed-mutex.js';

/** One write lock per database file in this process. */
const fileLocks = new KeyedMutex();

/** The shared state of one SQLite store. */
export class SqliteContext {
  /** The query builder over the store's connection. */
  readonly db: Kysely<SqlDatabase>;
  /** Epoch milliseconds. */
  readonly clock: Clock;
  readonly #fileKey: string;
  readonly #inflight = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;

  /** Wraps `db`; `fileKey` names the database file (its real path) for the write lock. */
  constructor(db: Kysely<SqlDatabase>, clock: Clock, fileKey: string) {
    this.db = db;
    this.clock = clock;
    this.#fileKey = fileKey;
  }

  /** Runs one store call. */
  run<T>(operation: string, body: () => Promise<T>): Promise<T> {
    if (this.#closing !== undefined) return Promise.reject(storeClosed());
    const call = body().catch((error: unknown) => {
      throw error instanceof CallerError ? error.error : storeIo(operation, error);
    });
    this.#inflight.add(call);
    const forget = (): void => {
      this.#inflight.delete(call);
    };
    call.then(forget, forget);
    return call;
  }

  /** Runs one store call that writes, under the file's write lock. */
  write<T>(operation: string, body: () => Promise<T>): Promise<T> {
    return this.run(operation, () => withFileLock(this.#fileKey, body));
  }

  /** Refuses new calls, waits for those in flight, then closes the connection. */
  close(): Promise<void> {
    this.#closing ??= Promise.allSettled([...this.#inflight]).then(() => this.db.destroy());
    return this.#closing;
  }
}

/** Carries an error of the caller's own code (a change function) past the `KTS_ERR_STORE_IO` wrapping. */
class CallerError {
  constructor(readonly error: unknown) {}
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
