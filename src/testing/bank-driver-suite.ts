/**
 * The bank-driver conformance suite: one set of vitest cases every {@link BankDriver} passes,
 * so that listing, metadata, etags, ranges, conditional writes, leases, large objects, errors,
 * cancellation and the optional bank-side hash (`hashObject`; its cases skip themselves for a
 * driver without it) behave the same on every back-end. A driver's test file is a few lines:
 *
 * ```ts
 * import { createMemoryDriver } from 'karbor-ts/bank';
 * import { testBankDriver } from 'karbor-ts/testing';
 *
 * testBankDriver({ name: 'memory', create: () => createMemoryDriver() });
 * ```
 *
 * A gap is declared, never left out: `skip: [{ test: 'ranges', reason: 'no ranged reads' }]`
 * skips a group (or one case, named `'<group>: <case title>'`), and the reason is printed in
 * the skipped test's name. Naming a group or case that does not exist fails the suite.
 *
 * Each case gets a fresh driver from `create` and hands it to `cleanup` afterwards. Leases are
 * tested through the bank facade ({@link createBank}), so a driver without native leases is
 * tested with the lease documents the facade keeps over its conditional put.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareKeys, createBank, type BankDriver } from '../bank/index.js';

/** The groups of the suite, each a `describe` block. */
export const BANK_DRIVER_TEST_GROUPS = [
  'listing',
  'metadata',
  'etag',
  'ranges',
  'conditional-put',
  'leases',
  'large-object',
  'errors',
  'delete',
  'cancellation',
  'bank-side-hash',
] as const;

/** One of {@link BANK_DRIVER_TEST_GROUPS}. */
export type BankDriverTestGroup = (typeof BANK_DRIVER_TEST_GROUPS)[number];

/** A declared gap: a group, or one case as `'<group>: <case title>'`, with the reason. */
export interface BankDriverSkip {
  /** The group id, or `'<group>: <case title>'`. */
  readonly test: BankDriverTestGroup | `${BankDriverTestGroup}: ${string}`;
  /** Why the driver cannot pass it; printed in the skipped test's name. */
  readonly reason: string;
}

/** Options of {@link testBankDriver}. */
export interface BankDriverSuiteOptions {
  /** The driver's name in test titles. */
  readonly name: string;
  /** Makes a fresh, empty driver for one case. */
  readonly create: () => BankDriver | Promise<BankDriver>;
  /** Disposes of what `create` made (after the driver's own `close`). */
  readonly cleanup?: (driver: BankDriver) => void | Promise<void>;
  /** Declared gaps. */
  readonly skip?: readonly BankDriverSkip[];
  /**
   * Size of the object in the `large-object` case, in bytes.
   * @default 67108864 (64 MiB)
   */
  readonly largeObjectBytes?: number;
}

/** What a case's body may ask of its test: to skip itself (an optional driver method is absent). */
interface CaseContext {
  skip(note?: string): never;
}

type Case = (title: string, body: (context: CaseContext) => Promise<void>, timeout?: number) => void;

const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');
const bytesOf = (text: string): Buffer => Buffer.from(text, 'utf8');

async function readStream(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}

/** Sorted by UTF-8 bytes with Buffer.compare: an independent oracle for compareKeys. */
function byteSorted(keys: readonly string[]): string[] {
  return [...keys].sort((a, b) => Buffer.compare(bytesOf(a), bytesOf(b)));
}

