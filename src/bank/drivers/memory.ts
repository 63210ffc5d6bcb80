/**
 * The memory bank driver: objects in a `Map`, native leases, atomic conditional puts (the check
 * and the write happen in one synchronous step after the body was read). For tests, examples
 * and single-process tools; everything is lost when the process ends.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { Readable, addAbortSignal } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { GetObjectOptions, ListOptions, ListPage, ObjectBody, ObjectInfo, PutObjectOptions } from '../../core/bank-section.js';
import { ConflictError, isFrameworkError } from '../../core/errors.js';
import type { BankCapabilities, BankDriver, LeaseOperations, LeaseRecord } from '../driver.js';
import { createMd5Meter, discardBody, resolveRange, sourceOf } from '../internal/body.js';
import { checkConditions } from '../internal/conditions.js';
import { cancelled, integrityError, ioError, objectNotFound } from '../internal/errors.js';
import { selectPage } from '../listing.js';

/** Options of {@link createMemoryDriver}. */
export interface MemoryDriverOptions {
  /**
   * The clock native leases expire by (epoch milliseconds); inject one in tests.
   * @default Date.now
   */
  readonly clock?: () => number;
  /**
   * Offer native leases. Turn off to make the bank facade keep leases as lease documents over
   * conditional put, as it does for drivers without native leases.
   * @default true
   */
  readonly leases?: boolean;
}

interface StoredObject {
  readonly data: Buffer;
  readonly info: ObjectInfo;
}

const READ_CHUNK = 1024 * 1024;

function createMemoryLeases(clock: () => number): LeaseOperations {
  const leases = new Map<string, LeaseRecord>();
  const live = (name: string): LeaseRecord | undefined => {
    const lease = leases.get(name);
    return lease !== undefined && lease.expiresAt > clock() ? lease : undefined;
  };
  return {
    async acquire(name, owner, ttlMs) {
      const current = live(name);
      if (current !== undefined && current.owner !== owner) {
        throw new ConflictError(`Lease ${JSON.stringify(name)} is held by ${current.owner}`, {
          code: 'KTS_ERR_BANK_LEASE_HELD',
          details: { name, owner: current.owner, expiresAt: current.expiresAt },
        });
      }
      const lease = { name, owner, expiresAt: clock() + ttlMs };
      leases.set(name, lease);
      return lease;
    },
    async renew(name, owner, ttlMs) {
      if (live(name)?.owner !== owner) {
        throw new ConflictError(`Lease ${JSON.stringify(name)} is no longer held by ${owner}`, {
          code: 'KTS_ERR_BANK_LEASE_LOST',
          details: { name, owner },
        });
      }
      const lease = { name, owner, expiresAt: clock() + ttlMs };
      leases.set(name, lease);
      return lease;
    },
    async release(name, owner) {
      if (leases.get(name)?.owner === owner) leases.delete(name);
    },
    async holder(name) {
      return live(name);
    },
  };
}

/** Creates a bank driver that keeps everything in memory. */
export function createMemoryDriver(options: MemoryDriverOptions = {}): BankDriver {
  const objects = new Map<string, StoredObject>();
  let sequence = 0;
  const instance = randomUUID().slice(0, 8);
  const capabilities: BankCapabilities = { conditionalPut: true, leases: options.leases ?? true, ranges: true };

  async function put(key: string, body: ObjectBody, putOptions: PutObjectOptions = {}): Promise<ObjectInfo> {
    const { signal } = putOptions;
    if (signal?.aborted) {
      discardBody(body);
      throw cancelled('put', key, signal);
    }
    const meter = createMd5Meter();
    const chunks: Uint8Array[] = [];
    try {
      await pipeline(sourceOf(body), meter.transform, async (source: AsyncIterable<Uint8Array>) => {
        for await (const chunk of source) chunks.push(Buffer.from(chunk));
      }, signal === undefined ? {} : { signal });
    } catch (error) {
      if (signal?.aborted) throw cancelled('put', key, signal);
      throw isFrameworkError(error) ? error : ioError('put', key, error);
    }
    const { etag, size } = meter.result();
    if (putOptions.etag !== undefined && putOptions.etag !== etag) throw integrityError(key, putOptions.etag, etag);
    if (signal?.aborted) throw cancelled('put', key, signal);
    checkConditions(key, objects.get(key)?.info, putOptions);
    const info: ObjectInfo = {
      key,
      size,
      etag,
      version: `${instance}-${++sequence}`,
      metadata: Object.freeze({ ...putOptions.metadata }),
      lastModified: new Date(),
    };
    objects.set(key, { data: Buffer.concat(chunks), info });
    return info;
  }

  async function get(key: string, getOptions: GetObjectOptions = {}): Promise<Readable> {
    if (getOptions.signal?.aborted) throw cancelled('get', key, getOptions.signal);
    const stored = objects.get(key);
    if (stored === undefined) throw objectNotFound(key);
    const range = resolveRange(stored.data.length, getOptions);
    function* chunks(): Generator<Buffer> {
      if (range === undefined || stored === undefined) return;
      for (let offset = range.start; offset <= range.end; offset += READ_CHUNK) {
        yield Buffer.from(stored.data.subarray(offset, Math.min(offset + READ_CHUNK, range.end + 1)));
      }
    }
    const stream = Readable.from(chunks(), { objectMode: false });
    return getOptions.signal === undefined ? stream : addAbortSignal(getOptions.signal, stream);
  }

  return {
    name: 'memory',
    capabilities,
    put,
    get,
    async head(key: string): Promise<ObjectInfo | undefined> {
      return objects.get(key)?.info;
    },
    async list(listOptions?: ListOptions): Promise<ListPage> {
      return selectPage(objects.keys(), listOptions);
    },
    async delete(key: string): Promise<void> {
      objects.delete(key);
    },
    ...(capabilities.leases ? { leases: createMemoryLeases(options.clock ?? Date.now) } : {}),
  };
}
