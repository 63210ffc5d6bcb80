/**
 * A fault-injecting bank driver for tests of everything above the driver: it wraps a real
 * driver and, on the calls you choose, fails, delays, or damages what a read returns —
 * flipping a byte (bit rot), ending the stream early (truncation) or erroring in the middle of
 * the stream (a cut connection). `head` keeps telling the truth about damaged content, so damage
 * is detectable by comparing content with the recorded etag, exactly as it is in production;
 * a `metadata` fault makes `head` misreport instead (a wrong recorded etag, size or metadata),
 * and an `intercept` fault runs your code before a call (a gate that holds it, a snapshot
 * taken at a precise moment).
 *
 * @example
 * ```ts
 * const driver = createFaultyDriver(createMemoryDriver(), [
 *   { type: 'fail', operation: 'put', call: 3 },            // the 3rd put fails
 *   { type: 'corrupt', key: 'disk.img', offset: 1024 },     // every read of disk.img is damaged
 * ]);
 * ```
 *
 * @module
 */
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BankDriver, LeaseOperations } from '../bank/index.js';
import { BankError } from '../core/errors.js';

/** The driver operations a fault can target. */
export type FaultOperation = 'put' | 'get' | 'head' | 'list' | 'delete' | 'acquire' | 'renew' | 'release' | 'holder';

/** Which calls a fault hits. */
export interface FaultTarget {
  /** Only calls for this key (lease name for lease operations, prefix for `list`), or keys matching this pattern. */
  readonly key?: string | RegExp;
  /**
   * The first matching call the fault hits (1-based).
   * @default 1
   */
  readonly call?: number;
  /**
   * How many matching calls in a row it hits, from `call`.
   * @default 1 when `call` is given, otherwise every call
   */
  readonly times?: number;
}

/** The call throws (a `KTS_ERR_BANK_IO` error unless `error` makes another). */
export interface FailFault extends FaultTarget {
  readonly type: 'fail';
  readonly operation: FaultOperation;
  /** Makes the error to throw instead of the default injected `KTS_ERR_BANK_IO`. */
  readonly error?: () => unknown;
}

/** The call is held back `ms` milliseconds before it reaches the real driver. */
export interface DelayFault extends FaultTarget {
  readonly type: 'delay';
  readonly operation: FaultOperation;
  readonly ms: number;
}

/** A `get` returns content with the byte at `offset` (of the returned stream) inverted. */
export interface CorruptFault extends FaultTarget {
  readonly type: 'corrupt';
  /** @default 0 */
  readonly offset?: number;
}

/** A `get` ends cleanly after `bytes` bytes (by default half the object). */
export interface TruncateFault extends FaultTarget {
  readonly type: 'truncate';
  readonly bytes?: number;
}

/** A `get` stream errors after `afterBytes` bytes (by default half the object). */
export interface CutFault extends FaultTarget {
  readonly type: 'cut';
  readonly afterBytes?: number;
  /** Makes the error to throw instead of the default injected `KTS_ERR_BANK_IO`. */
  readonly error?: () => unknown;
}

/**
 * `head` reports these facts instead of the stored ones (damaged or tampered metadata: a
 * recorded etag that is not the content's md5, a wrong size); the content is untouched.
 */
