/**
 * Leases on a bank: a named, exclusive, expiring claim by one owner ("checkpoint X is in use by
 * node N until T"), so that a delete cannot race a verify or a copy.
 *
 * Two approaches, declared by {@link BankLeases.approach}:
 * - `native`: the driver implements {@link LeaseOperations} (the memory driver does);
 * - `documents`: for drivers with atomic conditional put but no native leases (the filesystem
 *   driver), each lease is a JSON document at `.kts/leases/<name>` —
 *   `{"name","owner","expiresAt"}` — changed only by compare-and-swap. Acquire writes it when it
 *   is absent, released, expired or already ours; renew rewrites it while it is still ours and
 *   unexpired; release marks it released (`owner: null`) rather than deleting it, because a
 *   delete cannot be made conditional and could remove a lease another owner just took.
 *   Expiry uses the bank's clock, so owners sharing a bank need roughly synchronised clocks.
 *
 * Semantics on both: acquiring a lease we already hold extends it (owner-reentrant, so a
 * restarted node with the same owner id gets its leases back at once); another owner's live
 * lease refuses with `KTS_ERR_BANK_LEASE_HELD`; renewing a lease that expired or was taken
 * over fails with `KTS_ERR_BANK_LEASE_LOST`; releasing a lease we do not hold does nothing.
 *
 * @module
 */
import { BankError, ConflictError, isFrameworkError } from '../core/errors.js';
import { encodeJson, readJsonDocument } from './documents.js';
import type { BankDriver, LeaseOperations, LeaseRecord } from './driver.js';
import { invalidOption } from './internal/errors.js';
import { MAX_KEY_BYTES, RESERVED_SEGMENT, normaliseKey } from './keys.js';

/** How a bank keeps its leases. */
export type LeaseApproach = 'native' | 'documents' | 'unsupported';

/** Options of one lease acquisition or renewal. */
export interface LeaseOptions {
  /** How long the lease lasts from now, in milliseconds; defaults to the bank's `leaseTtlMs`. */
  readonly ttlMs?: number;
}

/** The leases of a bank, held in the name of the bank's owner. */
export interface BankLeases {
  /** The owner every lease of this bank is taken for. */
  readonly owner: string;
  /** How leases are kept on this bank's driver. */
  readonly approach: LeaseApproach;
  /** Takes the lease `name` (free, expired or already ours); `KTS_ERR_BANK_LEASE_HELD` otherwise. */
  acquire(name: string, options?: LeaseOptions): Promise<LeaseRecord>;
  /** Extends a lease we hold; `KTS_ERR_BANK_LEASE_LOST` when it expired or was taken over. */
  renew(name: string, options?: LeaseOptions): Promise<LeaseRecord>;
  /** Releases a lease we hold; a no-op otherwise. */
  release(name: string): Promise<void>;
  /** The live holder of `name`, or `undefined` when it is free or expired. */
  holder(name: string): Promise<LeaseRecord | undefined>;
}

/** Settings of {@link createBankLeases}. */
export interface BankLeasesSettings {
  /** The owner id leases are taken for. */
  readonly owner: string;
  /** Epoch milliseconds, for lease documents. */
  readonly clock: () => number;
  /** The lease length when a call gives none. */
  readonly defaultTtlMs: number;
}

const DOCUMENT_ATTEMPTS = 20;

interface LeaseDocument {
  readonly name: string;
  readonly owner: string | null;
  readonly expiresAt: number;
}

function held(name: string, lease: LeaseRecord): ConflictError {
  return new ConflictError(`Lease ${JSON.stringify(name)} is held by ${lease.owner}`, {
    code: 'KTS_ERR_BANK_LEASE_HELD',
    details: { name, owner: lease.owner, expiresAt: lease.expiresAt },
  });
}

function lost(name: string, owner: string): ConflictError {
  return new ConflictError(`Lease ${JSON.stringify(name)} is no longer held by ${owner}`, {
    code: 'KTS_ERR_BANK_LEASE_LOST',
    details: { name, owner },
  });
}

function busy(name: string): ConflictError {
  return new ConflictError(`Lease ${JSON.stringify(name)} kept changing under concurrent updates`, {
    code: 'KTS_ERR_CONFLICT',
    details: { name, attempts: DOCUMENT_ATTEMPTS },
  });
}

