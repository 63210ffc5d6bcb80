/**
 * Writing a bank driver: `createJsonFileDriver` keeps a whole bank in one JSON file. Objects
 * are held in memory, and every change rewrites the file atomically (a temporary file renamed
 * over it) before it becomes visible, so the file is never half-written and a restarted
 * process finds the bank as it was. It suits small banks — settings, demos, tests — not backup
 * data of any size: each write costs a rewrite of everything.
 *
 * The driver only stores bytes. Key checks, sections, JSON documents, compare-and-swap and
 * leases (kept as lease documents, since this driver has no native leases) come from the
 * `createBank` facade on top of it; the demo at the bottom uses it that way.
 *
 * Run the demo: `npx tsx examples/03-bank-driver.ts`
 * Run the conformance suite on the driver: `npx vitest run test/examples/bank-driver-example.test.ts`
 * (it imports `createJsonFileDriver` from this file; the demo runs only when the file is executed).
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, addAbortSignal } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { BankError } from 'karbor-ts';
import {
  cancelled,
  checkConditions,
  createBank,
  integrityError,
  ioError,
  objectNotFound,
  selectPage,
  type BankDriver,
  type ObjectBody,
  type ObjectInfo,
  type PutObjectOptions,
} from 'karbor-ts/bank';

/** Options of {@link createJsonFileDriver}. */
export interface JsonFileDriverOptions {
  /** The bank's file; created on the first write. Its directory must exist. */
  readonly path: string;
}

interface StoredObject {
  readonly data: Buffer;
  readonly info: ObjectInfo;
}

/** The file: one entry per object, its bytes in base64. */
interface BankFile {
  readonly format: typeof FORMAT;
  readonly objects: { key: string; data: string; etag: string; version: string; metadata: Record<string, string>; lastModified: string }[];
}

const FORMAT = 'json-file-bank/1';

type Entry = BankFile['objects'][number];

const toEntry = ({ data, info }: StoredObject): Entry => ({
  key: info.key,
  data: data.toString('base64'),
  etag: info.etag,
  version: info.version,
  metadata: { ...info.metadata },
  lastModified: (info.lastModified ?? new Date()).toISOString(),
});

function fromEntry(entry: Entry): StoredObject {
  const data = Buffer.from(entry.data, 'base64');
  const { key, etag, version, metadata } = entry;
  return { data, info: { key, size: data.length, etag, version, metadata, lastModified: new Date(entry.lastModified) } };
}

function load(path: string): Map<string, StoredObject> {
  if (!existsSync(path)) return new Map();
  const file = JSON.parse(readFileSync(path, 'utf8')) as BankFile;
  if (file.format !== FORMAT) throw new BankError(`${path} is not a ${FORMAT} file`, { code: 'KTS_ERR_BANK_IO' });
  return new Map(file.objects.map((entry) => [entry.key, fromEntry(entry)]));
}

