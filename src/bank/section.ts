/**
 * The {@link BankSection} implementation: a prefixed, possibly read-only view of a driver.
 *
 * Every key goes through the key grammar (`keys.ts`) before it is joined to the section's
 * prefix, so no key can leave the section; every option is validated (`options.ts`) before it
 * reaches the driver; every write through a read-only section throws `KTS_ERR_BANK_READONLY`;
 * conditional writes on a driver without atomic conditional put throw
 * `KTS_ERR_BANK_UNSUPPORTED` instead of silently overwriting. Keys in results are relative to
 * the section.
 *
 * **Bank-side copy.** {@link Section.copyObject} lets the driver move an object's bytes from
 * another section itself (`BankDriver.copyFrom`, e.g. filesystem to filesystem in worker
 * threads) under `putObject`'s contract; the bank-copy plugin's `copyObjects` uses it when a
 * destination offers it (its `ObjectCopier`), and streams otherwise.
 * {@link Section.hashObject} likewise lets the driver re-read and hash an object itself
 * (`BankDriver.hashObject`) for a full-level verification.
 *
 * @module
 */
import { Readable } from 'node:stream';
import type {
  BankSection,
  GetObjectOptions,
  ListOptions,
  ListPage,
  ObjectBody,
  ObjectDigest,
  ObjectInfo,
  PutObjectOptions,
  VersionedDocument,
} from '../core/bank-section.js';
import { BankError, ValidationError } from '../core/errors.js';
import { updateJsonDocument, type ResolvedCasOptions } from './cas.js';
import { encodeJson, readJsonDocument } from './documents.js';
import type { BankDriver } from './driver.js';
import { discardBody, isObjectBody, sliceStream } from './internal/body.js';
import { cancelled, ioError } from './internal/errors.js';
import { RESERVED_SEGMENT, isReservedKey, joinKey, normaliseKey, normaliseSectionPath } from './keys.js';
import { pageOf } from './listing.js';
import { isConditional, normaliseGetOptions, normaliseListOptions, normalisePutOptions } from './options.js';

/** What every section of one bank shares. */
export interface SectionContext {
  /** The driver behind the bank. */
  readonly driver: BankDriver;
  /** How `updateJson` retries. */
  readonly cas: ResolvedCasOptions;
}

const RESERVED_PREFIX = `${RESERVED_SEGMENT}/`;

/** A prefixed view of a bank; the root section has the prefix `''`. */
export class Section implements BankSection {
  /** The absolute prefix of this section inside its bank (`''` for the root). */
  readonly prefix: string;
  /** Whether writes are refused. */
  readonly readOnly: boolean;
  readonly #context: SectionContext;

  /** Creates a section; use {@link createBank} and {@link Section.section} rather than this. */
  constructor(context: SectionContext, prefix: string, readOnly: boolean) {
    this.#context = context;
    this.prefix = prefix;
    this.readOnly = readOnly;
  }