/** Lease primitives kept as lease documents over a driver's conditional put. */
export function createDocumentLeases(driver: BankDriver, clock: () => number): LeaseOperations {
  const keyOf = (name: string): string => `${RESERVED_SEGMENT}/leases/${name}`;

  async function read(name: string): Promise<{ document: LeaseDocument; version: string } | undefined> {
    const found = await readJsonDocument<LeaseDocument>(driver, keyOf(name));
    if (found === undefined) return undefined;
    const { value } = found;
    if (typeof value !== 'object' || value === null || typeof value.expiresAt !== 'number' || (value.owner !== null && typeof value.owner !== 'string')) {
      throw new BankError(`Lease document ${JSON.stringify(keyOf(name))} is malformed`, { code: 'KTS_ERR_BANK_INTEGRITY', details: { name } });
    }
    return { document: value, version: found.version };
  }

  const liveHolder = (document: LeaseDocument | undefined): LeaseRecord | undefined =>
    document?.owner != null && document.expiresAt > clock() ? { name: document.name, owner: document.owner, expiresAt: document.expiresAt } : undefined;

  /** Writes `next` if the document is still at `version`; false when a concurrent write won. */
  async function swap(name: string, version: string | undefined, next: LeaseDocument): Promise<boolean> {
    try {
      await driver.put(keyOf(name), encodeJson(keyOf(name), next), version === undefined ? { ifNoneMatch: '*' } : { ifMatch: version });
      return true;
    } catch (error) {
      if (isFrameworkError(error, 'KTS_ERR_BANK_PRECONDITION_FAILED')) return false;
      throw error;
    }
  }

  return {
    async acquire(name, owner, ttlMs) {
      for (let attempt = 0; attempt < DOCUMENT_ATTEMPTS; attempt++) {
        const current = await read(name);
        const holder = liveHolder(current?.document);
        if (holder !== undefined && holder.owner !== owner) throw held(name, holder);
        const lease = { name, owner, expiresAt: clock() + ttlMs };
        if (await swap(name, current?.version, lease)) return lease;
      }
      throw busy(name);
    },
    async renew(name, owner, ttlMs) {
      for (let attempt = 0; attempt < DOCUMENT_ATTEMPTS; attempt++) {
        const current = await read(name);
        if (liveHolder(current?.document)?.owner !== owner || current === undefined) throw lost(name, owner);
        const lease = { name, owner, expiresAt: clock() + ttlMs };
        if (await swap(name, current.version, lease)) return lease;
      }
      throw busy(name);
    },
    async release(name, owner) {
      for (let attempt = 0; attempt < DOCUMENT_ATTEMPTS; attempt++) {
        const current = await read(name);
        if (current === undefined || current.document.owner !== owner) return;
        if (await swap(name, current.version, { name, owner: null, expiresAt: 0 })) return;
      }
      throw busy(name);
    },
    async holder(name) {
      return liveHolder((await read(name))?.document);
    },
  };
}

function unsupported(driver: BankDriver): BankError {
  return new BankError(`The ${driver.name} bank driver has neither leases nor conditional put`, {
    code: 'KTS_ERR_BANK_UNSUPPORTED',
    details: { driver: driver.name, capability: 'leases' },
  });
}

/** The leases of a bank over `driver`: native when it has them, lease documents otherwise. */
export function createBankLeases(driver: BankDriver, settings: BankLeasesSettings): BankLeases {
  const { owner, defaultTtlMs } = settings;
  const approach: LeaseApproach =
    driver.capabilities.leases && driver.leases !== undefined ? 'native' : driver.capabilities.conditionalPut ? 'documents' : 'unsupported';
  const operations = approach === 'native' ? driver.leases : approach === 'documents' ? createDocumentLeases(driver, settings.clock) : undefined;
  const reservedLength = Buffer.byteLength(`${RESERVED_SEGMENT}/leases/`);

  function use(name: string): { ops: LeaseOperations; name: string } {
    if (operations === undefined) throw unsupported(driver);
    const normalised = normaliseKey(name);
    if (Buffer.byteLength(normalised) + reservedLength > MAX_KEY_BYTES) throw invalidOption('lease name', `at most ${MAX_KEY_BYTES - reservedLength} UTF-8 bytes`, name);
    return { ops: operations, name: normalised };
  }
  function ttlOf(options: LeaseOptions | undefined): number {
    const ttlMs = options?.ttlMs ?? defaultTtlMs;
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) throw invalidOption('ttlMs', 'an integer ≥ 1 (milliseconds)', ttlMs);
    return ttlMs;
  }

  return {
    owner,
    approach,
    async acquire(name, options) {
      const lease = use(name);
      return lease.ops.acquire(lease.name, owner, ttlOf(options));
    },
    async renew(name, options) {
      const lease = use(name);
      return lease.ops.renew(lease.name, owner, ttlOf(options));
    },
    async release(name) {
      const lease = use(name);
      return lease.ops.release(lease.name, owner);
    },
    async holder(name) {
      const lease = use(name);
      return lease.ops.holder(lease.name);
    },
  };
}
