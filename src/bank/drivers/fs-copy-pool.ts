/**
 * The worker threads of the filesystem driver's bank-side copy: each runs one copy job at a
 * time (synchronous read → md5 → write over one reused buffer: `fs-copy-worker.ts`), so a copy
 * costs this thread two messages, whatever the object's size, and every core can hash.
 *
 * - **Lazy and bounded**: a worker starts when a job finds none idle and the pool is not full;
 *   jobs beyond the pool's size wait here, in order (cancelling a waiting job just drops it).
 * - **Never keeps the process alive**: a worker is referenced only while it runs a job.
 * - **Cancellation**: an aborted job's worker sees its stop flag before its next chunk and
 *   answers; the job settles only then, so its caller never closes a descriptor a worker is
 *   still using.
 * - **Failures**: a read or write error fails its job with the errno error. A worker that cannot
 *   start or dies fails its job and makes the pool {@link CopyWorkerPool.usable | unusable}
 *   (the driver then declines bank-side copies, and the caller streams) until it is closed.
 *
 * @module
 */
import { Worker } from 'node:worker_threads';
import { COPY_WORKER_SOURCE, type CopyAnswerMessage, type CopyJobMessage, type CopyWorkerData } from './fs-copy-worker.js';
import type { HashedContent } from './fs-write.js';

interface Job {
  readonly message: CopyJobMessage;
  readonly signal: AbortSignal | undefined;
  /** Settles the job's promise (once) and stops listening to its signal. */
  settle(outcome: { content: HashedContent } | { error: unknown }): void;
}

interface PoolWorker {
  readonly thread: Worker;
  /** The stop flag shared with the thread. */
  readonly stop: Int32Array;
  job: Job | undefined;
  /** The pool is terminating this worker. */
  closing: boolean;
}

function closedError(): Error {
  return new Error('The filesystem bank driver was closed while copying');
}

/** A bounded pool of copy worker threads; see the module documentation. */
export class CopyWorkerPool {
  readonly #size: number;
  readonly #chunkBytes: number;
  readonly #workers: PoolWorker[] = [];
  readonly #waiting: Job[] = [];
  #broken = false;
  #nextId = 0;

  /** A pool of at most `size` workers (≥ 1), each reading and writing `chunkBytes` at a time. */
  constructor(size: number, chunkBytes: number) {
    this.#size = size;
    this.#chunkBytes = chunkBytes;
  }

  /** False once a worker failed to start or died (until {@link CopyWorkerPool.close}). */
  get usable(): boolean {
    return !this.#broken;
  }

  /**
   * Copies everything from descriptor `input` into descriptor `output` (both from offset 0) on
   * a worker; resolves with the md5 and size written. Rejects with `signal.reason` once
   * cancelled (the worker has stopped by then), or with the read or write error. Both
   * descriptors stay open: the caller closes them after this settles.
   */
  copy(input: number, output: number, signal?: AbortSignal): Promise<HashedContent> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#broken) return Promise.reject(new Error('The copy workers of the filesystem bank driver are not running'));
    return new Promise<HashedContent>((resolve, reject) => {
      let settled = false;
      const job: Job = {
        message: { id: this.#nextId++, input, output },
        signal,
        settle: (outcome) => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          if ('content' in outcome) resolve(outcome.content);
          else reject(outcome.error);
        },
      };
      const onAbort = (): void => {
        const at = this.#waiting.indexOf(job);
        if (at !== -1) {
          this.#waiting.splice(at, 1);
          job.settle({ error: signal!.reason });
          return;
        }
        const worker = this.#workers.find((entry) => entry.job === job);
        if (worker !== undefined) Atomics.store(worker.stop, 0, 1);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(job);
      this.#dispatch();
    });
  }

  /** Stops every worker (running jobs fail, waiting ones are dropped); later jobs start new ones. */
  async close(): Promise<void> {
    for (const job of this.#waiting.splice(0)) job.settle({ error: closedError() });
    const workers = this.#workers.splice(0);
    for (const worker of workers) worker.closing = true;
    await Promise.all(workers.map((worker) => worker.thread.terminate()));
    this.#broken = false;
  }

  /** Hands waiting jobs to idle workers, starting workers while the pool is not full. */
  #dispatch(): void {
    while (this.#waiting.length > 0) {
      const worker = this.#workers.find((entry) => entry.job === undefined) ?? this.#start();
      if (worker === undefined) return;
      const job = this.#waiting.shift()!;
      worker.job = job;
      Atomics.store(worker.stop, 0, 0);
      worker.thread.ref();
      worker.thread.postMessage(job.message);
    }
  }

  /** A new worker, or `undefined` when the pool is full or broken. */
  #start(): PoolWorker | undefined {
    if (this.#broken || this.#workers.length >= this.#size) return undefined;
    const stop = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
    const workerData: CopyWorkerData = { stop, chunkBytes: this.#chunkBytes };
    let thread: Worker;
    try {
      // No execArgv: the worker runs plain JavaScript and needs no loader (tsx) of the parent.
      thread = new Worker(COPY_WORKER_SOURCE, { eval: true, workerData, execArgv: [] });
    } catch (error) {
      this.#broken = true;
      if (this.#workers.length === 0) for (const job of this.#waiting.splice(0)) job.settle({ error });
      return undefined;
    }
    const entry: PoolWorker = { thread, stop: new Int32Array(stop), job: undefined, closing: false };
    thread.unref();
    thread.on('message', (message: CopyAnswerMessage) => this.#answered(entry, message));
    let failure: unknown;
    thread.on('error', (error) => (failure ??= error));
    thread.on('exit', (code) => this.#exited(entry, failure ?? new Error(`A copy worker of the filesystem bank driver exited with code ${code}`)));
    this.#workers.push(entry);
    return entry;
  }

  #answered(entry: PoolWorker, message: CopyAnswerMessage): void {
    const job = entry.job;
    if (job === undefined || job.message.id !== message.id) return;
    entry.job = undefined;
    entry.thread.unref();
    if (message.error !== undefined) {
      const error = new Error(message.error.message);
      job.settle({ error: message.error.code === undefined ? error : Object.assign(error, { code: message.error.code }) });
    } else if (message.stopped === true) {
      job.settle({ error: job.signal?.reason ?? new Error('A copy job was stopped') });
    } else {
      job.settle({ content: { etag: message.etag!, size: message.size! } });
    }
    this.#dispatch();
  }

  /** A worker ended: its job fails; unless the pool closed it, the pool stops taking jobs. */
  #exited(entry: PoolWorker, error: unknown): void {
    const job = entry.job;
    entry.job = undefined;
    const at = this.#workers.indexOf(entry);
    if (at !== -1) this.#workers.splice(at, 1);
    if (entry.closing) {
      job?.settle({ error: closedError() });
      return;
    }
    this.#broken = true;
    job?.settle({ error });
    // Waiting jobs still run on the workers left; with none left, they fail.
    if (this.#workers.length === 0) for (const waiting of this.#waiting.splice(0)) waiting.settle({ error });
  }
}
