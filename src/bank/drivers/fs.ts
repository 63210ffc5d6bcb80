/**
 * The filesystem bank driver: one directory per object holding a JSON sidecar and the content
 * (see `fs-layout.ts` for the layout).
 *
 * - **Atomic writes.** Content streams into a temporary file (md5 and sha256 computed on the
 *   way, the hashing overlapping the writes, never holding the object in memory:
 *   `fs-write.ts`), is renamed to `%v-<version>`, and the write commits by
 *   renaming a new sidecar over `%meta.json`. Readers never see a partial object or a sidecar
 *   that does not match the content. With `durable` (per put, or for the whole driver) the
 *   content, the sidecar and the directories up to the root are fsynced before the put answers.
 * - **Cancellation and failures** remove the temporary file and any directories left empty.
 * - **Keys** are checked again here: no key reaches outside `root`.
 * - **Conditional put** (`ifNoneMatch`, `ifMatch`) is atomic *within one process*: the check
 *   and the commit run under a per-key mutex. Across processes sharing a root it is not: two
 *   processes can both pass the check and the last rename wins (each object stays whole and
 *   consistent; one update is lost). Leases built on it by the bank facade are therefore
 *   exclusive only within one process. Run one process per root, or use a back-end with atomic
 *   conditional writes when several processes or nodes share a bank.
 * - **No native leases**: the bank facade keeps them as lease documents over conditional put.
 * - **Bank-side copy** (`copyFrom`) from any fs driver: a worker thread does the whole object
 *   (`fs-copy.ts`) — finds the source's content as `get` does, writes the temporary file, checks
 *   the etag and commits as a put does (conditions checked under the key's mutex, held for the
 *   whole job), cleaning up the same way, writing with `O_DIRECT` unless `directCopies` is
 *   false. The workers start on first use, never keep the process alive, and stop on `close()`.
 * - **Bank-side hash** (`hashObject`, for full verifications): a copy worker reads the current
 *   content with synchronous reads and hashes it (sha256); the bytes never cross this thread.
 * - **Limits**: on a case-insensitive filesystem, keys differing only in case collide; symbolic
 *   links inside the root are not listed; crash leftovers (`%tmp-*`) are not swept.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable, addAbortSignal } from 'node:stream';
import type { GetObjectOptions, ListOptions, ListPage, ObjectBody, ObjectDigest, ObjectInfo, PutObjectOptions } from '../../core/bank-section.js';
import { ValidationError, isFrameworkError } from '../../core/errors.js';
import type { BankDriver } from '../driver.js';
import { checkConditions } from '../internal/conditions.js';
import { discardBody, resolveRange } from '../internal/body.js';
import { cancelled, integrityError, invalidOption, ioError, objectNotFound } from '../internal/errors.js';
import { KeyedMutex } from '../../core/keyed-mutex.js';
import { pageOf } from '../listing.js';
import { BankSideCopier, MAX_COPY_WORKERS, defaultCopyWorkers, copySourceOf, registerCopySource } from './fs-copy.js';
import { CREATE_RETRIES, READ_RETRIES, errnoOf, ignoreMissing, pruneEmpty, readSidecar, syncDirectories, writeSmallFile } from './fs-io.js';
import { DATA_PREFIX, META_FILE, TEMP_PREFIX, contentMissing, dataFile, infoOf, objectDirectory, sealOf, type Sidecar } from './fs-layout.js';
import { walkKeys } from './fs-walk.js';
import { writeHashed, type HashedContent } from './fs-write.js';

/** Options of {@link createFsDriver}. */
export interface FsDriverOptions {
  /** The directory that holds the bank; created on first write. */
  readonly root: string;
  /**
   * fsync every write (content, sidecar and directory), as if each put asked for `durable`.
   * Without it only puts with `durable: true` are fsynced.
   * @default false
   */
  readonly durable?: boolean;
  /**
   * Worker threads for bank-side copies from fs drivers (`copyFrom`), 0 to decline them (the
   * facade then streams the bytes through this thread).
   * @default two per available core, at most 4
   */
  readonly copyWorkers?: number;
  /**
   * Bank-side copies write with `O_DIRECT`, bypassing the page cache: a copy is written once
   * and seldom read soon, so it neither evicts the host's working set nor pays for cache pages
   * (half the CPU of buffered writes on the bench machine). Where the filesystem refuses
   * `O_DIRECT` (tmpfs before Linux 6.6, some FUSE and network filesystems) the copies are
   * buffered. Puts are always buffered.
   * @default true
   */
  readonly directCopies?: boolean;
}