/** Registers the conformance cases for one driver. */
export function testBankDriver(options: BankDriverSuiteOptions): void {
  const { name, create, cleanup, skip = [], largeObjectBytes = 64 * 1024 * 1024 } = options;
  const known = new Set<string>();
  let driver: BankDriver;

  const reasonFor = (id: string): string | undefined => skip.find((entry) => entry.test === id)?.reason;

  function group(id: BankDriverTestGroup, register: (test: Case) => void): void {
    known.add(id);
    describe(id, () => {
      register((title, body, timeout) => {
        const caseId = `${id}: ${title}`;
        known.add(caseId);
        const reason = reasonFor(caseId) ?? reasonFor(id);
        if (reason === undefined) it(title, (context) => body(context as unknown as CaseContext), timeout);
        else it.skip(`${title} (skipped: ${reason})`, body);
      });
    });
  }

  const put = (key: string, content: string | Uint8Array, metadata?: Record<string, string>) =>
    driver.put(key, typeof content === 'string' ? bytesOf(content) : content, metadata === undefined ? {} : { metadata });
  const read = async (key: string, range?: { start?: number; end?: number }) => (await readStream(await driver.get(key, range))).toString('utf8');
  const listAll = async (listOptions: Parameters<BankDriver['list']>[0] = {}) => (await driver.list(listOptions)).keys;

  describe(`bank driver conformance: ${name}`, () => {
    beforeEach(async () => {
      driver = await create();
    });
    afterEach(async () => {
      await driver.close?.();
      await cleanup?.(driver);
    });

    group('listing', (test) => {
      const KEYS = ['b', 'a', 'a/b', 'a!', 'a-c', 'A', 'ab', 'a/bb', 'a/b/c', 'é', '\u{1F600}', '\uFF71', 'z/y/x'];
      const seed = async (): Promise<void> => {
        for (const key of KEYS) await put(key, `content of ${key}`);
      };

      test('an empty bank lists nothing', async () => {
        const page = await driver.list();
        expect(page.keys).toEqual([]);
        expect(page.nextMarker).toBeUndefined();
      });

      test('ascending order is UTF-8 byte order', async () => {
        await seed();
        const keys = await listAll();
        expect(keys).toEqual(byteSorted(KEYS));
        // Spot checks where other orders differ: '!' (0x21) and '-' (0x2d) sort before '/' (0x2f);
        // U+1F600 sorts after U+FF71 in UTF-8 (UTF-16 code units would put it before).
        expect(keys.indexOf('a!')).toBeLessThan(keys.indexOf('a/b'));
        expect(keys.indexOf('a-c')).toBeLessThan(keys.indexOf('a/b'));
        expect(keys.indexOf('\uFF71')).toBeLessThan(keys.indexOf('\u{1F600}'));
        expect([...keys].sort(compareKeys)).toEqual(keys);
      });

      test('descending order is the exact reverse', async () => {
        await seed();
        expect(await listAll({ order: 'desc' })).toEqual(byteSorted(KEYS).reverse());
      });

      for (const order of ['asc', 'desc'] as const) {
        test(`limit pages through every key (${order}), nextMarker only while more remain`, async () => {
          await seed();
          const expected = order === 'asc' ? byteSorted(KEYS) : byteSorted(KEYS).reverse();
          for (const limit of [1, 3, 5, KEYS.length, KEYS.length + 1]) {
            const seen: string[] = [];
            let marker: string | undefined;
            for (let pages = 0; ; pages++) {
              expect(pages).toBeLessThan(KEYS.length + 2);
              const page = await driver.list({ order, limit, ...(marker === undefined ? {} : { marker }) });
              expect(page.keys.length).toBeLessThanOrEqual(limit);
              seen.push(...page.keys);
              if (page.nextMarker === undefined) break;
              expect(page.nextMarker).toBe(page.keys[page.keys.length - 1]);
              marker = page.nextMarker;
            }
            expect(seen).toEqual(expected);
          }
        });
      }

      test('a last page that is exactly full has no nextMarker', async () => {
        for (const key of ['k1', 'k2', 'k3', 'k4']) await put(key, key);
        const first = await driver.list({ limit: 2 });
        expect(first).toEqual({ keys: ['k1', 'k2'], nextMarker: 'k2' });
        const second = await driver.list({ limit: 2, marker: 'k2' });
        expect(second.keys).toEqual(['k3', 'k4']);
        expect(second.nextMarker).toBeUndefined();
      });

      test('the marker is exclusive and need not exist', async () => {
        await seed();
        const asc = byteSorted(KEYS);
        expect(await listAll({ marker: 'a/b' })).toEqual(asc.slice(asc.indexOf('a/b') + 1));
        expect(await listAll({ marker: 'a/ba' })).toEqual(asc.slice(asc.indexOf('a/bb')));
        const desc = [...asc].reverse();
        expect(await listAll({ marker: 'a/b', order: 'desc' })).toEqual(desc.slice(desc.indexOf('a/b') + 1));
        expect(await listAll({ marker: 'a/ba', order: 'desc' })).toEqual(desc.slice(desc.indexOf('a/b/c')));
        expect(await listAll({ marker: '\u{1F600}' })).toEqual([]);
        expect(await listAll({ marker: 'A', order: 'desc' })).toEqual([]);
      });

      test('prefix selects keys, with partial segments and nested keys', async () => {
        await seed();
        expect(await listAll({ prefix: 'a/' })).toEqual(['a/b', 'a/b/c', 'a/bb']);
        expect(await listAll({ prefix: 'a/b' })).toEqual(['a/b', 'a/b/c', 'a/bb']);
        expect(await listAll({ prefix: 'a/b/' })).toEqual(['a/b/c']);
        expect(await listAll({ prefix: 'a' })).toEqual(['a', 'a!', 'a-c', 'a/b', 'a/b/c', 'a/bb', 'ab']);
        expect(await listAll({ prefix: 'z/' })).toEqual(['z/y/x']);
        expect(await listAll({ prefix: 'z/y/x/' })).toEqual([]);
        expect(await listAll({ prefix: 'nothing' })).toEqual([]);
      });

      test('prefix combines with marker, limit and descending order', async () => {
        await seed();
        expect(await driver.list({ prefix: 'a', marker: 'a-c', limit: 2 })).toEqual({ keys: ['a/b', 'a/b/c'], nextMarker: 'a/b/c' });
        expect(await driver.list({ prefix: 'a', marker: 'a/b/c', limit: 2 })).toEqual({ keys: ['a/bb', 'ab'] });
        expect(await driver.list({ prefix: 'a/', order: 'desc', limit: 2 })).toEqual({ keys: ['a/bb', 'a/b/c'], nextMarker: 'a/b/c' });
        expect(await driver.list({ prefix: 'a/', order: 'desc', marker: 'a/b/c' })).toEqual({ keys: ['a/b'] });
      });

      test('a key and keys below it coexist', async () => {
        await put('x', 'x');
        await put('x/y', 'x/y');
        await put('x/y/z', 'x/y/z');
        expect(await listAll()).toEqual(['x', 'x/y', 'x/y/z']);
        expect(await read('x')).toBe('x');
        expect(await read('x/y')).toBe('x/y');
        expect(await read('x/y/z')).toBe('x/y/z');
        expect(await listAll({ prefix: 'x/y/' })).toEqual(['x/y/z']);
      });

      test('keys with unusual characters round trip', async () => {
        const odd = ['sp ace', 'per%cent', '%41', '%meta.json', '%v-1', '%tmp-x', 'h#sh?q=1&r+s', 'at@colon:', 'ü/😀', '.hidden', '..dots', 'x/.y'];
        for (const key of odd) await put(key, `content of ${key}`);
        expect(await listAll()).toEqual(byteSorted(odd));
        for (const key of odd) expect(await read(key)).toBe(`content of ${key}`);
      });
    });

    group('metadata', (test) => {
      test('metadata round trips through put and head', async () => {
        const info = await put('m', 'hello', { color: 'blue', 'x-count': '3', empty: '' });
        expect(info).toMatchObject({ key: 'm', size: 5, etag: md5(bytesOf('hello')), metadata: { color: 'blue', 'x-count': '3', empty: '' } });
        const head = await driver.head('m');
        expect(head).toMatchObject({ key: 'm', size: 5, etag: info.etag, version: info.version });
        expect({ ...head?.metadata }).toEqual({ color: 'blue', 'x-count': '3', empty: '' });
        if (head?.lastModified !== undefined) expect(head.lastModified).toBeInstanceOf(Date);
      });

      test('an object written without metadata has none', async () => {
        await put('m', 'x');
        expect({ ...(await driver.head('m'))?.metadata }).toEqual({});
      });

      test('a rewrite replaces the metadata', async () => {
        await put('m', 'x', { a: '1', b: '2' });
        await put('m', 'y', { c: '3' });
        expect({ ...(await driver.head('m'))?.metadata }).toEqual({ c: '3' });
      });

      test('head of a missing key is undefined', async () => {
        expect(await driver.head('missing')).toBeUndefined();
        await put('present/below', 'x');
        expect(await driver.head('present')).toBeUndefined();
      });
    });

    group('etag', (test) => {
      const content = 'The quick brown fox jumps over the lazy dog';
      const expected = '9e107d9d372bb6826bd81d3542a419d6';

      test('a buffer put records the md5 of the content', async () => {
        const info = await put('e', content);
        expect(info.etag).toBe(expected);
        expect((await driver.head('e'))?.etag).toBe(expected);
      });

      test('a Readable put records the md5 of the content', async () => {
        const chunks = [bytesOf('The quick '), bytesOf('brown fox '), bytesOf('jumps over the lazy dog')];
        const info = await driver.put('e', Readable.from(chunks));
        expect(info).toMatchObject({ etag: expected, size: 43 });
        expect(await read('e')).toBe(content);
      });

      test('an async iterable put records the md5 of the content', async () => {
        async function* chunks(): AsyncGenerator<Uint8Array> {
          for (const word of content.split(/(?= )/u)) yield bytesOf(word);
        }
        const info = await driver.put('e', chunks());
        expect(info).toMatchObject({ etag: expected, size: 43 });
      });

      test('an empty object has the md5 of nothing', async () => {
        const info = await put('empty', new Uint8Array(0));
        expect(info).toMatchObject({ etag: 'd41d8cd98f00b204e9800998ecf8427e', size: 0 });
        expect(await read('empty')).toBe('');
      });

      test('an expected etag that matches is accepted', async () => {
        const info = await driver.put('e', bytesOf(content), { etag: expected });
        expect(info.etag).toBe(expected);
      });

      test('rewriting the same content changes the version, not the etag', async () => {
        const first = await put('e', content);
        const second = await put('e', content);
        expect(second.etag).toBe(first.etag);
        expect(second.version).not.toBe(first.version);
      });
    });

    group('ranges', (test) => {
      const content = '0123456789abcdefghij';

      test('start and end are inclusive', async () => {
        await put('r', content);
        expect(await read('r', { start: 3, end: 7 })).toBe('34567');
        expect(await read('r', { start: 5, end: 5 })).toBe('5');
      });

      test('start alone reads to the end', async () => {
        await put('r', content);
        expect(await read('r', { start: 15 })).toBe('fghij');
      });

      test('end alone reads from the start', async () => {
        await put('r', content);
        expect(await read('r', { end: 4 })).toBe('01234');
      });

      test('an end past the last byte is clamped', async () => {
        await put('r', content);
        expect(await read('r', { start: 18, end: 1000 })).toBe('ij');
      });

      test('a start at or past the end reads nothing', async () => {
        await put('r', content);
        expect(await read('r', { start: 20 })).toBe('');
        expect(await read('r', { start: 25, end: 30 })).toBe('');
      });

      test('a range across internal chunk boundaries', async () => {
        const big = Buffer.alloc(3 * 1024 * 1024 + 17);
        for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
        await driver.put('big', big);
        const start = 1024 * 1024 - 5;
        const end = 2 * 1024 * 1024 + 5;
        const got = await readStream(await driver.get('big', { start, end }));
        expect(got.equals(big.subarray(start, end + 1))).toBe(true);
      });
    });

    group('conditional-put', (test) => {
      test('ifNoneMatch "*" creates an absent object', async () => {
        const info = await driver.put('c', bytesOf('one'), { ifNoneMatch: '*' });
        expect(info.etag).toBe(md5(bytesOf('one')));
        expect(await read('c')).toBe('one');
      });

      test('ifNoneMatch "*" is refused when the object exists, which stays unchanged', async () => {
        const first = await put('c', 'one');
        await expectCode(driver.put('c', bytesOf('two'), { ifNoneMatch: '*' }), 'KTS_ERR_BANK_PRECONDITION_FAILED');
        expect(await read('c')).toBe('one');
        expect((await driver.head('c'))?.version).toBe(first.version);
      });

      test('ifMatch with the current version replaces the object', async () => {
        const first = await put('c', 'one');
        const second = await driver.put('c', bytesOf('two'), { ifMatch: first.version });
        expect(second.version).not.toBe(first.version);
        expect(await read('c')).toBe('two');
      });

      test('ifMatch with a stale version is refused, which leaves the object unchanged', async () => {
        const first = await put('c', 'one');
        await put('c', 'two');
        await expectCode(driver.put('c', bytesOf('three'), { ifMatch: first.version }), 'KTS_ERR_BANK_PRECONDITION_FAILED');
        expect(await read('c')).toBe('two');
      });

      test('ifMatch on an absent object is refused', async () => {
        const gone = await put('c', 'one');
        await driver.delete('c');
        await expectCode(driver.put('c', bytesOf('two'), { ifMatch: gone.version }), 'KTS_ERR_BANK_PRECONDITION_FAILED');
        expect(await driver.head('c')).toBeUndefined();
      });

      test('concurrent creates with ifNoneMatch "*": exactly one wins', async () => {
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) => driver.put('race', bytesOf(`writer ${i}`), { ifNoneMatch: '*' })),
        );
        const won = results.filter((result) => result.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const result of results) {
          if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'KTS_ERR_BANK_PRECONDITION_FAILED' });
        }
        const winner = won[0]?.status === 'fulfilled' ? won[0].value : undefined;
        expect((await driver.head('race'))?.version).toBe(winner?.version);
      });

      test('concurrent ifMatch writes from one version: exactly one wins', async () => {
        const base = await put('race', 'base');
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) => driver.put('race', bytesOf(`writer ${i}`), { ifMatch: base.version })),
        );
        expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      });

      test('reads racing overwrites never find the object missing', async () => {
        await put('busy', 'v0');
        let writing = true;
        const missing: string[] = [];
        const writer = (async () => {
          try {
            for (let i = 1; i <= 100; i++) await put('busy', `v${i}`);
          } finally {
            writing = false;
          }
        })();
        const readers = Array.from({ length: 4 }, async () => {
          while (writing) {
            if ((await driver.head('busy')) === undefined) missing.push('head');
            await read('busy').catch((error: unknown) => missing.push(`get: ${String(error)}`));
            // a driver whose reads never wait for I/O would otherwise starve its own writes
            await new Promise((resolve) => setImmediate(resolve));
          }
        });
        await Promise.all([writer, ...readers]);
        expect(missing).toEqual([]);
        expect(await read('busy')).toBe('v100');
      }, 60_000);
    });

    group('leases', (test) => {
      const banks = () => ({
        a: createBank(driver, { owner: 'owner-a' }),
        b: createBank(driver, { owner: 'owner-b' }),
      });

      test('acquire gives a live lease to its owner', async () => {
        const { a, b } = banks();
        const before = Date.now();
        const lease = await a.leases.acquire('checkpoints/1', { ttlMs: 30_000 });
        expect(lease).toMatchObject({ name: 'checkpoints/1', owner: 'owner-a' });
        expect(lease.expiresAt).toBeGreaterThanOrEqual(before + 30_000);
        expect(await b.leases.holder('checkpoints/1')).toMatchObject({ owner: 'owner-a' });
        expect(await b.leases.holder('checkpoints/2')).toBeUndefined();
      });

      test('a second owner is refused while the lease is live', async () => {
        const { a, b } = banks();
        await a.leases.acquire('checkpoints/1', { ttlMs: 30_000 });
        await expectCode(b.leases.acquire('checkpoints/1', { ttlMs: 30_000 }), 'KTS_ERR_BANK_LEASE_HELD');
        expect(await a.leases.holder('checkpoints/1')).toMatchObject({ owner: 'owner-a' });
        await b.leases.acquire('checkpoints/2', { ttlMs: 30_000 });
      });

      test('the owner acquires again and renews', async () => {
        const { a } = banks();
        const first = await a.leases.acquire('l', { ttlMs: 30_000 });
        const again = await a.leases.acquire('l', { ttlMs: 30_000 });
        expect(again.owner).toBe('owner-a');
        const renewed = await a.leases.renew('l', { ttlMs: 120_000 });
        expect(renewed.expiresAt).toBeGreaterThan(first.expiresAt);
        expect((await a.leases.holder('l'))?.expiresAt).toBe(renewed.expiresAt);
      });

      test('renewing a lease held by another owner fails with KTS_ERR_BANK_LEASE_LOST', async () => {
        const { a, b } = banks();
        await a.leases.acquire('l', { ttlMs: 30_000 });
        await expectCode(b.leases.renew('l', { ttlMs: 30_000 }), 'KTS_ERR_BANK_LEASE_LOST');
        await expectCode(b.leases.renew('never-taken', { ttlMs: 30_000 }), 'KTS_ERR_BANK_LEASE_LOST');
      });

      test('release frees the lease; releasing a lease held by another does nothing', async () => {
        const { a, b } = banks();
        await a.leases.acquire('l', { ttlMs: 30_000 });
        await b.leases.release('l');
        expect(await a.leases.holder('l')).toMatchObject({ owner: 'owner-a' });
        await a.leases.release('l');
        expect(await a.leases.holder('l')).toBeUndefined();
        expect(await b.leases.acquire('l', { ttlMs: 30_000 })).toMatchObject({ owner: 'owner-b' });
        await expectCode(a.leases.renew('l', { ttlMs: 30_000 }), 'KTS_ERR_BANK_LEASE_LOST');
      });

      test('expiry lets another owner in', async () => {
        const { a, b } = banks();
        await a.leases.acquire('l', { ttlMs: 40 });
        let taken;
        for (let attempt = 0; attempt < 250 && taken === undefined; attempt++) {
          await sleep(20);
          taken = await b.leases.acquire('l', { ttlMs: 30_000 }).catch((error: unknown) => {
            expect(error).toMatchObject({ code: 'KTS_ERR_BANK_LEASE_HELD' });
            return undefined;
          });
        }
        expect(taken).toMatchObject({ owner: 'owner-b' });
        await expectCode(a.leases.renew('l', { ttlMs: 30_000 }), 'KTS_ERR_BANK_LEASE_LOST');
        await expectCode(a.leases.acquire('l', { ttlMs: 30_000 }), 'KTS_ERR_BANK_LEASE_HELD');
      });
    });

    group('large-object', (test) => {
      test('a large object streams in and out with the right md5', async () => {
        const chunkSize = 1024 * 1024;
        const pattern = Buffer.alloc(chunkSize);
        for (let i = 0; i < chunkSize; i++) pattern[i] = (i * 131 + 7) & 0xff;
        const hash = createHash('md5');
        async function* generate(): AsyncGenerator<Uint8Array> {
          for (let offset = 0, index = 0; offset < largeObjectBytes; offset += chunkSize, index++) {
            const chunk = Buffer.from(pattern.subarray(0, Math.min(chunkSize, largeObjectBytes - offset)));
            chunk.writeUInt32BE(index, 0); // every chunk differs
            hash.update(chunk);
            yield chunk;
          }
        }
        const info = await driver.put('large', generate());
        const expected = hash.digest('hex');
        expect(info).toMatchObject({ size: largeObjectBytes, etag: expected });
        expect(await driver.head('large')).toMatchObject({ size: largeObjectBytes, etag: expected });
        const readBack = createHash('md5');
        let size = 0;
        for await (const chunk of await driver.get('large')) {
          readBack.update(chunk as Uint8Array);
          size += (chunk as Uint8Array).length;
        }
        expect(size).toBe(largeObjectBytes);
        expect(readBack.digest('hex')).toBe(expected);
      }, 180_000);
    });

    group('errors', (test) => {
      test('get of a missing key fails with KTS_ERR_BANK_OBJECT_NOT_FOUND', async () => {
        await expectCode(driver.get('missing'), 'KTS_ERR_BANK_OBJECT_NOT_FOUND');
        await put('dir/below', 'x');
        await expectCode(driver.get('dir'), 'KTS_ERR_BANK_OBJECT_NOT_FOUND');
      });

      test('a wrong expected etag fails with KTS_ERR_BANK_INTEGRITY and leaves no object', async () => {
        await expectCode(driver.put('bad', bytesOf('content'), { etag: md5(bytesOf('other')) }), 'KTS_ERR_BANK_INTEGRITY');
        expect(await driver.head('bad')).toBeUndefined();
        expect(await listAll()).toEqual([]);
      });

      test('a wrong expected etag on a rewrite keeps the previous version', async () => {
        const first = await put('bad', 'first');
        await expectCode(driver.put('bad', Readable.from([bytesOf('second')]), { etag: md5(bytesOf('other')) }), 'KTS_ERR_BANK_INTEGRITY');
        expect(await driver.head('bad')).toMatchObject({ version: first.version, etag: first.etag });
        expect(await read('bad')).toBe('first');
      });

      test('a failing body fails the put and leaves no object', async () => {
        async function* failing(): AsyncGenerator<Uint8Array> {
          yield bytesOf('partial');
          throw new Error('source broke');
        }
        await expect(driver.put('broken', failing())).rejects.toBeInstanceOf(Error);
        expect(await driver.head('broken')).toBeUndefined();
        expect(await listAll()).toEqual([]);
      });
    });

    group('delete', (test) => {
      test('delete removes the object from reads and listings', async () => {
        await put('d', 'x');
        await driver.delete('d');
        expect(await driver.head('d')).toBeUndefined();
        await expectCode(driver.get('d'), 'KTS_ERR_BANK_OBJECT_NOT_FOUND');
        expect(await listAll()).toEqual([]);
      });

      test('deleting a missing key is not an error', async () => {
        await driver.delete('never/was');
        expect(await listAll()).toEqual([]);
      });

      test('deleting a key leaves the keys below and beside it', async () => {
        for (const key of ['x', 'x/y', 'x/y/z', 'xa']) await put(key, key);
        await driver.delete('x/y');
        expect(await listAll()).toEqual(['x', 'x/y/z', 'xa']);
        await driver.delete('x');
        expect(await listAll()).toEqual(['x/y/z', 'xa']);
        expect(await read('x/y/z')).toBe('x/y/z');
      });

      test('a deleted key can be written again', async () => {
        await put('again', 'one');
        await driver.delete('again');
        await driver.put('again', bytesOf('two'), { ifNoneMatch: '*' });
        expect(await read('again')).toBe('two');
      });
    });

    group('cancellation', (test) => {
      test('a put with an aborted signal fails with KTS_ERR_CANCELLED and writes nothing', async () => {
        const controller = new AbortController();
        controller.abort();
        await expectCode(driver.put('c', bytesOf('x'), { signal: controller.signal }), 'KTS_ERR_CANCELLED');
        expect(await driver.head('c')).toBeUndefined();
      });

      test('a put aborted mid-stream fails with KTS_ERR_CANCELLED and leaves the previous version', async () => {
        const first = await put('c', 'first');
        const controller = new AbortController();
        async function* body(): AsyncGenerator<Uint8Array> {
          yield bytesOf('second, part one');
          controller.abort();
          await sleep(5);
          yield bytesOf('second, part two');
        }
        await expectCode(driver.put('c', body(), { signal: controller.signal }), 'KTS_ERR_CANCELLED');
        expect(await driver.head('c')).toMatchObject({ version: first.version });
        expect(await read('c')).toBe('first');
        const second = new AbortController();
        async function* fresh(): AsyncGenerator<Uint8Array> {
          yield bytesOf('x');
          second.abort();
          yield bytesOf('y');
        }
        await expectCode(driver.put('fresh', fresh(), { signal: second.signal }), 'KTS_ERR_CANCELLED');
        expect(await listAll()).toEqual(['c']);
      });
    });

    group('bank-side-hash', (test) => {
      const hashOf = async (context: CaseContext, key: string, signal?: AbortSignal) => {
        if (driver.hashObject === undefined) context.skip('the driver has no hashObject');
        const digest = await driver.hashObject(key, signal === undefined ? {} : { signal });
        if (digest === undefined) context.skip('the driver declined to hash');
        return digest;
      };
      const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

      test('hashObject answers the version, size and sha256 of the current content', async (context) => {
        const bytes = Buffer.alloc(300_001, 7);
        bytes.write('first', 0);
        await put('h', bytes);
        bytes.write('again', 0);
        const current = await put('h', bytes);
        expect(await hashOf(context, 'h')).toEqual({ version: current.version, size: bytes.length, sha256: sha256(bytes) });
        const empty = await put('empty', new Uint8Array(0));
        expect(await hashOf(context, 'empty')).toEqual({ version: empty.version, size: 0, sha256: sha256(new Uint8Array(0)) });
      });

      test('hashObject of an absent object is KTS_ERR_BANK_OBJECT_NOT_FOUND; with an aborted signal, KTS_ERR_CANCELLED', async (context) => {
        const { hashObject } = driver;
        if (hashObject === undefined) return context.skip('the driver has no hashObject');
        /** The error `hashObject` rejects with; skips the case when the driver declines (resolves `undefined`). */
        const failureOf = async (key: string, signal?: AbortSignal): Promise<unknown> => {
          const outcome = await hashObject.call(driver, key, signal === undefined ? {} : { signal }).then((digest) => ({ digest }), (error: unknown) => ({ error }));
          if ('error' in outcome) return outcome.error;
          if (outcome.digest === undefined) return context.skip('the driver declined to hash');
          throw new Error(`hashObject(${key}) answered ${JSON.stringify(outcome.digest)} instead of failing`);
        };
        expect(await failureOf('nothing-here')).toMatchObject({ code: 'KTS_ERR_BANK_OBJECT_NOT_FOUND' });
        await put('h', 'content');
        expect(await failureOf('h', AbortSignal.abort())).toMatchObject({ code: 'KTS_ERR_CANCELLED' });
      });
    });

    it('declares only gaps that exist', () => {
      const unknown = skip.filter((entry) => !known.has(entry.test));
      expect(unknown.map((entry) => entry.test)).toEqual([]);
    });
  });
}
