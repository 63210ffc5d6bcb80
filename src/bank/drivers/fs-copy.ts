/**
 * The content half of the filesystem driver's bank-side copy (`BankDriver.copyFrom`): which
 * drivers an fs driver can copy from, and how the bytes of an opened content file reach a
 * temporary file with their md5. The driver (`fs.ts`) does the rest exactly as for a put: the
 * temporary file, the etag check, the conditions, the commit and the clean-up.
 *
 * - **Sources**: fs drivers register themselves here; a driver copies from any registered one
 *   (this one, or another root, on any device — the bytes are read, not linked). A source lends
 *   only {@link FsCopySource.openContent}: the open content file of a key's current version,
 *   found as its `get` finds it. Anything else (another kind of driver, a wrapper) is not a
 *   source, and the copy is declined.
 * - **Bytes**: every object goes to the worker pool (`fs-copy-pool.ts`): synchronous read →
 *   md5 → write in {@link COPY_CHUNK_BYTES} chunks, so memory stays bounded whatever the
 *   object's size and the bytes never cross this thread. Small objects too: copying them here
 *   (as a put writes them) was measured no faster — 2,048 × 64 KiB took 4.5–7.8 s here against
 *   4.4–4.9 s through the workers, 512 × 512 KiB 2.7–2.8 s against 2.7–3.8 s, on a 2-core
 *   machine at load average 9–11 — since their cost is the per-object filesystem calls, which
 *   stay on this thread either way.
 * - **Chunk size**: 256 KiB, which the worker's read, md5 and write keep in the CPU cache:
 *   copying 64 × 8 MiB cost 1.16–1.24 CPU s with 256 KiB chunks, 1.21–1.29 with 64–128 KiB,
 *   1.48–1.52 with 1 MiB and 2.07–2.26 with 4 MiB (same machine and load).
 *
 * @module
 */
import type { FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { BankDriver } from '../driver.js';
import { CopyWorkerPool } from './fs-copy-pool.js';
import type { HashedContent } from './fs-write.js';

/** The buffer of each copy worker: the most bytes it reads, hashes and writes at once. */
export const COPY_CHUNK_BYTES = 256 * 1024;

/** The copy worker pool never grows beyond this many threads. */
export const MAX_COPY_WORKERS = 4;

/**
 * The default size of the copy worker pool: one more than the available cores (a worker
 * waiting on the disk leaves its core to another), at most {@link MAX_COPY_WORKERS}.
 */
export function defaultCopyWorkers(): number {
  return Math.min(MAX_COPY_WORKERS, availableParallelism() + 1);
}

/** What an fs driver lends to fs drivers copying from it. */
export interface FsCopySource {
  /**
   * Opens the content file of `key`'s current version for reading (the caller closes it);
   * throws what the driver's `get` would throw for it (`KTS_ERR_BANK_OBJECT_NOT_FOUND` when
   * absent).
   */
  openContent(key: string): Promise<FileHandle>;
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

/** Copies opened content into a driver's temporary files; one per fs driver, which closes it. */
export class ContentCopier {
  readonly #workers: number;
  #pool: CopyWorkerPool | undefined;

  /** A copier with at most `workers` threads (0: it takes no copy), started on first use. */
  constructor(workers: number) {
    this.#workers = workers;
  }

  /** Whether copies can be taken on (workers allowed, none has failed). */
  get usable(): boolean {
    return this.#workers > 0 && (this.#pool?.usable ?? true);
  }

  /**
   * Writes everything in `input` (from offset 0 to its end) into `output` (an empty file) and
   * answers its md5 and size; both stay open.
   * An aborted `signal` rejects once nothing is writing to `output` any more.
   */
  copy(input: FileHandle, output: FileHandle, signal?: AbortSignal): Promise<HashedContent> {
    this.#pool ??= new CopyWorkerPool(this.#workers, COPY_CHUNK_BYTES);
    return this.#pool.copy(input.fd, output.fd, signal);
  }

  /** Stops the worker threads (a later copy starts them again). */
  async close(): Promise<void> {
    await this.#pool?.close();
  }
}