/** Creates a driver over the JSON file at `options.path` (read now, if it exists). */
export function createJsonFileDriver(options: JsonFileDriverOptions): BankDriver {
  const { path } = options;
  let objects = load(path);
  // One change at a time: a change builds the next state, saves it, and only then shows it.
  let changes: Promise<unknown> = Promise.resolve();
  function change<T>(apply: (next: Map<string, StoredObject>) => T, durable = false): Promise<T> {
    const run = changes.then(async () => {
      const next = new Map(objects);
      const result = apply(next);
      const file: BankFile = { format: FORMAT, objects: [...next.values()].map(toEntry) };
      const temporary = `${path}.${randomUUID()}.tmp`;
      try {
        await writeFile(temporary, JSON.stringify(file), { flush: durable });
        await rename(temporary, path); // the commit point: readers of the file see all or nothing
      } catch (error) {
        await rm(temporary, { force: true });
        throw ioError('write', path, error);
      }
      objects = next;
      return result;
    });
    changes = run.catch(() => undefined);
    return run;
  }

  return {
    name: 'json-file',
    // Conditions are checked inside the one-at-a-time change, so they are atomic in this process.
    capabilities: { conditionalPut: true, leases: false, ranges: true },

    async put(key: string, body: ObjectBody, putOptions: PutObjectOptions = {}): Promise<ObjectInfo> {
      const { signal } = putOptions;
      if (signal?.aborted) {
        if (body instanceof Readable) body.destroy(); // not read: free its file or socket
        throw cancelled('put', key, signal);
      }
      const hash = createHash('md5');
      const chunks: Buffer[] = [];
      try {
        const collect = async (source: AsyncIterable<Uint8Array>): Promise<void> => {
          for await (const chunk of source) {
            hash.update(chunk);
            chunks.push(Buffer.from(chunk));
          }
        };
        await pipeline(body instanceof Uint8Array ? [body] : body, collect, signal === undefined ? {} : { signal });
      } catch (error) {
        throw signal?.aborted ? cancelled('put', key, signal) : ioError('put', key, error);
      }
      const data = Buffer.concat(chunks);
      const etag = hash.digest('hex');
      if (putOptions.etag !== undefined && putOptions.etag !== etag) {
        throw integrityError(key, putOptions.etag, etag);
      }
      return change((next) => {
        if (signal?.aborted) throw cancelled('put', key, signal);
        checkConditions(key, next.get(key)?.info, putOptions);
        const info: ObjectInfo = { key, size: data.length, etag, version: randomUUID(), metadata: { ...putOptions.metadata }, lastModified: new Date() };
        next.set(key, { data, info });
        return info;
      }, putOptions.durable);
    },

    // Reads are served from memory, so they never wait for I/O. Each one waits for the next turn
    // of the event loop instead: a caller reading in a tight loop would otherwise starve the
    // file writes of every put in flight.
    async get(key, getOptions = {}) {
      await nextTurn();
      if (getOptions.signal?.aborted) throw cancelled('get', key, getOptions.signal);
      const stored = objects.get(key);
      if (stored === undefined) throw objectNotFound(key);
      // Inclusive range; an end past the last byte is clamped, a start past it reads nothing.
      const bytes = stored.data.subarray(getOptions.start ?? 0, (getOptions.end ?? stored.data.length) + 1);
      const stream = Readable.from([bytes], { objectMode: false });
      return getOptions.signal === undefined ? stream : addAbortSignal(getOptions.signal, stream);
    },

    async head(key) {
      await nextTurn();
      return objects.get(key)?.info;
    },

    async list(listOptions) {
      await nextTurn();
      return selectPage(objects.keys(), listOptions); // prefix, exclusive marker, limit, order: as every driver
    },

    async delete(key) {
      if (objects.has(key)) await change((next) => next.delete(key));
    },

    async close() {
      await changes; // let the last writes reach the file
    },
  };
}

// --- Using it ----------------------------------------------------------------------------

/** The driver under `createBank`; then the same file opened again, by a new driver. */
async function demo(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'json-file-bank-'));
  try {
    const path = join(dir, 'bank.json');
    const bank = createBank(createJsonFileDriver({ path }), { owner: 'node-1' });
    await bank.putJson('settings/retention.json', { days: 30 });
    await bank.section('notes').putObject('hello.txt', Buffer.from('hello, bank'), { metadata: { author: 'demo' } });
    const updated = await bank.updateJson<{ days: number }>('settings/retention.json', (current) => ({ days: (current?.days ?? 0) + 7 }));
    console.log('retention after a compare-and-swap update:', updated.value);
    console.log('leases:', bank.leases.approach, (await bank.leases.acquire('checkpoints/1', { ttlMs: 60_000 })).owner);
    console.log('keys:', (await bank.list()).keys);
    await bank.close();

    const reopened = createBank(createJsonFileDriver({ path }));
    const note = await reopened.section('notes').head('hello.txt');
    console.log('after reopening the file:', note?.size, 'bytes, md5', note?.etag, note?.metadata);
    console.log('still leased to:', (await reopened.leases.holder('checkpoints/1'))?.owner);
    await reopened.putJson('../escape.json', {}).catch((error: BankError) => console.log('refused by the facade:', error.code));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await demo();
