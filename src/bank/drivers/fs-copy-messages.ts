/**
 * The messages between the filesystem driver's copy worker pool (`fs-copy-pool.ts`) and its
 * worker threads (`fs-copy-worker.ts`): what a worker is started with, the jobs (an object
 * copy, a hash), and how a job ended.
 *
 * @module
 */

/**
 * What `O_DIRECT` writes are aligned to, in bytes: their file offset, length and buffer
 * address. 4 KiB covers the logical block size of common devices (512 B or 4 KiB).
 */
export const DIRECT_IO_ALIGNMENT = 4096;

/** What the pool gives a worker at start (`workerData`). */
export interface CopyWorkerData {
  /** One `Int32Array` element: non-zero asks the running job to stop. */
  readonly stop: SharedArrayBuffer;
  /** The size of the worker's reused buffer: the most bytes it reads or writes at once (a multiple of {@link DIRECT_IO_ALIGNMENT}). */
  readonly chunkBytes: number;
  /** Write the copies with `O_DIRECT`, bypassing the page cache, where the filesystem allows it. */
  readonly direct: boolean;
  /** The sidecar's name (`%meta.json`). */
  readonly metaFile: string;
  /** The prefix of content files (`%v-`). */
  readonly dataPrefix: string;
  /** How often the source's sidecar is read again when its content vanished (a concurrent write). */
  readonly readRetries: number;
  /** How often the temporary file is tried again when its directory vanished (a concurrent delete). */
  readonly createRetries: number;
}

/** One object copy: every path absolute, every name decided by the main thread. */
export interface CopyJob {
  /** The source object directory. */
  readonly source: string;
  /** The destination root: the limit of directory pruning and syncing. */
  readonly root: string;
  /** The destination object directory. */
  readonly directory: string;
  /** The destination key, as recorded in the sidecar. */
  readonly key: string;
  /** The new version. */
  readonly version: string;
  /** The temporary content file. */
  readonly temp: string;
  /** The temporary sidecar. */
  readonly sidecarTemp: string;
  /** The md5 the bytes must have. */
  readonly etag?: string;
  /** `ifNoneMatch: '*'`. */
  readonly ifNoneMatch: boolean;
  /** `ifMatch`. */
  readonly ifMatch?: string;
  /** The metadata to record. */
  readonly metadata: Readonly<Record<string, string>>;
  /** fsync the content, the sidecar and the directories. */
  readonly durable: boolean;
}

/** One hash: read the current content of the object in `source` and answer its sha256 (`BankDriver.hashObject`). */
export interface HashJob {
  readonly kind: 'hash';
  /** The object directory. */
  readonly source: string;
}

/** A job as posted. */
export interface CopyJobMessage {
  /** Matches the answer to the job. */
  readonly id: number;
  readonly job: CopyJob | HashJob;
}

/** Why a job failed (nothing committed, nothing left behind). */
export type CopyFailure =
  /** The bytes read do not match the sha256 (or the size) the source's sidecar recorded. */
  | { readonly kind: 'damaged'; readonly check: 'sha256' | 'size'; readonly expected: string; readonly actual: string }
  /** The source has no sidecar. */
  | { readonly kind: 'source-missing' }
  /** The source's content file stayed missing. */
  | { readonly kind: 'source-content-missing' }
  /** A sidecar (the source's, or the destination's at the commit) is not a valid one. */
  | { readonly kind: 'unreadable'; readonly phase: 'source' | 'copy'; readonly path: string; readonly text: string }
  /** The bytes hash to `etag`, not to the expected md5. */
  | { readonly kind: 'integrity'; readonly etag: string }
  /** A condition failed against the current version. */
  | { readonly kind: 'precondition'; readonly condition: string }
  /** A filesystem call failed, while finding the source or afterwards. */
  | { readonly kind: 'error'; readonly phase: 'source' | 'copy'; readonly message: string; readonly code?: string };

/** How a job ended. */
export type CopyOutcome =
  | { readonly done: { readonly etag: string; readonly size: number; readonly lastModified: string } }
  /** A hash job's answer. */
  | { readonly hashed: { readonly version: string; readonly size: number; readonly sha256: string } }
  | { readonly stopped: true }
  | { readonly failure: CopyFailure };

/** The answer to a job. */
export type CopyAnswerMessage = { readonly id: number } & CopyOutcome;