/** Creates a bank driver that stores objects under `options.root`. */
export function createFsDriver(options: FsDriverOptions): BankDriver {
  if (typeof options?.root !== 'string' || options.root === '') throw invalidOption('root', 'a non-empty path', options?.root);
  const root = resolve(options.root);
  const copyWorkers = options.copyWorkers ?? defaultCopyWorkers();
  if (!Number.isSafeInteger(copyWorkers) || copyWorkers < 0 || copyWorkers > MAX_COPY_WORKERS) {
    throw invalidOption('copyWorkers', `an integer from 0 to ${MAX_COPY_WORKERS}`, options.copyWorkers);
  }
  const mutex = new KeyedMutex();

  function classify(operation: string, key: string, error: unknown): Error {
    if (isFrameworkError(error)) return error;
    if (errnoOf(error) === 'ENAMETOOLONG') {
      return new ValidationError(`Bank key ${JSON.stringify(key)} is too long for this filesystem`, {
        code: 'KTS_ERR_BANK_KEY_INVALID',
        details: { key },
        cause: error,
      });
    }
    return ioError(operation, key, error);
  }

  if (options.directCopies !== undefined && typeof options.directCopies !== 'boolean') throw invalidOption('directCopies', 'a boolean', options.directCopies);
  const copier = new BankSideCopier(copyWorkers, { root, durable: options.durable ?? false, direct: options.directCopies ?? true, mutex, classify });

  /** Creates the object directory and an exclusive temporary file in it (retrying the rare race with a delete pruning the directory). */
  async function createTemp(directory: string): Promise<{ path: string; handle: FileHandle }> {
    for (let attempt = 1; ; attempt++) {
      await mkdir(directory, { recursive: true });
      const path = join(directory, `${TEMP_PREFIX}${randomUUID()}`);
      try {
        return { path, handle: await open(path, 'wx') };
      } catch (error) {
        if (errnoOf(error) !== 'ENOENT' || attempt >= CREATE_RETRIES) throw error;
      }
    }
  }

  async function put(key: string, body: ObjectBody, putOptions: PutObjectOptions = {}): Promise<ObjectInfo> {
    const { signal } = putOptions;
    let directory: string;
    try {
      directory = objectDirectory(root, key);
      if (signal?.aborted) throw cancelled('put', key, signal);
    } catch (error) {
      discardBody(body);
      throw error;
    }
    return store(key, directory, body, putOptions);
  }

  /**
   * Writes a new version of `key`: `body` streams into a fresh temporary file (md5 on the way);
   * then the expected etag is checked and the version committed (conditions, rename, sidecar).
   * On any failure or cancellation the temporary file goes.
   */
  async function store(key: string, directory: string, body: ObjectBody, putOptions: PutObjectOptions): Promise<ObjectInfo> {
    const { signal } = putOptions;
    const durable = putOptions.durable ?? options.durable ?? false;
    let temp: string | undefined;
    try {
      const created = await createTemp(directory);
      temp = created.path;
      let content: HashedContent;
      try {
        content = await writeHashed(created.handle, body, signal);
        if (durable) await created.handle.sync();
      } finally {
        await created.handle.close();
      }
      if (putOptions.etag !== undefined && putOptions.etag !== content.etag) throw integrityError(key, putOptions.etag, content.etag);
      const written = temp;
      const info = await mutex.run(key, () => commit(key, directory, written, content, putOptions, durable));
      temp = undefined;
      return info;
    } catch (error) {
      if (temp !== undefined) {
        await ignoreMissing(unlink(temp)).catch(() => undefined);
        await pruneEmpty(root, directory);
      }
      if (signal?.aborted) throw cancelled('put', key, signal);
      throw classify('put', key, error);
    }
  }

  /** The commit of a put, under the key's mutex: check conditions, install content, swap the sidecar. */
  async function commit(
    key: string,
    directory: string,
    temp: string,
    content: HashedContent,
    putOptions: PutObjectOptions,
    durable: boolean,
  ): Promise<ObjectInfo> {
    if (putOptions.signal?.aborted) throw cancelled('put', key, putOptions.signal);
    const current = await readSidecar(directory);
    checkConditions(key, current, putOptions);
    const sidecar: Sidecar = {
      format: 1,
      key,
      version: randomUUID(),
      size: content.size,
      etag: content.etag,
      sha256: content.sha256,
      seal: sealOf(content.etag, content.size, content.sha256),
      metadata: { ...putOptions.metadata },
      lastModified: new Date().toISOString(),
    };
    const data = dataFile(directory, sidecar.version);
    await rename(temp, data);
    const sidecarTemp = join(directory, `${TEMP_PREFIX}${randomUUID()}`);
    try {
      await writeSmallFile(sidecarTemp, JSON.stringify(sidecar), durable);
      await rename(sidecarTemp, join(directory, META_FILE));
    } catch (error) {
      await ignoreMissing(unlink(sidecarTemp)).catch(() => undefined);
      await ignoreMissing(unlink(data)).catch(() => undefined);
      throw error;
    }
    if (durable) await syncDirectories(root, directory);
    if (current !== undefined) await ignoreMissing(unlink(dataFile(directory, current.version))).catch(() => undefined);
    return infoOf(sidecar);
  }

  /**
   * Opens the content file of `key`'s current version (`KTS_ERR_BANK_OBJECT_NOT_FOUND` when
   * absent), reading the sidecar again when a concurrent write replaced that version meanwhile.
   */
  async function openContent(key: string): Promise<{ sidecar: Sidecar; handle: FileHandle }> {
    const directory = objectDirectory(root, key);
    let previous: string | undefined;
    for (let attempt = 1; attempt <= READ_RETRIES; attempt++) {
      const sidecar = await readSidecar(directory);
      if (sidecar === undefined) throw objectNotFound(key);
      try {
        return { sidecar, handle: await open(dataFile(directory, sidecar.version), 'r') };
      } catch (error) {
        // A concurrent write replaced this version between our two reads: read again.
        if (errnoOf(error) !== 'ENOENT') throw error;
        if (previous === sidecar.version) break;
        previous = sidecar.version;
      }
    }
    throw contentMissing(key);
  }

  async function get(key: string, getOptions: GetObjectOptions = {}): Promise<Readable> {
    const { signal } = getOptions;
    try {
      if (signal?.aborted) throw cancelled('get', key, signal);
      const { sidecar, handle } = await openContent(key);
      let range: ReturnType<typeof resolveRange>;
      try {
        range = resolveRange(sidecar.size, getOptions);
      } catch (error) {
        await handle.close();
        throw error;
      }
      let stream: Readable;
      if (range === undefined) {
        await handle.close();
        stream = Readable.from([], { objectMode: false });
      } else {
        stream = handle.createReadStream({ start: range.start, end: range.end, autoClose: true });
      }
      return signal === undefined ? stream : addAbortSignal(signal, stream);
    } catch (error) {
      throw classify('get', key, error);
    }
  }

  /** Where other fs drivers copying from this one find `key`'s object. */
  function directoryOf(key: string): string {
    try {
      return objectDirectory(root, key);
    } catch (error) {
      throw classify('get', key, error);
    }
  }

  /** Bank-side copy from an fs driver (see {@link BankDriver.copyFrom}); `undefined` for any other source. */
  async function copyFrom(key: string, source: BankDriver, sourceKey: string, copyOptions: PutObjectOptions = {}): Promise<ObjectInfo | undefined> {
    const from = copySourceOf(source);
    if (from === undefined || !copier.usable) return undefined;
    const { signal } = copyOptions;
    let directory: string;
    try {
      directory = objectDirectory(root, key);
      if (signal?.aborted) throw cancelled('copy', key, signal);
    } catch (error) {
      throw classify('copy', key, error);
    }
    return copier.copy(key, directory, from.directoryOf(sourceKey), sourceKey, copyOptions);
  }

  /** Bank-side hash (see {@link BankDriver.hashObject}) in a copy worker; `undefined` when the driver has none. */
  async function hashObject(key: string, hashOptions: { readonly signal?: AbortSignal } = {}): Promise<Omit<ObjectDigest, 'key'> | undefined> {
    if (!copier.usable) return undefined;
    return copier.hash(key, directoryOf(key), hashOptions.signal);
  }

  async function head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const sidecar = await readSidecar(objectDirectory(root, key));
      return sidecar === undefined ? undefined : infoOf(sidecar);
    } catch (error) {
      throw classify('head', key, error);
    }
  }

  async function list(listOptions: ListOptions = {}): Promise<ListPage> {
    try {
      const keys: string[] = [];
      const wanted = listOptions.limit === undefined ? Number.POSITIVE_INFINITY : listOptions.limit + 1;
      await walkKeys(root, listOptions, (key) => keys.push(key) < wanted);
      return pageOf(keys, listOptions.limit);
    } catch (error) {
      throw classify('list', listOptions.prefix ?? '', error);
    }
  }

  async function remove(key: string): Promise<void> {
    try {
      const directory = objectDirectory(root, key);
      await mutex.run(key, async () => {
        await ignoreMissing(unlink(join(directory, META_FILE)));
        // Under the key's mutex no commit is running, so every content file is this object's
        // or an orphan of an interrupted commit; temporary files may belong to a running put.
        let names: string[] = [];
        try {
          names = await readdir(directory);
        } catch (error) {
          if (errnoOf(error) !== 'ENOENT' && errnoOf(error) !== 'ENOTDIR') throw error;
        }
        for (const name of names) if (name.startsWith(DATA_PREFIX)) await ignoreMissing(unlink(join(directory, name)));
        await pruneEmpty(root, directory);
      });
    } catch (error) {
      throw classify('delete', key, error);
    }
  }

  const driver: BankDriver = {
    name: 'fs',
    capabilities: { conditionalPut: true, leases: false, ranges: true },
    put,
    get,
    head,
    list,
    delete: remove,
    copyFrom,
    hashObject,
    close: () => copier.close(),
  };
  registerCopySource(driver, { directoryOf });
  return driver;
}
