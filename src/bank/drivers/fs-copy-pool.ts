/**
 * The worker threads of the filesystem driver's bank-side copy: each runs one copy job at a
 * time (a whole object: find the source, temporary file, read → hash → write, commit —
 * `fs-copy-worker.ts`), so a copy costs this thread two messages, whatever the object's size,
 * and every core can hash.
 *
 * - **Lazy and bounded**: a worker starts when a job finds none idle and the pool is not full;
 *   jobs beyond the pool's size wait here, in order (cancelling a waiting job just drops it: it
 *   answers `stopped`, having done nothing).
 * - **Never keeps the process alive**: a worker is referenced only while it runs a job.
 * - **Cancellation**: an aborted job's worker sees its stop flag before its next step or chunk
 *   and answers (`stopped`, or `done` when its commit had begun); the job settles only then.
 * - **Failures**: a job's own failures are answers. A worker that cannot start or dies rejects
 *   its job (whatever it did stays; Node closes the descriptors it held) and makes the
 *   pool {@link CopyWorkerPool.usable | unusable} (the driver then declines bank-side copies,
 *   and the caller streams) until it is closed.
 *
 * @module
 */
import { Worker } from 'node:worker_threads';
import type { CopyAnswerMessage, CopyJob, CopyJobMessage, CopyOutcome, CopyWorkerData, HashJob } from './fs-copy-messages.js';
import { COPY_WORKER_SOURCE } from './fs-copy-worker.js';

/** The copy workers' V8 heap limits (MiB): small, since a job's JavaScript is a sidecar's parsing. */
const WORKER_HEAP_LIMITS = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 32 } as const;

/** What a worker needs besides its shared array (see {@link CopyWorkerData}). */
export type CopyWorkerSettings = Omit<CopyWorkerData, 'stop'>;

interface Job {
  readonly message: CopyJobMessage;
  readonly signal: AbortSignal | undefined;
  /** Settles the job's promise (once) and stops listening to its signal. */
  settle(outcome: { answer: CopyOutcome } | { error: unknown }): void;
}

interface PoolWorker {
  readonly thread: Worker;
  /** The stop flag shared with the thread. */
  readonly stop: Int32Array;
  job: Job | undefined;
  /** The pool is terminating this worker. */
  closing: boolean;
}

const STOPPED: CopyOutcome = Object.freeze({ stopped: true as const });

function closedError(): Error {
  return new Error('The filesystem bank driver was closed while copying');
}

/** A bounded pool of copy worker threads; see the module documentation. */
export class CopyWorkerPool {
  readonly #size: number;
  readonly #settings: CopyWorkerSettings;
  readonly #workers: PoolWorker[] = [];
  readonly #waiting: Job[] = [];
  #broken = false;
  #nextId = 0;

  /** A pool of at most `size` workers (≥ 1), started with `settings`. */
  constructor(size: number, settings: CopyWorkerSettings) {
    this.#size = size;
    this.#settings = settings;
  }

  /** False once a worker failed to start or died (until {@link CopyWorkerPool.close}). */
  get usable(): boolean {
    return !this.#broken;
  }

  /**
   * Runs `job` on a worker; resolves with its answer (`stopped` once `signal` aborted it, before
   * or while it ran). Rejects when no worker could run it to its end (the pool is broken or
   * closed, or the worker died): the job may then have left files behind.
   */
  run(job: CopyJob | HashJob, signal?: AbortSignal): Promise<CopyOutcome> {
    if (signal?.aborted) return Promise.resolve(STOPPED);
    if (this.#broken) return Promise.reject(new Error('The copy workers of the filesystem bank driver are not running'));
    return new Promise<CopyOutcome>((resolve, reject) => {
      let settled = false;
      const entry: Job = {
        message: { id: this.#nextId++, job },
        signal,
        settle: (outcome) => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          if ('answer' in outcome) resolve(outcome.answer);
          else reject(outcome.error);
        },
      };
      const onAbort = (): void => {
        const at = this.#waiting.indexOf(entry);
        if (at !== -1) {
          this.#waiting.splice(at, 1);
          entry.settle({ answer: STOPPED });
          return;
        }
        const worker = this.#workers.find((candidate) => candidate.job === entry);
        if (worker !== undefined) Atomics.store(worker.stop, 0, 1);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(entry);
      this.#dispatch();
    });
  }

  /** Stops every worker (running jobs reject, waiting ones too); later jobs start new ones. */
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
    const workerData: CopyWorkerData = { ...this.#settings, stop };
    let thread: Worker;
    try {
      // No execArgv: the worker runs plain JavaScript and needs no loader (tsx) of the parent.
      // trackUnmanagedFds (Node's default, made explicit): a terminated worker's files close.
      // resourceLimits: a job allocates a sidecar's worth of JavaScript; V8's default heaps cost
      // a pool of four ~10 MiB of RSS more (copy bench peak 121 → 111 MiB), for no speed.
      thread = new Worker(COPY_WORKER_SOURCE, { eval: true, workerData, execArgv: [], trackUnmanagedFds: true, resourceLimits: WORKER_HEAP_LIMITS });
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
    job.settle({ answer: message });
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
