import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createBank,
  createFsDriver,
  createMemoryDriver,
  loadOrCreateOwnerId,
  verifyObject,
  type Bank,
  type BankDriver,
} from '../../src/bank/index.js';
import { createFaultyDriver } from '../../src/testing/faulty-driver.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
const md5 = (content: Uint8Array | string): string => createHash('md5').update(content).digest('hex');

async function raw(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

async function text(stream: AsyncIterable<unknown>): Promise<string> {
  return (await raw(stream)).toString('utf8');
}

let roots: string[] = [];
afterEach(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
  roots = [];
});

async function fsDriver(): Promise<BankDriver> {
  const root = await mkdtemp(join(tmpdir(), 'kts-bank-'));
  roots.push(root);
  return createFsDriver({ root });
}

const drivers: Array<[string, () => BankDriver | Promise<BankDriver>]> = [
  ['memory', () => createMemoryDriver()],
  ['fs', fsDriver],
];

describe.each(drivers)('compare-and-swap on %s', (_name, makeDriver) => {
  it('50 concurrent updates of one JSON document lose nothing', async () => {
    const bank = createBank(await makeDriver());
    const section = bank.section('checkpoints/c1');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        section.updateJson<{ count: number; writers: number[] }>('index.json', (current) => ({
          count: (current?.count ?? 0) + 1,
          writers: [...(current?.writers ?? []), i],
        })),
      ),
    );
    const final = await section.getJson<{ count: number; writers: number[] }>('index.json');
    expect(final?.value.count).toBe(50);
    expect([...(final?.value.writers ?? [])].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(new Set(results.map((result) => result.version)).size).toBe(50);
    expect(results.map((result) => result.value.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('gives up with KTS_ERR_CONFLICT when every attempt loses its race', async () => {
    const bank = createBank(await makeDriver(), { cas: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 } });
    await bank.putJson('doc', { n: 0 });
    let calls = 0;
    const update = bank.updateJson<{ n: number }>('doc', async (current) => {
      calls++;
      await bank.putJson('doc', { n: -1 }); // a concurrent writer always gets in first
      return { n: (current?.n ?? 0) + 1 };
    });
    await expect(update).rejects.toMatchObject({ code: 'KTS_ERR_CONFLICT', details: { attempts: 3 } });
    expect(calls).toBe(3);
    expect((await bank.getJson('doc'))?.value).toEqual({ n: -1 });
  });
});

describe('JSON documents and binary objects', () => {
  let bank: Bank;
  beforeEach(() => {
    bank = createBank(createMemoryDriver());
  });

  it('reads a document with the version to pass back for compare-and-swap', async () => {
    expect(await bank.getJson('missing.json')).toBeUndefined();
    const written = await bank.putJson('doc.json', { status: 'protecting' }, { ifNoneMatch: '*' });
    const read = await bank.getJson<{ status: string }>('doc.json');
    expect(read).toEqual({ value: { status: 'protecting' }, version: written.version });
    await bank.putJson('doc.json', { status: 'available' }, { ifMatch: written.version });
    await expect(bank.putJson('doc.json', { status: 'error' }, { ifMatch: written.version })).rejects.toMatchObject({
      code: 'KTS_ERR_BANK_PRECONDITION_FAILED',
    });
    await expect(bank.putJson('doc.json', {}, { ifNoneMatch: '*' })).rejects.toMatchObject({ code: 'KTS_ERR_BANK_PRECONDITION_FAILED' });
  });

  it('refuses values JSON cannot encode, and binary content read as JSON', async () => {
    await expect(bank.putJson('u.json', undefined)).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
    await expect(bank.putJson('b.json', { n: 1n })).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
    await bank.putObject('blob', new Uint8Array([0xff, 0xfe, 0x00]));
    await expect(bank.getJson('blob')).rejects.toMatchObject({ code: 'KTS_ERR_BANK_INTEGRITY' });
  });

  it('writes and reads binary objects, keys relative to the section', async () => {
    const section = bank.section('checkpoints/c1/resource-data/vol-1');
    const info = await section.putObject('data/0001', Readable.from([bytes('chunk '), bytes('one')]), { metadata: { 'Chunk-Index': '1' } });
    expect(info).toMatchObject({ key: 'data/0001', size: 9, etag: md5('chunk one'), metadata: { 'chunk-index': '1' } });
    expect(await section.head('data/0001')).toMatchObject({ key: 'data/0001', etag: info.etag });
    expect(await text(await section.getObject('data/0001', { start: 6 }))).toBe('one');
    expect(await text(await bank.getObject('checkpoints/c1/resource-data/vol-1/data/0001'))).toBe('chunk one');
    await expect(section.getObject('data/0002')).rejects.toMatchObject({ code: 'KTS_ERR_BANK_OBJECT_NOT_FOUND' });
  });

  it('validates options before they reach the driver', async () => {
    await expect(bank.putObject('k', bytes('x'), { metadata: { 'bad key': 'x' } })).rejects.toMatchObject({ code: 'KTS_ERR_INVALID_OPTION' });
    await expect(bank.putObject('k', bytes('x'), { metadata: { k: 'caf\u00e9' } })).rejects.toMatchObject({ code: 'KTS_ERR_INVALID_OPTION' });
    await expect(bank.putObject('k', bytes('x'), { etag: 'not-an-md5' })).rejects.toMatchObject({ code: 'KTS_ERR_INVALID_OPTION' });
    await expect(bank.putObject('k', 'a string' as unknown as Uint8Array)).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
    await expect(bank.getObject('k', { start: 5, end: 2 })).rejects.toMatchObject({ code: 'KTS_ERR_INVALID_OPTION' });
    await expect(bank.getObject('k', { start: -1 })).rejects.toMatchObject({ code: 'KTS_ERR_INVALID_OPTION' });
    await expect(bank.list({ limit: 0 })).rejects.toMatchObject({ code: 'KTS_ERR_INVALID_OPTION' });
    await expect(bank.list({ order: 'up' as 'asc' })).rejects.toMatchObject({ code: 'KTS_ERR_INVALID_OPTION' });
    expect(await bank.list()).toEqual({ keys: [] });
  });

  it('refuses conditional writes on a driver that cannot make them atomic', async () => {
    const memory = createMemoryDriver();
    const weak: BankDriver = { ...memory, name: 'weak', capabilities: { ...memory.capabilities, conditionalPut: false } };
    const weakBank = createBank(weak);
    await expect(weakBank.putJson('d', {}, { ifNoneMatch: '*' })).rejects.toMatchObject({ code: 'KTS_ERR_BANK_UNSUPPORTED' });
    await expect(weakBank.updateJson('d', () => ({}))).rejects.toMatchObject({ code: 'KTS_ERR_BANK_UNSUPPORTED' });
    await expect(weakBank.putObject('d', bytes('x'), { ifMatch: 'v1' })).rejects.toMatchObject({ code: 'KTS_ERR_BANK_UNSUPPORTED' });
    await weakBank.putJson('d', { plain: true });
    expect((await weakBank.getJson('d'))?.value).toEqual({ plain: true });
  });

  it('emulates ranges on a driver without them', async () => {
    const memory = createMemoryDriver();
    const noRanges: BankDriver = {
      ...memory,
      capabilities: { ...memory.capabilities, ranges: false },
      get: (key) => memory.get(key),
    };
    const rangeBank = createBank(noRanges);
    await rangeBank.putObject('r', bytes('0123456789'));
    expect(await text(await rangeBank.getObject('r', { start: 2, end: 4 }))).toBe('234');
    expect(await text(await rangeBank.getObject('r', { end: 1 }))).toBe('01');
    expect(await text(await rangeBank.getObject('r', { start: 8 }))).toBe('89');
  });
});

describe('keys never leave their section', () => {
  let driver: BankDriver;
  let bank: Bank;
  beforeEach(() => {
    driver = createMemoryDriver();
    bank = createBank(driver);
  });

  const hostile = [
    '../x',
    'a/../../x',
    'a/../b',
    '..',
    '%2e%2e/x',
    'a/%2E%2e/x',
    '%2e./x',
    'a%2fb',
    'a%5C..',
    '/absolute',
    '/',
    '',
    '.',
    './',
    'trailing/',
    'back\\slash',
    'nul\u0000byte',
    'new\nline',
    'tab\tkey',
    'del\u007f',
    'c1\u0085',
    'lone\ud800surrogate',
    'x'.repeat(241),
    `${'a/'.repeat(600)}b`,
  ];

  it.each(hostile.map((key) => [JSON.stringify(key), key]))('refuses %s everywhere', async (_shown, key) => {
    const section = bank.section('checkpoints/c1');
    const code = { code: 'KTS_ERR_BANK_KEY_INVALID' };
    await expect(section.putJson(key, {})).rejects.toMatchObject(code);
    await expect(section.getJson(key)).rejects.toMatchObject(code);
    await expect(section.updateJson(key, () => ({}))).rejects.toMatchObject(code);
    await expect(section.putObject(key, bytes('x'))).rejects.toMatchObject(code);
    await expect(section.getObject(key)).rejects.toMatchObject(code);
    await expect(section.head(key)).rejects.toMatchObject(code);
    await expect(section.delete(key)).rejects.toMatchObject(code);
    // A section path may end with "/" ("a/" is the section "a"); everything else is refused there too.
    if (key !== 'trailing/') expect(() => section.section(key)).toThrow(expect.objectContaining(code));
    await expect(bank.leases.acquire(key)).rejects.toMatchObject(code);
    expect((await driver.list()).keys).toEqual([]);
  });

  it('normalises harmless forms: repeated slashes and "." segments', async () => {
    const section = bank.section('a//b/./');
    expect(section.prefix).toBe('a/b');
    await section.putJson('./c//d', 1);
    expect((await driver.list()).keys).toEqual(['a/b/c/d']);
    expect((await section.getJson('c/d'))?.value).toBe(1);
    expect((await section.list()).keys).toEqual(['c/d']);
  });

  it('keeps percent signs literal (no decoding)', async () => {
    await bank.putJson('a%41', 1);
    expect((await driver.list()).keys).toEqual(['a%41']);
    expect(await bank.getJson('aA')).toBeUndefined();
  });

  it('keeps the reserved first segment for the bank, and out of listings', async () => {
    await expect(bank.putJson('.kts/leases/x', {})).rejects.toMatchObject({ code: 'KTS_ERR_BANK_KEY_INVALID' });
    expect(() => bank.section('.kts')).toThrow(expect.objectContaining({ code: 'KTS_ERR_BANK_KEY_INVALID' }));
    const leaseBank = createBank(createMemoryDriver({ leases: false }));
    await leaseBank.leases.acquire('lease-1');
    await leaseBank.leases.acquire('lease-2');
    await leaseBank.putJson('.hidden', 1);
    await leaseBank.putJson('.l', 1);
    await leaseBank.putJson('a', 1);
    await leaseBank.putJson('x/.kts/allowed-below-the-root', 1);
    expect((await leaseBank.list()).keys).toEqual(['.hidden', '.l', 'a', 'x/.kts/allowed-below-the-root']);
    expect(await leaseBank.list({ limit: 2 })).toEqual({ keys: ['.hidden', '.l'], nextMarker: '.l' });
    expect(await leaseBank.list({ limit: 2, marker: '.l' })).toEqual({ keys: ['a', 'x/.kts/allowed-below-the-root'] });
    expect(await leaseBank.list({ order: 'desc', marker: 'a', limit: 2 })).toEqual({ keys: ['.l', '.hidden'] });
    expect((await leaseBank.list({ prefix: '.k' })).keys).toEqual([]);
  });

  it('lists relative to the section, never outside it', async () => {
    await bank.putJson('checkpoints/c1/index.json', 1);
    await bank.putJson('checkpoints/c1/resource-data/v/status', 1);
    await bank.putJson('checkpoints/c10/index.json', 1);
    await bank.putJson('checkpoints/c0/index.json', 1);
    await bank.putJson('checkpoints/c1', 1);
    const c1 = bank.section('checkpoints/c1');
    expect((await c1.list()).keys).toEqual(['index.json', 'resource-data/v/status']);
    expect(await c1.list({ order: 'desc', limit: 1 })).toEqual({ keys: ['resource-data/v/status'], nextMarker: 'resource-data/v/status' });
    expect(await c1.list({ order: 'desc', marker: 'resource-data/v/status' })).toEqual({ keys: ['index.json'] });
    expect((await c1.list({ prefix: 'resource-data/' })).keys).toEqual(['resource-data/v/status']);
    expect((await c1.list({ marker: 'index.json' })).keys).toEqual(['resource-data/v/status']);
  });
});

describe('read-only sections', () => {
  it('refuse every write, give only read-only sub-sections, and still read', async () => {
    const driver = createMemoryDriver();
    const bank = createBank(driver);
    await bank.putJson('checkpoints/c1/index.json', { status: 'available' });
    const before = await driver.list();
    const readOnly = bank.section('checkpoints', { readOnly: true });
    const sub = readOnly.section('c1');
    const readonlyCode = { code: 'KTS_ERR_BANK_READONLY' };
    expect(readOnly.readOnly).toBe(true);
    expect(sub.readOnly).toBe(true);
    expect(sub.section('resource-data', { readOnly: true }).readOnly).toBe(true);
    expect(() => readOnly.section('c1', { readOnly: false })).toThrow(expect.objectContaining(readonlyCode));
    for (const section of [readOnly, sub]) {
      await expect(section.putJson('c1/index.json', {})).rejects.toMatchObject(readonlyCode);
      await expect(section.putJson('new.json', {}, { ifNoneMatch: '*' })).rejects.toMatchObject(readonlyCode);
      await expect(section.updateJson('c1/index.json', () => ({}))).rejects.toMatchObject(readonlyCode);
      await expect(section.putObject('blob', bytes('x'))).rejects.toMatchObject(readonlyCode);
      await expect(section.delete('c1/index.json')).rejects.toMatchObject(readonlyCode);
      await expect(section.delete('index.json')).rejects.toMatchObject(readonlyCode);
    }
    expect(await driver.list()).toEqual(before);
    expect((await sub.getJson('index.json'))?.value).toEqual({ status: 'available' });
    expect((await readOnly.list()).keys).toEqual(['c1/index.json']);
    const wholeBank = createBank(driver, { readOnly: true });
    await expect(wholeBank.putJson('x', 1)).rejects.toMatchObject(readonlyCode);
    expect(wholeBank.section('a').readOnly).toBe(true);
  });
});

describe('leases', () => {
  const approaches: Array<[string, (clock: () => number) => BankDriver]> = [
    ['native (memory driver)', (clock) => createMemoryDriver({ clock })],
    ['lease documents (memory driver without native leases)', () => createMemoryDriver({ leases: false })],
  ];

  it.each(approaches)('%s: a lease blocks a second owner until it expires', async (_name, makeDriver) => {
    let now = 1_000_000;
    const clock = (): number => now;
    const driver = makeDriver(clock);
    const a = createBank(driver, { owner: 'node-a', clock });
    const b = createBank(driver, { owner: 'node-b', clock });
    expect(a.leases.approach).toBe(driver.leases === undefined ? 'documents' : 'native');

    expect(await a.leases.acquire('checkpoints/c1', { ttlMs: 1000 })).toEqual({ name: 'checkpoints/c1', owner: 'node-a', expiresAt: 1_001_000 });
    now += 999;
    await expect(b.leases.acquire('checkpoints/c1')).rejects.toMatchObject({
      code: 'KTS_ERR_BANK_LEASE_HELD',
      details: { owner: 'node-a', expiresAt: 1_001_000 },
    });
    expect(await b.leases.holder('checkpoints/c1')).toMatchObject({ owner: 'node-a' });
    now += 1; // the lease expires at exactly 1_001_000
    expect(await b.leases.holder('checkpoints/c1')).toBeUndefined();
    await expect(a.leases.renew('checkpoints/c1')).rejects.toMatchObject({ code: 'KTS_ERR_BANK_LEASE_LOST' });
    expect(await b.leases.acquire('checkpoints/c1', { ttlMs: 500 })).toMatchObject({ owner: 'node-b', expiresAt: 1_001_500 });
    await expect(a.leases.acquire('checkpoints/c1')).rejects.toMatchObject({ code: 'KTS_ERR_BANK_LEASE_HELD' });

    now += 400;
    expect(await b.leases.renew('checkpoints/c1', { ttlMs: 500 })).toMatchObject({ expiresAt: 1_001_900 });
    now += 400;
    await expect(a.leases.acquire('checkpoints/c1')).rejects.toMatchObject({ code: 'KTS_ERR_BANK_LEASE_HELD' });
    await b.leases.release('checkpoints/c1');
    expect(await a.leases.acquire('checkpoints/c1', { ttlMs: 1000 })).toMatchObject({ owner: 'node-a' });
  });

  it('a restarted node with the same owner id gets its lease back at once', async () => {
    const driver = createMemoryDriver({ leases: false });
    await createBank(driver, { owner: 'node-a' }).leases.acquire('checkpoints/c1', { ttlMs: 60_000 });
    const restarted = createBank(driver, { owner: 'node-a' });
    expect(await restarted.leases.acquire('checkpoints/c1')).toMatchObject({ owner: 'node-a' });
    await expect(createBank(driver, { owner: 'node-b' }).leases.acquire('checkpoints/c1')).rejects.toMatchObject({
      code: 'KTS_ERR_BANK_LEASE_HELD',
    });
  });

  it('concurrent acquisitions by different owners: exactly one wins', async () => {
    for (const driver of [createMemoryDriver(), createMemoryDriver({ leases: false }), await fsDriver()]) {
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => createBank(driver, { owner: `node-${i}` }).leases.acquire('checkpoints/c1')),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    }
  });

  it('keeps the owner id in a node-local file across restarts', async () => {
    const root = await mkdtemp(join(tmpdir(), 'kts-owner-'));
    roots.push(root);
    const path = join(root, 'state', 'owner-id');
    const ids = await Promise.all(Array.from({ length: 5 }, () => loadOrCreateOwnerId(path)));
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^node-[0-9a-f-]{36}$/u);
    expect(await loadOrCreateOwnerId(path)).toBe(ids[0]);
    expect((await readFile(path, 'utf8')).trim()).toBe(ids[0]);
    expect(createBank(createMemoryDriver(), { owner: ids[0] as string }).owner).toBe(ids[0]);
  });

  it('checks owner ids and lease lengths', async () => {
    expect(() => createBank(createMemoryDriver(), { owner: 'has space' })).toThrow(expect.objectContaining({ code: 'KTS_ERR_INVALID_OPTION' }));
    expect(() => createBank(createMemoryDriver(), { leaseTtlMs: 0 })).toThrow(expect.objectContaining({ code: 'KTS_ERR_INVALID_OPTION' }));
    expect(createBank(createMemoryDriver()).owner).toMatch(/^ephemeral-/u);
    await expect(createBank(createMemoryDriver()).leases.acquire('l', { ttlMs: -5 })).rejects.toMatchObject({ code: 'KTS_ERR_INVALID_OPTION' });
  });
});