  /**
   * A narrower section at `path` (key grammar; a trailing `/` is allowed). A read-only section
   * only gives read-only sub-sections: asking one for `readOnly: false` throws
   * `KTS_ERR_BANK_READONLY` rather than quietly handing out a read-only one.
   */
  section(path: string, options: { readOnly?: boolean } = {}): BankSection {
    const relative = normaliseSectionPath(path);
    if (this.readOnly && options.readOnly === false) {
      throw this.#readOnlyError('section', relative);
    }
    return new Section(this.#context, joinKey(this.prefix, relative), this.readOnly || options.readOnly === true);
  }

  /** Reads a JSON document; `undefined` when absent. */
  async getJson<T = unknown>(key: string): Promise<VersionedDocument<T> | undefined> {
    return readJsonDocument<T>(this.#context.driver, this.#fullKey(key));
  }

  /** Writes a JSON document (conditionally with `ifMatch` / `ifNoneMatch`). */
  async putJson(
    key: string,
    value: unknown,
    options: Pick<PutObjectOptions, 'ifMatch' | 'ifNoneMatch' | 'durable'> = {},
  ): Promise<ObjectInfo> {
    const full = this.#writableKey('putJson', key);
    const { ifMatch, ifNoneMatch, durable } = normalisePutOptions(options);
    const checked = { ...(ifMatch === undefined ? {} : { ifMatch }), ...(ifNoneMatch === undefined ? {} : { ifNoneMatch }) };
    this.#requireConditionalPut(full, checked);
    const info = await this.#context.driver.put(full, encodeJson(full, value), { ...checked, ...(durable === undefined ? {} : { durable }) });
    return this.#relativeInfo(info, key);
  }

  /** Read-modify-write with compare-and-swap, retried on concurrent changes. */
  async updateJson<T>(key: string, update: (current: T | undefined) => T | Promise<T>): Promise<VersionedDocument<T>> {
    const full = this.#writableKey('updateJson', key);
    this.#requireConditionalPut(full, { ifNoneMatch: '*' });
    return updateJsonDocument(this.#context.driver, full, update, this.#context.cas);
  }

  /** Writes binary content, streaming. */
  async putObject(key: string, body: ObjectBody, options: PutObjectOptions = {}): Promise<ObjectInfo> {
    if (!isObjectBody(body)) {
      throw new ValidationError('An object body must be a Uint8Array, a Readable or an async iterable of Uint8Array', {
        code: 'KTS_ERR_VALIDATION',
        details: { key },
      });
    }
    let full: string;
    let checked: PutObjectOptions;
    try {
      full = this.#writableKey('putObject', key);
      checked = normalisePutOptions(options);
      this.#requireConditionalPut(full, checked);
    } catch (error) {
      // Refused before any byte was read: free the caller's stream (its file or socket).
      discardBody(body);
      throw error;
    }
    return this.#relativeInfo(await this.#context.driver.put(full, body, checked), key);
  }

  /**
   * Exactly `putObject(key, <the bytes of source's sourceKey>, options)`, done by the bank's
   * driver when it can copy from the driver behind `source` (a section of a bank made by
   * {@link createBank}; the same bank or another): the expected `etag` is checked against the
   * bytes written (`KTS_ERR_BANK_INTEGRITY`, nothing written), conditions are honoured,
   * metadata is stored, `signal` cancels, and a missing source object is
   * `KTS_ERR_BANK_OBJECT_NOT_FOUND`. Both keys are validated and mapped as for `putObject` and
   * `getObject`, and a read-only section refuses (`KTS_ERR_BANK_READONLY`) before anything
   * else. Resolves `undefined`, having done nothing, when there is no bank-side path between
   * the two (the driver has no `copyFrom`, declines this source, or `source` is not a section
   * of a bank): the caller then streams through `getObject` and `putObject`.
   */
  async copyObject(key: string, source: BankSection, sourceKey: string, options: PutObjectOptions = {}): Promise<ObjectInfo | undefined> {
    const full = this.#writableKey('copyObject', key);
    const checked = normalisePutOptions(options);
    this.#requireConditionalPut(full, checked);
    const { driver } = this.#context;
    if (driver.copyFrom === undefined || !(source instanceof Section)) return undefined;
    const from = source.#fullKey(sourceKey);
    const info = await driver.copyFrom(full, source.#context.driver, from, checked);
    return info === undefined ? undefined : this.#relativeInfo(info, key);
  }

  /**
   * The sha256 and size of `key`'s current content, read and hashed by the bank's driver
   * itself (`BankDriver.hashObject`; see `ObjectHasher`): `undefined` when the driver cannot,
   * and the caller then streams through `getObject`. `KTS_ERR_BANK_OBJECT_NOT_FOUND` when
   * absent; `signal` cancels.
   */
  async hashObject(key: string, options: { readonly signal?: AbortSignal } = {}): Promise<ObjectDigest | undefined> {
    const full = this.#fullKey(key);
    const { driver } = this.#context;
    if (driver.hashObject === undefined) return undefined;
    const digest = await driver.hashObject(full, options.signal === undefined ? {} : { signal: options.signal });
    return digest === undefined ? undefined : { ...digest, key: normaliseKey(key) };
  }

  /**
   * Reads binary content as a stream (`KTS_ERR_BANK_OBJECT_NOT_FOUND` when absent). Errors in
   * the middle of the stream arrive as coded errors (`KTS_ERR_BANK_IO`, `KTS_ERR_CANCELLED`).
   * Ranges are emulated when the driver has none.
   */
  async getObject(key: string, options: GetObjectOptions = {}): Promise<Readable> {
    const full = this.#fullKey(key);
    const checked = normaliseGetOptions(options);
    const { driver } = this.#context;
    const ranged = checked.start !== undefined || checked.end !== undefined;
    let stream: Readable;
    if (!ranged || driver.capabilities.ranges) {
      stream = await driver.get(full, checked);
    } else {
      const whole = await driver.get(full, checked.signal === undefined ? {} : { signal: checked.signal });
      stream = sliceStream(whole, checked.start ?? 0, checked.end);
    }
    return guardStream(stream, full, checked.signal);
  }

  /** Facts about an object; `undefined` when absent. */
  async head(key: string): Promise<ObjectInfo | undefined> {
    const info = await this.#context.driver.head(this.#fullKey(key));
    return info === undefined ? undefined : this.#relativeInfo(info, normaliseKey(key));
  }

  /** Lists keys of this section (prefix, exclusive marker, limit, order), relative to it. */
  async list(options: ListOptions = {}): Promise<ListPage> {
    const { prefix, marker, limit, order } = normaliseListOptions(options);
    const base = this.prefix === '' ? '' : `${this.prefix}/`;
    const driverOptions = {
      prefix: base + prefix,
      order,
      ...(marker === undefined ? {} : { marker: base + marker }),
      ...(limit === undefined ? {} : { limit }),
    };
    const mayReachReserved = this.prefix === '' && (RESERVED_PREFIX.startsWith(prefix) || prefix.startsWith(RESERVED_PREFIX));
    const page = mayReachReserved ? await this.#listHidingReserved(driverOptions) : await this.#context.driver.list(driverOptions);
    const strip = (full: string): string => full.slice(base.length);
    return page.nextMarker === undefined ? { keys: page.keys.map(strip) } : { keys: page.keys.map(strip), nextMarker: strip(page.nextMarker) };
  }

  /** Deletes an object; deleting an absent object is not an error. */
  async delete(key: string): Promise<void> {
    await this.#context.driver.delete(this.#writableKey('delete', key));
  }

  /** Lists the root while leaving out the bank's reserved keys, still giving full pages. */
  async #listHidingReserved(options: { prefix: string; order: 'asc' | 'desc'; marker?: string; limit?: number }): Promise<ListPage> {
    const { limit } = options;
    const wanted = limit === undefined ? Number.POSITIVE_INFINITY : limit + 1;
    const visible: string[] = [];
    let marker = options.marker;
    while (visible.length < wanted) {
      const request = { prefix: options.prefix, order: options.order, ...(marker === undefined ? {} : { marker }) };
      const page = await this.#context.driver.list(limit === undefined ? request : { ...request, limit: wanted - visible.length });
      for (const key of page.keys) if (!isReservedKey(key) && visible.length < wanted) visible.push(key);
      if (page.nextMarker === undefined) break;
      marker = page.nextMarker;
    }
    return pageOf(visible, limit);
  }

  #fullKey(key: string): string {
    return joinKey(this.prefix, normaliseKey(key));
  }

  #writableKey(operation: string, key: string): string {
    const full = this.#fullKey(key);
    if (this.readOnly) throw this.#readOnlyError(operation, full);
    return full;
  }

  #readOnlyError(operation: string, key: string): BankError {
    return new BankError(`Cannot ${operation} ${JSON.stringify(key)}: the bank section ${JSON.stringify(this.prefix)} is read-only`, {
      code: 'KTS_ERR_BANK_READONLY',
      details: { section: this.prefix, operation, key },
    });
  }

  #requireConditionalPut(key: string, options: Pick<PutObjectOptions, 'ifMatch' | 'ifNoneMatch'>): void {
    const { driver } = this.#context;
    if (isConditional(options) && !driver.capabilities.conditionalPut) {
      throw new BankError(`The ${driver.name} bank driver cannot write ${JSON.stringify(key)} conditionally`, {
        code: 'KTS_ERR_BANK_UNSUPPORTED',
        details: { driver: driver.name, capability: 'conditionalPut', key },
      });
    }
  }

  #relativeInfo(info: ObjectInfo, key: string): ObjectInfo {
    return { ...info, key: normaliseKey(key) };
  }
}

/** Passes a driver's stream through, turning a failure in mid-stream into a coded error. */
function guardStream(source: Readable, key: string, signal: AbortSignal | undefined): Readable {
  async function* guarded(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of source) yield chunk as Uint8Array;
    } catch (error) {
      throw signal?.aborted ? cancelled('get', key, signal) : ioError('get', key, error);
    } finally {
      source.destroy();
    }
  }
  return Readable.from(guarded(), { objectMode: false });
}
