/**
 * What a copy worker thread of the filesystem driver runs (see `fs-copy-pool.ts`): the script
 * and the messages it exchanges with the pool.
 *
 * A job names two file descriptors the main thread opened (file descriptors belong to the
 * process, so a worker thread can use them): the source content file and the destination's
 * temporary file. The worker loops synchronous positional `read` → md5 `update` → positional
 * `write` over one reused buffer until the end of the source, and answers the md5 and size of
 * what it wrote. Before each chunk it looks at its stop flag (a shared `Int32Array` the pool
 * raises to abort a job) and, when raised, answers `stopped` instead. It never opens or closes
 * a file: the main thread owns both descriptors, and closes them only after the answer.
 *
 * The script is evaluated (`new Worker(source, { eval: true })`), so it needs no file of its
 * own in the build, and works the same under tsx and from `dist`.
 *
 * @module
 */

/** What the pool gives a worker at start (`workerData`). */
export interface CopyWorkerData {
  /** One `Int32Array` element: non-zero asks the running job to stop. */
  readonly stop: SharedArrayBuffer;
  /** The size of the worker's reused buffer: the most bytes it reads or writes at once. */
  readonly chunkBytes: number;
}

/** A job: copy everything from `input` (from offset 0) into `output` (from offset 0). */
export interface CopyJobMessage {
  /** Matches the answer to the job. */
  readonly id: number;
  /** The source file descriptor (open for reading). */
  readonly input: number;
  /** The destination file descriptor (open for writing, empty). */
  readonly output: number;
}

/** The answer to a job: the md5 and size of what was written, a stop, or a failure. */
export interface CopyAnswerMessage {
  /** The job's id. */
  readonly id: number;
  /** md5 of the bytes written, hex (when done). */
  readonly etag?: string;
  /** Bytes written (when done). */
  readonly size?: number;
  /** The job saw its stop flag and gave up (some bytes may have been written). */
  readonly stopped?: boolean;
  /** A read or write failed (some bytes may have been written). */
  readonly error?: { readonly message: string; readonly code?: string };
}

/** The worker's script (CommonJS, evaluated). */
export const COPY_WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { readSync, writeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const stop = new Int32Array(workerData.stop);
const buffer = Buffer.allocUnsafeSlow(workerData.chunkBytes);
parentPort.on('message', ({ id, input, output }) => {
  try {
    const md5 = createHash('md5');
    let size = 0;
    for (;;) {
      if (Atomics.load(stop, 0) !== 0) {
        parentPort.postMessage({ id, stopped: true });
        return;
      }
      const read = readSync(input, buffer, 0, buffer.length, size);
      if (read === 0) break;
      md5.update(read === buffer.length ? buffer : buffer.subarray(0, read));
      for (let at = 0; at < read; ) at += writeSync(output, buffer, at, read - at, size + at);
      size += read;
    }
    parentPort.postMessage({ id, etag: md5.digest('hex'), size });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = error !== null && typeof error === 'object' && typeof error.code === 'string' ? error.code : undefined;
    parentPort.postMessage({ id, error: code === undefined ? { message } : { message, code } });
  }
});
`;