describe('integrity', () => {
  it('verifyObject passes an intact object and detects a corrupted one by its etag', async () => {
    const faulty = createFaultyDriver(createMemoryDriver());
    const bank = createBank(faulty);
    const section = bank.section('checkpoints/c1/resource-data/vol-1');
    const content = Buffer.alloc(300_000, 0x5a);
    const info = await section.putObject('data', content);
    expect(await verifyObject(section, 'data')).toMatchObject({ etag: md5(content), version: info.version });

    faulty.inject({ type: 'corrupt', key: 'checkpoints/c1/resource-data/vol-1/data', offset: 123_456 });
    const damaged = await raw(await section.getObject('data'));
    expect(damaged.length).toBe(content.length);
    expect(md5(damaged)).not.toBe((await section.head('data'))?.etag);
    await expect(verifyObject(section, 'data')).rejects.toMatchObject({
      code: 'KTS_ERR_BANK_INTEGRITY',
      details: { expectedEtag: md5(content), expectedSize: 300_000, actualSize: 300_000 },
    });
  });

  it('verifyObject detects truncation, reports a cut stream as I/O, and a missing object as not found', async () => {
    const faulty = createFaultyDriver(await fsDriver());
    const bank = createBank(faulty);
    await bank.putObject('blob', Buffer.alloc(100_000, 1));
    faulty.inject({ type: 'truncate', key: 'blob', bytes: 99_999, call: 1 });
    await expect(verifyObject(bank, 'blob')).rejects.toMatchObject({ code: 'KTS_ERR_BANK_INTEGRITY', details: { actualSize: 99_999 } });
    faulty.inject({ type: 'cut', key: 'blob', afterBytes: 50_000, call: 1 });
    await expect(verifyObject(bank, 'blob')).rejects.toMatchObject({ code: 'KTS_ERR_BANK_IO' });
    await expect(verifyObject(bank, 'blob')).resolves.toMatchObject({ size: 100_000 });
    await expect(verifyObject(bank, 'nothing')).rejects.toMatchObject({ code: 'KTS_ERR_BANK_OBJECT_NOT_FOUND' });
  });

  it('getJson refuses a document whose content no longer matches its etag', async () => {
    const faulty = createFaultyDriver(createMemoryDriver());
    const bank = createBank(faulty);
    await bank.putJson('index.json', { status: 'available' });
    faulty.inject({ type: 'corrupt', key: 'index.json', offset: 3 });
    await expect(bank.getJson('index.json')).rejects.toMatchObject({ code: 'KTS_ERR_BANK_INTEGRITY' });
  });

  it('a stream cut in the middle reaches the reader as a coded error', async () => {
    const faulty = createFaultyDriver(createMemoryDriver(), [{ type: 'cut', afterBytes: 10, error: () => new Error('connection reset') }]);
    const bank = createBank(faulty);
    await bank.putObject('blob', bytes('0123456789abcdef'));
    await expect(text(await bank.getObject('blob'))).rejects.toMatchObject({ code: 'KTS_ERR_BANK_IO' });
  });
});
