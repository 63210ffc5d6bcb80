/**
 * The filesystem driver's bank-side copy (`BankDriver.copyFrom`): which drivers an fs driver
 * can copy from, and the copy of one object, done whole by a worker thread
 * (`fs-copy-worker.ts`, `fs-copy-pool.ts`) under the destination key's mutex.
 *
 * - **Sources**: fs drivers register themselves here; a driver copies from any registered one
 *   (this one, or another root, on any device — the bytes are read, not linked). A source lends
 *   only {@link FsCopySource.directoryOf}: where a key's object lives; the worker finds its
 *   current version as `get` does. Anything else (another kind of driver, a wrapper) is not a
 *   source, and the copy is declined.
 * - **Checked by sha256**: the worker checks the bytes it moves against the sha256 the
 *   source's sidecar recorded with the etag (sealed together, `fs-layout.ts`) rather than
 *   computing their md5: the same guarantee — the bytes are those whose md5 the etag is — for
 *   2.4× less CPU. Sources without it are md5-hashed as before.
 * - **Per object, on this thread**: three random names, the key's mutex, two messages, the
 *   answer turned into an {@link ObjectInfo} or the error `put` (or the source's `get`) would
 *   give. Everything on the filesystem — the source's sidecar and content, the directory, the
 *   temporary file, the bytes, the etag check, the conditions and the commit — happens in the
 *   worker with synchronous calls, which cost this thread nothing: 2,048 × 64 KiB went from
 *   ~0.6 ms of this thread per object (a dozen `fs/promises` calls, each a promise and most a
 *   `FileHandle`) to the figures in `docs/banks.md`.
 * - **Atomicity**: the mutex is held from before the job to its answer, so the conditions are
 *   checked against the version the commit replaces, as a put checks them. A put of the same key
 *   waits for the copy meanwhile (before, only for its commit).
 * - **A worker dying mid-job** (or `close()`): its files are tidied here, still under the mutex:
 *   temporary files removed; the new version kept if its sidecar was installed (the copy then
 *   succeeded), else its content file removed, with the directories left empty.
 * - **Direct writes** (`directCopies`, the default): the copy bypasses the page cache
 *   (`O_DIRECT`), falling back to buffered writes where the filesystem refuses it.
 * - **Chunk size**: 1 MiB for direct writes ({@link DIRECT_COPY_CHUNK_BYTES}); buffered,
 *   256 KiB, which the worker's read, md5 and write keep in the CPU cache: copying 64 × 8 MiB cost 1.16–1.24 CPU s with 256 KiB chunks, 1.21–1.29 with 64–128 KiB,
 *   1.48–1.52 with 1 MiB and 2.07–2.26 with 4 MiB (2-core machine, load average 9–11).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import type { ObjectDigest, ObjectInfo, PutObjectOptions } from '../../core/bank-section.js';
import type { KeyedMutex } from '../../core/keyed-mutex.js';
import type { BankDriver } from '../driver.js';
import { cancelled, integrityError, objectNotFound, preconditionFailed } from '../internal/errors.js';
import { CopyWorkerPool } from './fs-copy-pool.js';
import type { CopyFailure, CopyJob, CopyOutcome } from './fs-copy-messages.js';
import { CREATE_RETRIES, READ_RETRIES, ignoreMissing, pruneEmpty, readSidecar } from './fs-io.js';
import { DATA_PREFIX, META_FILE, TEMP_PREFIX, contentMissing, dataFile, infoOf, parseSidecar, unreadableSidecar, type Sidecar } from './fs-layout.js';

/** The buffer of each copy worker writing through the page cache: the most bytes it reads, hashes and writes at once. */
export const COPY_CHUNK_BYTES = 256 * 1024;

/**
 * The buffer of each copy worker writing with `O_DIRECT`: larger, since a direct write waits
 * for the device and costs per call, not per byte copied (2 GiB: 1.8–2.0 s with 1 MiB against
 * 2.0–3.2 s with 256 KiB, four workers, on the bench machine).
 */
export const DIRECT_COPY_CHUNK_BYTES = 1024 * 1024;

/** The copy worker pool never grows beyond this many threads. */
export const MAX_COPY_WORKERS = 4;

/**
 * The default size of the copy worker pool: two per available core (a worker waiting on the
 * device — every direct write does — leaves its core to another), at most
 * {@link MAX_COPY_WORKERS}.
 */
