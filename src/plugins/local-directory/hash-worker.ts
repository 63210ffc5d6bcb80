/**
 * Hashing off the main thread. Node hashes on the thread that calls `update`, so a verify that
 * re-hashes every byte, or a protect that hashes every byte twice (our md5 and sha256) beside
 * the bank's own md5, is bound by one core. By DESIGN.md's speed notes (md5 0.8 GiB/s, sha256
 * 1.9 GiB/s per core) a pool of worker threads doing the hashing frees the main thread for the
 * I/O and lets every core hash.
 *
 * - **Pool**: one worker per available core (at most {@link MAX_WORKERS}), created on first use,
 *   referenced only while a job runs (so they never keep a process alive). A job (one stream)
 *   stays on one worker — a hash is sequential — and goes to the worker with the fewest jobs.
 * - **No per-chunk messages, no per-chunk allocations**: each job owns a small ring of
 *   {@link SLOTS} shared-memory slots of {@link SLOT_BYTES}. Chunks are copied into the current
 *   slot (one `memcpy`, far cheaper than hashing them); a full slot is handed to the worker by
 *   index, and comes back free once hashed. Memory is bounded: a job holds at most one ring
 *   (rings are reused), and a stream waits for a free slot instead of queueing bytes.
 * - **Fallback**: on a single core, or if a worker cannot start or dies, hashing happens on this
 *   thread (a job in flight on a dying worker fails with the worker's error).
 *
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ContentDigest, HashingOptions } from './hashing.js';

/** Bytes per shared-memory slot: one message to the worker per slot. */
const SLOT_BYTES = 256 * 1024;
/** Slots per job: how far the stream may run ahead of the worker. */
const SLOTS = 8;
/** The pool never grows beyond this many workers. */
const MAX_WORKERS = 4;
/** Free rings kept for reuse. */
const SPARE_RINGS = 16;

const SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const jobs = new Map();
parentPort.on('message', (message) => {
  const { type, id } = message;
  if (type === 'start') {
    jobs.set(id, {
      view: new Uint8Array(message.ring),
      md5: message.md5 ? createHash('md5') : undefined,
      sha256: message.sha256 ? createHash('sha256') : undefined,
    });
  } else if (type === 'slot') {
    const job = jobs.get(id);
    if (job !== undefined) {
      const bytes = job.view.subarray(message.offset, message.offset + message.length);
      if (job.md5 !== undefined) job.md5.update(bytes);
      if (job.sha256 !== undefined) job.sha256.update(bytes);
    }
    parentPort.postMessage({ type: 'ack', id, slot: message.slot });
  } else if (type === 'end') {
    const job = jobs.get(id);
    jobs.delete(id);
    parentPort.postMessage({
      type: 'digest',
      id,
      md5: job !== undefined && job.md5 !== undefined ? job.md5.digest('hex') : '',
      sha256: job !== undefined && job.sha256 !== undefined ? job.sha256.digest('hex') : '',
    });
  } else {
    jobs.delete(id);
  }
});
`;

interface Message {
  readonly type: 'ack' | 'digest';
  readonly id: number;
  readonly slot?: number;
  readonly md5?: string;
  readonly sha256?: string;
}

/** What a job needs from its worker's messages. */
interface JobHandle {
  acked(slot: number): void;
  digested(md5: string, sha256: string): void;
  failed(error: Error): void;
}

interface PoolWorker {
  readonly thread: Worker;
  readonly jobs: Map<number, JobHandle>;
}

const workers: PoolWorker[] = [];
const spareRings: SharedArrayBuffer[] = [];
let broken = false;
let nextId = 0;

function poolSize(): number {
  return Math.min(MAX_WORKERS, availableParallelism());
}

function startWorker(): PoolWorker | undefined {
  let thread: Worker;
  try {
    thread = new Worker(SOURCE, { eval: true });
  } catch {
    broken = true;
    return undefined;
  }
  const entry: PoolWorker = { thread, jobs: new Map() };
  thread.on('message', (message: Message) => {
    const job = entry.jobs.get(message.id);
    if (job === undefined) return;
    if (message.type === 'ack') job.acked(message.slot!);
    else job.digested(message.md5!, message.sha256!);
  });
  let dead = false;
  const die = (error: unknown): void => {
    if (dead) return;
    dead = true;
    broken = true;
    const at = workers.indexOf(entry);
    if (at !== -1) workers.splice(at, 1);
    const failure = error instanceof Error ? error : new Error(`A hashing worker stopped (${String(error)})`);
    for (const job of entry.jobs.values()) job.failed(failure);
    entry.jobs.clear();
  };
  thread.on('error', die);
  thread.on('exit', (code) => die(new Error(`A hashing worker exited with code ${code}`)));
  thread.unref();
  workers.push(entry);
  return entry;
}

/** The worker for a new job (the least busy; a new one while the pool is not full), or `undefined` to hash here. */
function pickWorker(): PoolWorker | undefined {
  if (broken || poolSize() < 2) return undefined;
  const idle = workers.find((entry) => entry.jobs.size === 0);
  if (idle !== undefined) return idle;
  if (workers.length < poolSize()) return startWorker() ?? workers[0];
  return workers.reduce((least, entry) => (entry.jobs.size < least.jobs.size ? entry : least));
}

/** Which hashes a job computes. */
interface Algorithms {
  readonly md5: boolean;
  readonly sha256: boolean;
}

/** One stream being hashed: feed it bytes in order, then finish it (or drop it). */
interface HashJob {
  /** Takes a copy of `bytes`; returns a promise only when the caller must wait for room. */
  push(bytes: Uint8Array): Promise<void> | undefined;
  /** The digests of everything pushed. */
  finish(): Promise<{ md5: string; sha256: string }>;
  /** Abandons the job (idempotent; a finished job is left alone). */
  drop(): void;
}

function localJob(algorithms: Algorithms): HashJob {
  const md5: Hash | undefined = algorithms.md5 ? createHash('md5') : undefined;
  const sha256: Hash | undefined = algorithms.sha256 ? createHash('sha256') : undefined;
  return {
    push(bytes) {
      md5?.update(bytes);
      sha256?.update(bytes);
      return undefined;
    },
    async finish() {
      return { md5: md5?.digest('hex') ?? '', sha256: sha256?.digest('hex') ?? '' };
    },
    drop() {},
  };
}

function workerJob(entry: PoolWorker, algorithms: Algorithms): HashJob {
  const id = nextId++;
  const ring = spareRings.pop() ?? new SharedArrayBuffer(SLOTS * SLOT_BYTES);
  const view = new Uint8Array(ring);
  const free: number[] = Array.from({ length: SLOTS - 1 }, (_, at) => at + 1);
  let slot = 0;
  let fill = 0;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  let settle: { resolve: (digest: { md5: string; sha256: string }) => void; reject: (error: Error) => void } | undefined;
  let closed = false;

  const release = (): void => {
    if (closed) return;
    closed = true;
    entry.jobs.delete(id);
    if (entry.jobs.size === 0) entry.thread.unref();
  };
  const recycle = (): void => {
    if (spareRings.length < SPARE_RINGS) spareRings.push(ring);
  };
  entry.jobs.set(id, {
    acked(done) {
      free.push(done);
      const waiting = wake;
      wake = undefined;
      waiting?.();
    },
    digested(md5, sha256) {
      release();
      recycle();
      settle?.resolve({ md5, sha256 });
    },
    failed(error) {
      failure = error;
      release();
      const waiting = wake;
      wake = undefined;
      waiting?.();
      settle?.reject(error);
    },
  });
  entry.thread.ref();
  entry.thread.postMessage({ type: 'start', id, ring, md5: algorithms.md5, sha256: algorithms.sha256 });

  const send = (): void => {
    entry.thread.postMessage({ type: 'slot', id, slot, offset: slot * SLOT_BYTES, length: fill });
    fill = 0;
    slot = -1;
  };
  /** Copies `bytes` from `offset` on, waiting for free slots as needed. */
  const copyFrom = async (bytes: Uint8Array, offset: number): Promise<void> => {
    while (offset < bytes.length) {
      if (failure !== undefined) throw failure;
      if (slot === -1) {
        while (free.length === 0 && failure === undefined) await new Promise<void>((resolve) => (wake = resolve));
        if (failure !== undefined) throw failure;
        slot = free.shift()!;
      }
      const take = Math.min(SLOT_BYTES - fill, bytes.length - offset);
      view.set(bytes.subarray(offset, offset + take), slot * SLOT_BYTES + fill);
      fill += take;
      offset += take;
      if (fill === SLOT_BYTES) send();
    }
  };

  return {
    push(bytes) {
      if (failure !== undefined) return Promise.reject(failure);
      // The common case — the chunk fits the current slot — stays synchronous.
      if (slot !== -1 && bytes.length < SLOT_BYTES - fill) {
        view.set(bytes, slot * SLOT_BYTES + fill);
        fill += bytes.length;
        return undefined;
      }
      return copyFrom(bytes, 0);
    },
    finish() {
      if (failure !== undefined) return Promise.reject(failure);
      const result = new Promise<{ md5: string; sha256: string }>((resolve, reject) => (settle = { resolve, reject }));
      if (fill > 0) send();
      entry.thread.postMessage({ type: 'end', id });
      return result;
    },
    drop() {
      if (closed || settle !== undefined) return;
      entry.thread.postMessage({ type: 'drop', id });
      release();
      // The worker may still read slots in flight: the ring is not reused.
    },
  };
}

/** Starts hashing one stream, on a worker thread when one can run, otherwise here. */
function startJob(algorithms: Algorithms): HashJob {
  const entry = pickWorker();
  return entry === undefined ? localJob(algorithms) : workerJob(entry, algorithms);
}

/** A pass-through stage whose md5 and sha256 are computed by the pool; the result is awaited. */
export interface OffThreadHashing {
  /** The bytes of the source, unchanged; consume it to the end. */
  readonly stream: AsyncGenerator<Uint8Array>;
  /** The digest of everything that passed (after the end). */
  result(): Promise<ContentDigest>;
}

/**
 * Like `hashingStream(source, { md5: true })`, but hashed by the worker pool when it can run
 * (more than one CPU); otherwise on this thread.
 */
export function hashOffThread(source: AsyncIterable<unknown> | Iterable<unknown>, options: Pick<HashingOptions, 'onBytes'> = {}): OffThreadHashing {
  let size = 0;
  let finished: Promise<{ md5: string; sha256: string }> | undefined;
  let failure: unknown;
  async function* pass(): AsyncGenerator<Uint8Array> {
    const job = startJob({ md5: true, sha256: true });
    try {
      for await (const chunk of source) {
        const bytes = chunk as Uint8Array;
        const room = job.push(bytes);
        if (room !== undefined) await room;
        size += bytes.length;
        options.onBytes?.(bytes.length);
        yield bytes;
      }
      finished = job.finish();
      // A rejection is reported by result(); do not let it go unhandled meanwhile.
      finished.catch(() => undefined);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      if (finished === undefined) job.drop();
    }
  }
  return {
    stream: pass(),
    async result() {
      if (finished === undefined) throw failure ?? new Error('The stream was not read to the end');
      const { md5, sha256 } = await finished;
      return { md5, sha256, size };
    },
  };
}

/**
 * Reads `source` to the end and returns its sha256 (and md5 when asked) and size, hashed by the
 * worker pool when it can run, otherwise on this thread.
 */
export async function digestOffThread(source: AsyncIterable<unknown> | Iterable<unknown>, options: HashingOptions = {}): Promise<ContentDigest> {
  const job = startJob({ md5: options.md5 === true, sha256: true });
  let size = 0;
  let finishing = false;
  try {
    for await (const chunk of source) {
      const bytes = chunk as Uint8Array;
      const room = job.push(bytes);
      if (room !== undefined) await room;
      size += bytes.length;
      options.onBytes?.(bytes.length);
    }
    finishing = true;
    const { md5, sha256 } = await job.finish();
    return { sha256, md5, size };
  } finally {
    if (!finishing) job.drop();
  }
}
