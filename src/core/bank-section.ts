/**
 * The bank as plugins see it: a prefixed, possibly read-only view where JSON documents and
 * binary objects live under validated keys. The `bank` module implements this contract; it is
 * declared here so that plugin contracts depend on `core` only.
 *
 * @module
 */
import type { Readable } from 'node:stream';

/** Facts about one stored object. */
export interface ObjectInfo {
  /** The key, relative to the section it was read through. */
  readonly key: string;
  /** Size in bytes. */
  readonly size: number;
  /** Lowercase hex md5 of the content (what Swift and S3 call the ETag of a simple object). */
  readonly etag: string;
  /** An opaque token that changes whenever the object is rewritten (for compare-and-swap). */
  readonly version: string;
  /** User metadata stored with the object (lowercase keys, string values). */
  readonly metadata: Readonly<Record<string, string>>;
  /** When the object was last written, if the back-end tells. */
  readonly lastModified?: Date;
}

/** What a bank-side hash read ({@link ObjectHasher.hashObject}). */
export interface ObjectDigest {
  /** The key, relative to the section it was read through. */
  readonly key: string;
  /** The version whose content was read. */
  readonly version: string;
  /** Bytes read. */
  readonly size: number;
  /** Lowercase hex sha256 of the bytes read. */
  readonly sha256: string;
}

/**
 * A section that can re-read and hash an object by itself (the bank's driver, e.g. the
 * filesystem driver in its worker threads) instead of streaming it to the caller: what a
 * full-level verification needs, at a fraction of the cost. Sections of a bank made by
 * `createBank` offer it; it resolves `undefined` when the bank has no such path, and the
 * caller then streams through `getObject`.
 */
export interface ObjectHasher {
  /**
   * Reads the current content of `key` and answers its sha256 and size
   * (`KTS_ERR_BANK_OBJECT_NOT_FOUND` when absent; an aborted `signal` is `KTS_ERR_CANCELLED`),
   * or `undefined` when the bank cannot do it itself.
   */
  hashObject(key: string, options?: { readonly signal?: AbortSignal }): Promise<ObjectDigest | undefined>;
}

/** Bytes to store: a buffer, a Node stream, or any async iterable of chunks. */
export type ObjectBody = Uint8Array | Readable | AsyncIterable<Uint8Array>;

/** Options of a binary write. */
export interface PutObjectOptions {
  /** User metadata to store with the object. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** The expected md5 (hex); the write fails with `KTS_ERR_BANK_INTEGRITY` if the bytes differ. */
  readonly etag?: string;
  /** Write only if no object exists under the key (`KTS_ERR_BANK_PRECONDITION_FAILED` otherwise). */
  readonly ifNoneMatch?: '*';
  /** Write only if the current object has this version (`KTS_ERR_BANK_PRECONDITION_FAILED` otherwise). */
  readonly ifMatch?: string;
  /** Ask the back-end to make the write durable before answering (fsync on a filesystem). */
  readonly durable?: boolean;
  /** Cancels the write; a cancelled write leaves no partial object behind. */
  readonly signal?: AbortSignal;
}

/** Options of a binary read. */
export interface GetObjectOptions {
  /** First byte to read (inclusive). */
  readonly start?: number;
  /** Last byte to read (inclusive). */
  readonly end?: number;
  /** Cancels the read. */
  readonly signal?: AbortSignal;
}

/** Options of a listing; semantics are identical on every driver. */
export interface ListOptions {
  /** Only keys starting with this prefix (relative to the section). */
  readonly prefix?: string;
  /** Only keys strictly after (ascending) or before (descending) this key. */
  readonly marker?: string;
  /** At most this many entries. */
  readonly limit?: number;
  /** Lexicographic (UTF-8 byte) order; ascending by default. */
  readonly order?: 'asc' | 'desc';
}

/** One page of a listing. */
export interface ListPage {
  /** The keys of this page, relative to the section, in the requested order. */
  readonly keys: readonly string[];
  /** Pass as `marker` to get the next page; absent on the last page. */
  readonly nextMarker?: string;
}

/** A JSON document with the version it was read at. */
export interface VersionedDocument<T> {
  /** The parsed document. */
  readonly value: T;
  /** The version token to pass back for compare-and-swap. */
  readonly version: string;
}

/**
 * A prefixed view of a bank. Keys are `/`-separated, validated after normalisation, and can
 * never leave the section; every write through a read-only section throws
 * `KTS_ERR_BANK_READONLY`.
 */
export interface BankSection {
  /** The absolute prefix of this section inside its bank (`''` for the root). */
  readonly prefix: string;
  /** Whether writes are refused. */
  readonly readOnly: boolean;
  /** A narrower section; a read-only section only gives read-only sub-sections. */
  section(path: string, options?: { readOnly?: boolean }): BankSection;

  /** Reads a JSON document; `undefined` when absent. */
  getJson<T = unknown>(key: string): Promise<VersionedDocument<T> | undefined>;
  /** Writes a JSON document (conditionally with `ifMatch` / `ifNoneMatch`). */
  putJson(key: string, value: unknown, options?: Pick<PutObjectOptions, 'ifMatch' | 'ifNoneMatch' | 'durable'>): Promise<ObjectInfo>;
  /**
   * Read-modify-write with compare-and-swap: `update` receives the current document (or
   * `undefined`) and returns the new one; on a concurrent change it is called again.
   */
  updateJson<T>(key: string, update: (current: T | undefined) => T | Promise<T>): Promise<VersionedDocument<T>>;

  /** Writes binary content, streaming. */
  putObject(key: string, body: ObjectBody, options?: PutObjectOptions): Promise<ObjectInfo>;
  /** Reads binary content as a stream; throws `KTS_ERR_BANK_OBJECT_NOT_FOUND` when absent. */
  getObject(key: string, options?: GetObjectOptions): Promise<Readable>;
  /** Facts about an object; `undefined` when absent. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Lists keys of this section. */
  list(options?: ListOptions): Promise<ListPage>;
  /** Deletes an object; deleting an absent object is not an error. */
  delete(key: string): Promise<void>;
}