export function defaultCopyWorkers(): number {
  return Math.min(MAX_COPY_WORKERS, 2 * availableParallelism());
}

/** What an fs driver lends to fs drivers copying from it. */
export interface FsCopySource {
  /**
   * The object directory of `key` in this driver; throws what the driver's `get` would throw
   * for an invalid key.
   */
  directoryOf(key: string): string;
}

const sources = new WeakMap<BankDriver, FsCopySource>();

/** Declares `driver` an fs driver that others may copy from through `source`. */
export function registerCopySource(driver: BankDriver, source: FsCopySource): void {
  sources.set(driver, source);
}

/** The copy source of `driver`, or `undefined` when it is not a registered fs driver. */
export function copySourceOf(driver: BankDriver): FsCopySource | undefined {
  return sources.get(driver);
}

/** The destination driver, as a copy sees it. */
export interface CopyTarget {
  /** The driver's root. */
  readonly root: string;
  /** The driver's `durable` option. */
  readonly durable: boolean;
  /** The driver's `directCopies` option: copies bypass the page cache (`O_DIRECT`). */
  readonly direct: boolean;
  /** The driver's per-key mutex, shared with its puts and deletes. */
  readonly mutex: KeyedMutex;
  /** Turns a failure into the driver's coded error for `operation` on `key`. */
  classify(operation: string, key: string, error: unknown): Error;
}

/** The bank-side copies (and hashes, `hashObject`) of one fs driver, which closes it. */
export class BankSideCopier {
  readonly #workers: number;
  readonly #target: CopyTarget;
  #pool: CopyWorkerPool | undefined;

  /** A copier with at most `workers` threads (0: it takes no copy), started on first use. */
  constructor(workers: number, target: CopyTarget) {
    this.#workers = workers;
    this.#target = target;
  }

  /** Whether copies can be taken on (workers allowed, none has failed). */
  get usable(): boolean {
    return this.#workers > 0 && (this.#pool?.usable ?? true);
  }

  /**
   * Exactly `put(key, <the bytes of sourceKey>, options)` (see `BankDriver.copyFrom`), where
   * `directory` is `key`'s object directory here and `source` that of `sourceKey` in its driver.
   */
  copy(key: string, directory: string, source: string, sourceKey: string, options: PutObjectOptions): Promise<ObjectInfo> {
    const { signal } = options;
    const job: CopyJob = {
      source,
      root: this.#target.root,
      directory,
      key,
      version: randomUUID(),
      temp: join(directory, `${TEMP_PREFIX}${randomUUID()}`),
      sidecarTemp: join(directory, `${TEMP_PREFIX}${randomUUID()}`),
      ...(options.etag === undefined ? {} : { etag: options.etag }),
      ifNoneMatch: options.ifNoneMatch === '*',
      ...(options.ifMatch === undefined ? {} : { ifMatch: options.ifMatch }),
      metadata: { ...options.metadata },
      durable: options.durable ?? this.#target.durable,
    };
    return this.#target.mutex.run(key, async () => {
      if (signal?.aborted) throw cancelled('copy', key, signal);
      let outcome: CopyOutcome;
      try {
        outcome = await this.#workerPool().run(job, signal);
      } catch (error) {
        const committed = await tidy(job);
        if (committed !== undefined) return infoOf(committed);
        throw signal?.aborted ? cancelled('copy', key, signal) : this.#target.classify('copy', key, error);
      }
      if ('done' in outcome) {
        const { etag, size, lastModified } = outcome.done;
        return infoOf({ format: 1, key, version: job.version, size, etag, metadata: job.metadata, lastModified });
      }
      if ('hashed' in outcome) throw new Error('A copy job was answered as a hash job');
      throw 'stopped' in outcome ? cancelled('copy', key, signal) : this.#failure(job, sourceKey, outcome.failure, signal);
    });
  }

  /**
   * Exactly `BankDriver.hashObject(key)`, where `directory` is `key`'s object directory: the
   * current content read and hashed (sha256) by a worker, as `get` would find it; `undefined`
   * when no worker could run the job to its end. Reads take no mutex, as `get` does not.
   */
  async hash(key: string, directory: string, signal: AbortSignal | undefined): Promise<Omit<ObjectDigest, 'key'> | undefined> {
    if (signal?.aborted) throw cancelled('hash', key, signal);
    let outcome: CopyOutcome;
    try {
      outcome = await this.#workerPool().run({ kind: 'hash', source: directory }, signal);
    } catch {
      if (signal?.aborted) throw cancelled('hash', key, signal);
      // No worker ran the job to its end (one died, or the pool was closed): nothing says the
      // object is damaged, so decline, and the caller streams it.
      return undefined;
    }
    if ('hashed' in outcome) return outcome.hashed;
    if ('stopped' in outcome) throw cancelled('hash', key, signal);
    if ('done' in outcome) throw new Error('A hash job was answered as a copy job');
    throw sourceError(outcome.failure, key, this.#target.classify) ?? new Error(`A hash job failed as a copy would: ${outcome.failure.kind}`);
  }

  /** The worker pool, started on first use. */
  #workerPool(): CopyWorkerPool {
    this.#pool ??= new CopyWorkerPool(this.#workers, {
      chunkBytes: this.#target.direct ? DIRECT_COPY_CHUNK_BYTES : COPY_CHUNK_BYTES,
      direct: this.#target.direct,
      metaFile: META_FILE,
      dataPrefix: DATA_PREFIX,
      readRetries: READ_RETRIES,
      createRetries: CREATE_RETRIES,
    });
    return this.#pool;
  }

  /** Stops the worker threads (a later copy starts them again). */
  async close(): Promise<void> {
    await this.#pool?.close();
  }

  /** The error a put (or, about the source, its driver's `get`) would give for `failure`. */
  #failure(job: CopyJob, sourceKey: string, failure: CopyFailure, signal: AbortSignal | undefined): Error {
    const { classify } = this.#target;
    const aboutSource = sourceError(failure, sourceKey, classify);
    if (aboutSource !== undefined) return aboutSource;
    // Past the source, as in a put: a failure of a cancelled copy is its cancellation.
    if (signal?.aborted) return cancelled('copy', job.key, signal);
    switch (failure.kind) {
      case 'unreadable':
        return sidecarError(failure);
      case 'damaged':
        return integrityError(sourceKey, failure.expected, failure.actual, failure.check);
      case 'integrity':
        return integrityError(job.key, job.etag!, failure.etag);
      case 'precondition':
        return preconditionFailed(job.key, failure.condition);
      case 'error':
        return classify('copy', job.key, errnoError(failure));
      default:
        // The source's own failures were answered above.
        return new Error(`Unexpected copy failure: ${failure.kind}`);
    }
  }
}

