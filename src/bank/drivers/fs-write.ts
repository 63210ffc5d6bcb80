/**
 * The content write of the filesystem driver's put: streams a body into an open file while
 * computing its md5 and sha256 (the sidecar's two digests, `fs-layout.ts`), with the hashing
 * (on this thread) overlapping the writes (on libuv's thread pool).
 *
 * Chunks are hashed as they arrive and gathered into batches of {@link BATCH_BYTES}, each
 * written with one positional `writev` (no copy) while the next batch is hashed; at most
 * {@link IN_FLIGHT_BYTES} are being written at any time, so memory stays bounded whatever the
 * object's size. The earlier shape — hash a chunk, then await its write, then pull the next —
 * left the disk idle while md5 ran and the CPU idle while the disk wrote.
 *
 * Measured alternative, not taken: hashing in `worker_threads` workers (chunks copied into a
 * `SharedArrayBuffer` ring, a worker hashing while this thread writes). On the 2-core bench
 * machine it was at most 5–10% faster than this overlap with 8 puts at once, slower for one put
 * under load (md5 stays one sequential stream per object, and the I/O needs the second core),
 * and cost 23–31 MiB more peak RSS (the workers' V8 isolates and the rings); see docs/banks.md.
 *
 * Like every driver that reads ahead, this keeps references to the body's chunks until they are
 * written: a body must not modify a chunk after yielding it.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { ObjectBody } from '../../core/bank-section.js';
import { ValidationError } from '../../core/errors.js';
import { sourceOf } from '../internal/body.js';

/** Chunks are gathered into writes of at least this many bytes (or the rest, at the end). */
export const BATCH_BYTES = 1024 * 1024;

/** At most this many bytes are being written at once (then the body is not read further). */
export const IN_FLIGHT_BYTES = 8 * 1024 * 1024;

/** What {@link writeHashed} wrote. */
export interface HashedContent {
  /** md5 of the content, hex. */
  readonly etag: string;
  /** sha256 of the content, hex. */
  readonly sha256: string;
  /** Bytes written. */
  readonly size: number;
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  throw new ValidationError(`Object bodies must yield bytes (Uint8Array), got a ${typeof chunk} chunk`, {
    code: 'KTS_ERR_VALIDATION',
  });
}

/** Writes `buffers` (`length` bytes in all) at `position`, finishing any short write. */
async function writeAt(handle: FileHandle, buffers: Uint8Array[], length: number, position: number): Promise<void> {
  let done = 0;
  let pending = buffers;
  for (;;) {
    const { bytesWritten } = pending.length === 1 ? await handle.write(pending[0]!, 0, pending[0]!.length, position + done) : await handle.writev(pending, position + done);
    done += bytesWritten;
    if (done >= length) return;
    // A short write (rare on a regular file): skip what was written and go on.
    let skip = bytesWritten;
    const rest: Uint8Array[] = [];
    for (const buffer of pending) {
      if (skip >= buffer.length) skip -= buffer.length;
      else {
        rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
        skip = 0;
      }
    }
    pending = rest;
  }
}

/**
 * Streams `body` into `handle` from offset 0 and answers its md5, sha256 and size. An aborted `signal`
 * stops reading the body and rejects with the pipeline's `AbortError`; a failing body or write
 * rejects with its error. Either way it returns only once no write is running, so the caller
 * may close the handle and remove the file at once.
 */
export async function writeHashed(handle: FileHandle, body: ObjectBody, signal?: AbortSignal): Promise<HashedContent> {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  let size = 0;
  let batch: Uint8Array[] = [];
  let batched = 0;
  let inFlight = 0;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const writes = new Set<Promise<void>>();

  const flush = (): void => {
    const buffers = batch;
    const length = batched;
    const position = size - batched;
    batch = [];
    batched = 0;
    inFlight += length;
    const write: Promise<void> = writeAt(handle, buffers, length, position)
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => {
        inFlight -= length;
        writes.delete(write);
        const waiting = wake;
        wake = undefined;
        waiting?.();
      });
    writes.add(write);
  };

  const sink = async (source: AsyncIterable<unknown>): Promise<void> => {
    for await (const chunk of source) {
      if (failure !== undefined) throw failure.error;
      const bytes = toBytes(chunk);
      if (bytes.length === 0) continue;
      md5.update(bytes);
      sha256.update(bytes);
      size += bytes.length;
      batch.push(bytes);
      batched += bytes.length;
      if (batched < BATCH_BYTES) continue;
      flush();
      while (inFlight > IN_FLIGHT_BYTES && failure === undefined) await new Promise<void>((resolve) => (wake = resolve));
    }
    if (batched > 0) flush();
  };

  try {
    await pipeline(sourceOf(body), sink, signal === undefined ? {} : { signal });
  } finally {
    // Never leave a write running on a handle the caller is about to close.
    while (writes.size > 0) await Promise.all(writes);
  }
  if (failure !== undefined) throw failure.error;
  return { etag: md5.digest('hex'), sha256: sha256.digest('hex'), size };
}
