/**
 * The contract of a bank back-end. Drivers stay small: the `Bank` facade does key safety,
 * sections, JSON encoding, compare-and-swap retries and read-only enforcement.
 *
 * Keys a driver receives are already validated and normalised: `/`-separated, no leading or
 * trailing `/`, no empty, `.` or `..` segment, no control character.
 *
 * @module
 */
import type { Readable } from 'node:stream';
import type { GetObjectOptions, ListOptions, ListPage, ObjectBody, ObjectDigest, ObjectInfo, PutObjectOptions } from '../core/bank-section.js';

/** What a driver can do beyond the required operations. */
export interface BankCapabilities {
  /** `ifNoneMatch` / `ifMatch` on put are atomic on this back-end. */
  readonly conditionalPut: boolean;
  /** The driver implements {@link BankDriver.leases}. */
  readonly leases: boolean;
  /** Byte ranges on get. */
  readonly ranges: boolean;
}

/** A lease as stored by a driver. */
export interface LeaseRecord {
  /** What is leased (a key-like name). */
  readonly name: string;
  /** Who holds it. */
  readonly owner: string;
  /** When it expires (epoch milliseconds). */
  readonly expiresAt: number;
}

/** Lease primitives; the facade builds acquire/renew/release/expiry on top of them. */
export interface LeaseOperations {
  /** Takes the lease if it is free, expired or already ours; returns the lease now held. */
  acquire(name: string, owner: string, ttlMs: number): Promise<LeaseRecord>;
  /** Extends a lease we hold; throws `KTS_ERR_BANK_LEASE_LOST` if we no longer hold it. */
  renew(name: string, owner: string, ttlMs: number): Promise<LeaseRecord>;
  /** Releases a lease we hold; releasing a lease we do not hold is a no-op. */
  release(name: string, owner: string): Promise<void>;
  /** The current holder, or `undefined` when free or expired. */
  holder(name: string): Promise<LeaseRecord | undefined>;
}

/** A storage back-end for banks. */
export interface BankDriver {
  /** A short name for messages (`memory`, `fs`, `swift`, `s3`). */
  readonly name: string;
  /** What the driver supports beyond the required operations. */
  readonly capabilities: BankCapabilities;
  /** Stores bytes (streamed) with metadata; honours the conditional options it declares. */
  put(key: string, body: ObjectBody, options?: PutObjectOptions): Promise<ObjectInfo>;
  /** Streams an object's bytes; throws `KTS_ERR_BANK_OBJECT_NOT_FOUND` when absent. */
  get(key: string, options?: GetObjectOptions): Promise<Readable>;
  /** Facts about an object, `undefined` when absent. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Lists keys with prefix, exclusive marker, limit and order. */
  list(options?: ListOptions): Promise<ListPage>;
  /** Deletes an object; absent objects are not an error. */
  delete(key: string): Promise<void>;
  /**
   * Bank-side copy (optional): stores under `key` the bytes of `sourceKey` in `source` (this
   * driver or another), moved by the back-end instead of streamed through the caller — exactly
   * `put(key, <those bytes>, options)`: `options.etag` is checked against the bytes written
   * (`KTS_ERR_BANK_INTEGRITY`, nothing written), `ifNoneMatch` / `ifMatch` are honoured as by
   * `put`, `metadata` is stored, `durable` is obeyed, and an aborted `signal` is
   * `KTS_ERR_CANCELLED` leaving nothing behind. A missing source object is the
   * `KTS_ERR_BANK_OBJECT_NOT_FOUND` that `source.get(sourceKey)` would give. Resolves
   * `undefined`, having done nothing, when it cannot copy from `source` (another kind of
   * driver): the facade's caller then streams the bytes. Both keys arrive validated and
   * normalised, as for every operation. The filesystem driver copies from filesystem drivers.
   */
  copyFrom?(key: string, source: BankDriver, sourceKey: string, options?: PutObjectOptions): Promise<ObjectInfo | undefined>;
  /**
   * Bank-side hash (optional): reads the current content of `key` and answers its version,
   * size and sha256, without streaming it to the caller — what a full verification needs.
   * Absent object: `KTS_ERR_BANK_OBJECT_NOT_FOUND`; an aborted `signal`: `KTS_ERR_CANCELLED`.
   * Resolves `undefined` when it cannot (the caller then streams `get`). The filesystem driver
   * hashes in its worker threads.
   */
  hashObject?(key: string, options?: { readonly signal?: AbortSignal }): Promise<Omit<ObjectDigest, 'key'> | undefined>;
  /** Lease primitives, when `capabilities.leases` is true. */
  readonly leases?: LeaseOperations;
  /** Releases connections, timers and handles. */
  close?(): Promise<void>;
}