/**
 * The error the source driver's `get` of `sourceKey` would give for a failure in finding or
 * reading the source; `undefined` for a failure past the source.
 */
function sourceError(failure: CopyFailure, sourceKey: string, classify: CopyTarget['classify']): Error | undefined {
  if (failure.kind === 'source-missing') return objectNotFound(sourceKey);
  if (failure.kind === 'source-content-missing') return contentMissing(sourceKey);
  if (failure.kind === 'unreadable' && failure.phase === 'source') return sidecarError(failure);
  if (failure.kind === 'error' && failure.phase === 'source') return classify('get', sourceKey, errnoError(failure));
  return undefined;
}

/** The filesystem error a worker reported. */
function errnoError(failure: Extract<CopyFailure, { kind: 'error' }>): Error {
  const error = new Error(failure.message);
  return failure.code === undefined ? error : Object.assign(error, { code: failure.code });
}

/** The error `parseSidecar` gives for an unreadable sidecar's text. */
function sidecarError(failure: Extract<CopyFailure, { kind: 'unreadable' }>): Error {
  try {
    parseSidecar(failure.text, failure.path);
  } catch (error) {
    return error as Error;
  }
  return unreadableSidecar(failure.path);
}

/**
 * After a worker died mid-job (still under the key's mutex): removes the job's temporary files;
 * answers the new version's sidecar when its commit went through, else removes its content file
 * and the directories left empty. Never throws; when the current sidecar cannot be read, the
 * content file stays (an orphan, as after a crash, which a delete removes).
 */
async function tidy(job: CopyJob): Promise<Sidecar | undefined> {
  await ignoreMissing(unlink(job.temp)).catch(() => undefined);
  await ignoreMissing(unlink(job.sidecarTemp)).catch(() => undefined);
  let current: Sidecar | undefined;
  try {
    current = await readSidecar(job.directory);
  } catch {
    return undefined;
  }
  if (current?.version === job.version) return current;
  await ignoreMissing(unlink(dataFile(job.directory, job.version))).catch(() => undefined);
  await pruneEmpty(job.root, job.directory).catch(() => undefined);
  return undefined;
}
