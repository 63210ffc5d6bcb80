/**
 * Hashing off the main thread. Node hashes on the thread that calls `update`, and protect
 * hashes every byte three times (our md5 and sha256, and the bank's own md5 as it stores the
 * object). Moving our two hashes to a worker thread lets them run beside the bank's md5 and the
 * I/O on the main thread: by DESIGN.md's speed notes (md5 0.8 GiB/s, sha256 1.9 GiB/s per
 * core) the main thread's share drops from ~3 s to ~1.3 s per GiB.
 *
 * One worker per process, created on first use, referenced only while a job runs (so it never
 * keeps a process alive). Each chunk is copied to the worker as it passes to the bank; at most
 * {@link WINDOW} chunks per job are in flight, so a slow worker slows the stream instead of
 * queueing it in memory. If the worker cannot start or dies, hashing falls back to this thread.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { hashingStream, type ContentDigest, type HashingOptions } from './hashing.js';

/** Chunks per job that may wait in the worker's queue. */
const WINDOW = 8;

const SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const jobs = new Map();
parentPort.on('message', (message) => {
  const { type, id } = message;
  let job = jobs.get(id);
  if (job === undefined && type !== 'drop') jobs.set(id, (job = { md5: createHash('md5'), sha256: createHash('sha256') }));
  if (type === 'chunk') {
    job.md5.update(message.bytes);
    job.sha256.update(message.bytes);
    parentPort.postMessage({ type: 'ack', id });
  } else if (type === 'end') {
    jobs.delete(id);
    parentPort.postMessage({ type: 'digest', id, md5: job.md5.digest('hex'), sha256: job.sha256.digest('hex') });
  } else {
    jobs.delete(id);
  }
});
`;

interface Job {
  inFlight: number;
  wake?: () => void;
  done?: (digest: { md5: string; sha256: string }) => void;
  fail: (error: Error) => void;
}

let worker: Worker | undefined;
let broken = false;
let nextId = 0;
const jobs = new Map<number, Job>();

function release(id: number): void {
  jobs.delete(id);
  if (jobs.size === 0) worker?.unref();
}

function startWorker(): Worker | undefined {
  if (worker !== undefined || broken) return worker;
  try {
    const started = new Worker(SOURCE, { eval: true });
    started.on('message', (message: { type: string; id: number; md5?: string; sha256?: string }) => {
      const job = jobs.get(message.id);
      if (job === undefined) return;
      if (message.type === 'ack') {
        job.inFlight--;
        job.wake?.();
      } else {
        release(message.id);
        job.done?.({ md5: message.md5!, sha256: message.sha256! });
      }
    });
    const die = (error: unknown): void => {
      broken = true;
      worker = undefined;
      const failure = error instanceof Error ? error : new Error(`The hashing worker stopped (${String(error)})`);
      for (const [id, job] of jobs) {
        jobs.delete(id);
        job.fail(failure);
      }
    };
    started.on('error', die);
    started.on('exit', (code) => die(new Error(`The hashing worker exited with code ${code}`)));
    started.unref();
    worker = started;
  } catch {
    broken = true;
  }
  return worker;
}

/** A pass-through stage whose md5 and sha256 are computed by the worker; the result is awaited. */
export interface OffThreadHashing {
  /** The bytes of the source, unchanged; consume it to the end. */
  readonly stream: AsyncGenerator<Uint8Array>;
  /** The digest of everything that passed (after the end). */
  result(): Promise<ContentDigest>;
}

/**
 * Like `hashingStream(source, { md5: true })`, but hashed by the worker thread when one can
 * run (more than one CPU); otherwise on this thread.
 */
export function hashOffThread(source: AsyncIterable<unknown> | Iterable<unknown>, options: Pick<HashingOptions, 'onBytes'> = {}): OffThreadHashing {
  const thread = availableParallelism() > 1 ? startWorker() : undefined;
  if (thread === undefined) {
    const local = hashingStream(source, { ...options, md5: true });
    return { stream: local.stream, result: async () => local.result() };
  }
  const id = nextId++;
  let size = 0;
  let failure: Error | undefined;
  let finished: Promise<{ md5: string; sha256: string }> | undefined;
  const job: Job = { inFlight: 0, fail: (error) => ((failure = error), job.wake?.()) };
  async function* pass(): AsyncGenerator<Uint8Array> {
    jobs.set(id, job);
    thread!.ref();
    try {
      for await (const chunk of source) {
        const bytes = chunk as Uint8Array;
        while (job.inFlight >= WINDOW && failure === undefined) await new Promise<void>((resolve) => (job.wake = resolve));
        if (failure !== undefined) throw failure;
        job.inFlight++;
        thread!.postMessage({ type: 'chunk', id, bytes });
        size += bytes.length;
        options.onBytes?.(bytes.length);
        yield bytes;
      }
      if (failure !== undefined) throw failure;
      finished = new Promise((resolve, reject) => {
        job.done = resolve;
        job.fail = reject;
      });
      thread!.postMessage({ type: 'end', id });
    } finally {
      if (finished === undefined) {
        thread!.postMessage({ type: 'drop', id });
        release(id);
      }
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
