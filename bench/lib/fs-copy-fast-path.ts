/**
 * A **prototype**, for the copy benchmark only, of the bank-side copy proposed for the
 * filesystem driver (the `ObjectCopier` capability that `copyObjects` already uses when a
 * destination section offers it): an fs → fs object copy whose bytes never pass through the
 * main thread's streams. Worker threads open the source version file and a temporary file in
 * the destination object's directory, and loop synchronous `read` → md5 `update` → `write`
 * over one reused 1 MiB buffer each; the main thread checks the md5 against the expected etag
 * and commits as the driver's `put` does (conditions, rename of the content, sidecar swap).
 *
 * It reads and writes the driver's on-disk layout (`src/bank/drivers/fs-layout.ts`) from
 * outside the driver and has no per-key mutex, no `durable` and no crash clean-up: it exists
 * to measure what the capability would give inside `src/bank/drivers/fs.ts`, nothing more.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BankSection, ObjectInfo, PutObjectOptions } from '../../src/core/bank-section.js';
import { DATA_PREFIX, META_FILE, TEMP_PREFIX, dataFile, infoOf, objectDirectory, parseSidecar, type Sidecar } from '../../src/bank/drivers/fs-layout.js';
import { checkConditions } from '../../src/bank/internal/conditions.js';
import { integrityError } from '../../src/bank/internal/errors.js';
import type { ObjectCopier } from '../../src/plugins/bank-copy/index.js';

const SOURCE = `
const { parentPort } = require('node:worker_threads');
const { openSync, readSync, writeSync, closeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const buffer = Buffer.allocUnsafe(1024 * 1024);
parentPort.on('message', ({ id, from, to }) => {
  let input, output;
  try {
    input = openSync(from, 'r');
    output = openSync(to, 'wx');
    const md5 = createHash('md5');
    let size = 0;
    for (;;) {
      const read = readSync(input, buffer, 0, buffer.length, null);
      if (read === 0) break;
      const bytes = read === buffer.length ? buffer : buffer.subarray(0, read);
      md5.update(bytes);
      for (let at = 0; at < read; ) at += writeSync(output, bytes, at, read - at);
      size += read;
    }
    parentPort.postMessage({ id, etag: md5.digest('hex'), size });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) });
  } finally {
    if (input !== undefined) closeSync(input);
    if (output !== undefined) closeSync(output);
  }
});
`;

interface Pending {
  readonly resolve: (result: { etag: string; size: number }) => void;
  readonly reject: (error: Error) => void;
}

/** A fixed pool of copy workers. */
export class CopyWorkers {
  readonly #workers: { thread: Worker; busy: number }[] = [];
  readonly #pending = new Map<number, Pending>();
  #next = 0;

  constructor(count: number) {
    for (let index = 0; index < count; index++) {
      const thread = new Worker(SOURCE, { eval: true });
      const entry = { thread, busy: 0 };
      thread.on('message', (message: { id: number; etag?: string; size?: number; error?: string }) => {
        if (--entry.busy === 0) thread.unref();
        const pending = this.#pending.get(message.id)!;
        this.#pending.delete(message.id);
        if (message.error !== undefined) pending.reject(new Error(message.error));
        else pending.resolve({ etag: message.etag!, size: message.size! });
      });
      thread.unref();
      this.#workers.push(entry);
    }
  }

  /** Copies file `from` to the new file `to`; resolves with the md5 and size of what was copied. */
  copy(from: string, to: string): Promise<{ etag: string; size: number }> {
    const entry = this.#workers.reduce((least, item) => (item.busy < least.busy ? item : least));
    const id = this.#next++;
    if (entry.busy++ === 0) entry.thread.ref();
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      entry.thread.postMessage({ id, from, to });
    });
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((entry) => entry.thread.terminate()));
  }
}

async function readSidecar(directory: string): Promise<Sidecar | undefined> {
  try {
    return parseSidecar(await readFile(join(directory, META_FILE), 'utf8'), directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const full = (section: BankSection, key: string): string => (section.prefix === '' ? key : `${section.prefix}/${key}`);

/**
 * `destination` (a section of the fs bank at `destinationRoot`) with a bank-side `copyObject`
 * from sections of the fs bank at `sourceRoot`, done by `workers`.
 */
export function withFsFastPath(destination: BankSection, roots: { readonly source: string; readonly destination: string }, workers: CopyWorkers): BankSection & ObjectCopier {
  const copier: ObjectCopier = {
    async copyObject(key: string, source: BankSection, sourceKey: string, options: PutObjectOptions): Promise<ObjectInfo | undefined> {
      const from = objectDirectory(roots.source, full(source, sourceKey));
      const sidecar = await readSidecar(from);
      if (sidecar === undefined) return undefined;
      const directory = objectDirectory(roots.destination, full(destination, key));
      await mkdir(directory, { recursive: true });
      const temp = join(directory, `${TEMP_PREFIX}${randomUUID()}`);
      try {
        const copied = await workers.copy(dataFile(from, sidecar.version), temp);
        if (options.etag !== undefined && options.etag !== copied.etag) throw integrityError(key, options.etag, copied.etag);
        const current = await readSidecar(directory);
        checkConditions(key, current, options);
        const next: Sidecar = { format: 1, key: full(destination, key), version: randomUUID(), size: copied.size, etag: copied.etag, metadata: { ...options.metadata }, lastModified: new Date().toISOString() };
        await rename(temp, dataFile(directory, next.version));
        const sidecarTemp = join(directory, `${TEMP_PREFIX}${randomUUID()}`);
        await writeFile(sidecarTemp, JSON.stringify(next), { flag: 'wx' });
        await rename(sidecarTemp, join(directory, META_FILE));
        if (current !== undefined) await unlink(join(directory, `${DATA_PREFIX}${current.version}`)).catch(() => undefined);
        return { ...infoOf(next), key };
      } catch (error) {
        await unlink(temp).catch(() => undefined);
        throw error;
      }
    },
  };
  return {
    prefix: destination.prefix,
    readOnly: destination.readOnly,
    section: destination.section.bind(destination),
    getJson: destination.getJson.bind(destination),
    putJson: destination.putJson.bind(destination),
    updateJson: destination.updateJson.bind(destination),
    putObject: destination.putObject.bind(destination),
    getObject: destination.getObject.bind(destination),
    head: destination.head.bind(destination),
    list: destination.list.bind(destination),
    delete: destination.delete.bind(destination),
    copyObject: copier.copyObject,
  };
}
