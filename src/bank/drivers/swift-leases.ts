/**
 * Native leases for the Swift driver: one small JSON object per lease in the leases container,
 * written with `X-Delete-After` so that Swift itself removes leases whose holder vanished.
 *
 * - The expiry that counts is the `expiresAt` in the object (from the driver's clock); Swift's
 *   `X-Delete-After` is that TTL plus a slack, only for garbage collection (so a clock skew
 *   between us and Swift cannot end a lease early).
 * - A free lease is created with `If-None-Match: *`; an expired or own lease is overwritten.
 *   Every step runs under a per-lease lock, and an acquisition reads the lease back before it
 *   answers. Swift checks `If-None-Match` when a write starts, not atomically with its commit,
 *   so only the lock makes acquisition exclusive: exclusive among users of one driver
 *   instance, best-effort across processes (see the driver's `singleWriter` option).
 * - Release deletes with `X-If-Delete-At`, so it never removes a lease someone else took over.
 *
 * @module
 */
import { ConflictError } from '../../core/errors.js';
import type { LeaseOperations, LeaseRecord } from '../driver.js';
import type { KeyedMutex } from '../../core/keyed-mutex.js';
import { encodePath, statusError, discard, type SwiftClient } from './swift-http.js';

/** Seconds Swift keeps a lease object past its TTL before deleting it. */
const DELETE_SLACK_S = 10;

/** What the lease operations need from the driver. */
export interface SwiftLeaseContext {
  /** The Swift client. */
  readonly client: SwiftClient;
  /** The leases container. */
  readonly container: string;
  /** Creates the leases container (once). */
  readonly ensureContainer: () => Promise<void>;
  /** The driver's per-key lock. */
  readonly mutex: KeyedMutex;
  /** The clock leases expire by (epoch ms). */
  readonly clock: () => number;
}

interface StoredLease {
  readonly record: LeaseRecord;
  readonly deleteAt: string | null;
}

function held(name: string, current: LeaseRecord): ConflictError {
  return new ConflictError(`Lease ${JSON.stringify(name)} is held by ${current.owner}`, {
    code: 'KTS_ERR_BANK_LEASE_HELD',
    details: { name, owner: current.owner, expiresAt: current.expiresAt },
  });
}

function lost(name: string, owner: string): ConflictError {
  return new ConflictError(`Lease ${JSON.stringify(name)} is no longer held by ${owner}`, {
    code: 'KTS_ERR_BANK_LEASE_LOST',
    details: { name, owner },
  });
}

/** Lease primitives over lease objects in a Swift container. */
export function createSwiftLeases(context: SwiftLeaseContext): LeaseOperations {
  const { client, container, mutex, clock } = context;
  const what = (name: string, operation: string): { operation: string; key: string } => ({ operation: `lease ${operation}`, key: name });

  async function read(name: string): Promise<StoredLease | undefined> {
    const response = await client.request({ method: 'GET', path: encodePath(container, name) }, what(name, 'read'));
    if (response.status === 404) {
      await discard(response);
      return undefined;
    }
    if (response.status !== 200) throw await statusError(response, what(name, 'read'));
    const stored = (await response.json().catch(() => undefined)) as Partial<LeaseRecord> | undefined;
    if (typeof stored?.owner !== 'string' || typeof stored.expiresAt !== 'number') return undefined;
    return { record: { name, owner: stored.owner, expiresAt: stored.expiresAt }, deleteAt: response.headers.get('x-delete-at') };
  }

  const live = (lease: StoredLease | undefined): LeaseRecord | undefined =>
    lease !== undefined && lease.record.expiresAt > clock() ? lease.record : undefined;

  async function write(name: string, owner: string, ttlMs: number, create: boolean): Promise<LeaseRecord | 'exists'> {
    await context.ensureContainer();
    const record: LeaseRecord = { name, owner, expiresAt: clock() + ttlMs };
    const response = await client.request(
      {
        method: 'PUT',
        path: encodePath(container, name),
        headers: {
          'Content-Type': 'application/json',
          'X-Delete-After': String(Math.ceil(ttlMs / 1000) + DELETE_SLACK_S),
          ...(create ? { 'If-None-Match': '*' } : {}),
        },
        body: Buffer.from(JSON.stringify(record)),
      },
      what(name, 'write'),
    );
    if (response.status === 412) {
      await discard(response);
      return 'exists';
    }
    if (response.status !== 201) throw await statusError(response, what(name, 'write'));
    await discard(response);
    return record;
  }

  return {
    acquire: (name, owner, ttlMs) =>
      mutex.run(`lease:${name}`, async () => {
        const current = await read(name);
        const holder = live(current);
        if (holder !== undefined && holder.owner !== owner) throw held(name, holder);
        const written = await write(name, owner, ttlMs, current === undefined);
        const after = await read(name);
        if (written === 'exists' || after?.record.owner !== owner || after.record.expiresAt !== written.expiresAt) {
          const winner = live(after);
          throw held(name, winner ?? { name, owner: 'another owner', expiresAt: clock() });
        }
        return written;
      }),

    renew: (name, owner, ttlMs) =>
      mutex.run(`lease:${name}`, async () => {
        if (live(await read(name))?.owner !== owner) throw lost(name, owner);
        const written = await write(name, owner, ttlMs, false);
        if (written === 'exists') throw lost(name, owner);
        return written;
      }),

    release: (name, owner) =>
      mutex.run(`lease:${name}`, async () => {
        const current = await read(name);
        if (current?.record.owner !== owner) return;
        const response = await client.request(
          { method: 'DELETE', path: encodePath(container, name), headers: current.deleteAt === null ? {} : { 'X-If-Delete-At': current.deleteAt } },
          what(name, 'release'),
        );
        if (response.status !== 204 && response.status !== 404 && response.status !== 412) throw await statusError(response, what(name, 'release'));
        await discard(response);
      }),

    holder: async (name) => live(await read(name)),
  };
}