export interface MetadataFault extends FaultTarget {
  readonly type: 'metadata';
  /** The etag `head` reports. */
  readonly etag?: string;
  /** The size `head` reports. */
  readonly size?: number;
  /** The user metadata `head` reports. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** A call an {@link InterceptFault} stopped. */
export interface InterceptedCall {
  /** The operation. */
  readonly operation: FaultOperation;
  /** Its key (lease name for lease operations, prefix for `list`). */
  readonly key: string;
  /** Which call of that operation it is (1-based, counting every key). */
  readonly call: number;
  /** The call's signal, for `put` and `get` calls that have one. */
  readonly signal?: AbortSignal;
}

/**
 * `before` runs, and is awaited, before the call reaches the real driver; if it throws or
 * rejects, the call fails with that error. Use it to hold calls at a gate (resolve when the
 * test says so, or when `call.signal` aborts) or to look at the bank at a precise moment.
 */
export interface InterceptFault extends FaultTarget {
  readonly type: 'intercept';
  readonly operation: FaultOperation;
  /** Runs before the call. */
  readonly before: (call: InterceptedCall) => void | Promise<void>;
}

/** One fault to inject. */
export type DriverFault = FailFault | DelayFault | CorruptFault | TruncateFault | CutFault | MetadataFault | InterceptFault;

/** A driver with faults; faults can be added and cleared while it is in use. */
export interface FaultyDriver extends BankDriver {
  /** The wrapped driver. */
  readonly inner: BankDriver;
  /** How many calls each operation received so far. */
  readonly calls: Readonly<Record<FaultOperation, number>>;
  /** Adds faults (their call counting starts now). */
  inject(...faults: DriverFault[]): void;
  /** Removes every fault. */
  clear(): void;
}

interface ActiveFault {
  readonly fault: DriverFault;
  seen: number;
}

function operationOf(fault: DriverFault): FaultOperation {
  if (fault.type === 'fail' || fault.type === 'delay' || fault.type === 'intercept') return fault.operation;
  return fault.type === 'metadata' ? 'head' : 'get';
}

/** The faults that damage what a `get` returns. */
type StreamFault = CorruptFault | TruncateFault | CutFault;

function isStreamFault(fault: DriverFault): fault is StreamFault {
  return fault.type === 'corrupt' || fault.type === 'truncate' || fault.type === 'cut';
}

function matchesKey(pattern: string | RegExp | undefined, key: string): boolean {
  if (pattern === undefined) return true;
  return typeof pattern === 'string' ? pattern === key : pattern.test(key);
}

function injectedError(message: string): BankError {
  return new BankError(`Injected fault: ${message}`, { code: 'KTS_ERR_BANK_IO', details: { injected: true } });
}

/** Applies the stream faults of one `get` to the stream the real driver returned. */
function damage(source: Readable, faults: readonly StreamFault[], size: number): Readable {
  const half = Math.floor(size / 2);
  async function* damaged(): AsyncGenerator<Uint8Array> {
    let offset = 0;
    try {
      for await (const chunk of source) {
        const bytes = Buffer.from(chunk as Uint8Array);
        for (const fault of faults) {
          if (fault.type === 'corrupt') {
            const at = (fault.offset ?? 0) - offset;
            if (at >= 0 && at < bytes.length) bytes[at] = (bytes[at] ?? 0) ^ 0xff;
          } else {
            const limit = (fault.type === 'truncate' ? fault.bytes : fault.afterBytes) ?? half;
            if (offset + bytes.length >= limit) {
              const keep = bytes.subarray(0, Math.max(limit - offset, 0));
              if (keep.length > 0) yield keep;
              if (fault.type === 'cut') throw fault.error?.() ?? injectedError(`stream cut after ${limit} bytes`);
              return;
            }
          }
        }
        offset += bytes.length;
        yield bytes;
      }
    } finally {
      source.destroy();
    }
  }
  return Readable.from(damaged(), { objectMode: false });
}

/** Wraps `inner` in a driver that injects `faults`. */
export function createFaultyDriver(inner: BankDriver, faults: readonly DriverFault[] = []): FaultyDriver {
  let active: ActiveFault[] = faults.map((fault) => ({ fault, seen: 0 }));
  const calls: Record<FaultOperation, number> = { put: 0, get: 0, head: 0, list: 0, delete: 0, acquire: 0, renew: 0, release: 0, holder: 0 };

  /** Counts the call and returns the faults that hit it; runs delays, intercepts and failures. */
  async function enter(operation: FaultOperation, key: string, signal?: AbortSignal): Promise<DriverFault[]> {
    calls[operation]++;
    const hits: DriverFault[] = [];
    for (const entry of active) {
      if (operationOf(entry.fault) !== operation || !matchesKey(entry.fault.key, key)) continue;
      entry.seen++;
      const first = entry.fault.call ?? 1;
      const times = entry.fault.times ?? (entry.fault.call === undefined ? Number.POSITIVE_INFINITY : 1);
      if (entry.seen >= first && entry.seen < first + times) hits.push(entry.fault);
    }
    for (const fault of hits) if (fault.type === 'delay') await sleep(fault.ms);
    const call = calls[operation];
    for (const fault of hits) {
      if (fault.type === 'intercept') await fault.before({ operation, key, call, ...(signal === undefined ? {} : { signal }) });
    }
    for (const fault of hits) {
      if (fault.type === 'fail') throw fault.error?.() ?? injectedError(`${operation} call #${calls[operation]} of ${JSON.stringify(key)}`);
    }
    return hits;
  }

  const innerLeases = inner.leases;
  const leases: LeaseOperations | undefined =
    innerLeases === undefined
      ? undefined
      : {
          acquire: async (name, owner, ttlMs) => (await enter('acquire', name), innerLeases.acquire(name, owner, ttlMs)),
          renew: async (name, owner, ttlMs) => (await enter('renew', name), innerLeases.renew(name, owner, ttlMs)),
          release: async (name, owner) => (await enter('release', name), innerLeases.release(name, owner)),
          holder: async (name) => (await enter('holder', name), innerLeases.holder(name)),
        };

  return {
    name: `faulty(${inner.name})`,
    capabilities: inner.capabilities,
    inner,
    calls,
    inject(...more) {
      active = [...active, ...more.map((fault) => ({ fault, seen: 0 }))];
    },
    clear() {
      active = [];
    },
    async put(key, body, options) {
      await enter('put', key, options?.signal);
      return inner.put(key, body, options);
    },
    async get(key, options) {
      const hits = (await enter('get', key, options?.signal)).filter(isStreamFault);
      const stream = await inner.get(key, options);
      if (hits.length === 0) return stream;
      const size = (await inner.head(key))?.size ?? 0;
      return damage(stream, hits, size);
    },
    async head(key) {
      const hits = (await enter('head', key)).filter((fault): fault is MetadataFault => fault.type === 'metadata');
      const info = await inner.head(key);
      if (info === undefined || hits.length === 0) return info;
      let reported = info;
      for (const fault of hits) {
        reported = {
          ...reported,
          ...(fault.etag === undefined ? {} : { etag: fault.etag }),
          ...(fault.size === undefined ? {} : { size: fault.size }),
          ...(fault.metadata === undefined ? {} : { metadata: { ...fault.metadata } }),
        };
      }
      return reported;
    },
    async list(options) {
      await enter('list', options?.prefix ?? '');
      return inner.list(options);
    },
    async delete(key) {
      await enter('delete', key);
      return inner.delete(key);
    },
    ...(leases === undefined ? {} : { leases }),
    ...(inner.close === undefined ? {} : { close: () => inner.close?.() ?? Promise.resolve() }),
  };
}
