import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, sep } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFsDriver, type BankDriver } from '../../src/bank/index.js';
import { testBankDriver } from '../../src/testing/bank-driver-suite.js';

const roots: string[] = [];

testBankDriver({
  name: 'fs',
  create: async () => {
    const root = await mkdtemp(join(tmpdir(), 'kts-bank-fs-'));
    roots.push(root);
    return createFsDriver({ root });
  },
  cleanup: async () => {
    for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true });
  },
});

describe('fs driver specifics', () => {
  let root: string;
  let driver: BankDriver;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'kts-bank-fs-'));
    driver = createFsDriver({ root });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** Every file and directory under the root, relative, sorted. */
  async function tree(): Promise<string[]> {
    const entries = await readdir(root, { recursive: true });
    return entries.map((entry) => entry.split(sep).join('/')).sort();
  }

  const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

  it('stores an object as a directory holding its sidecar and one content file', async () => {
    const info = await driver.put('a/b', bytes('hello'), { metadata: { color: 'blue' } });
    expect(await tree()).toEqual(['a', 'a/b', 'a/b/%meta.json', `a/b/%v-${info.version}`]);
    const sidecar = JSON.parse(await readFile(join(root, 'a/b/%meta.json'), 'utf8'));
    expect(sidecar).toMatchObject({ format: 1, key: 'a/b', version: info.version, size: 5, etag: info.etag, metadata: { color: 'blue' } });
    expect(await readFile(join(root, `a/b/%v-${info.version}`), 'utf8')).toBe('hello');
  });

  it('a rewrite leaves exactly one content file', async () => {
    await driver.put('k', bytes('one'));
    await driver.put('k', bytes('two'));
    const info = await driver.put('k', bytes('three'));
    expect(await tree()).toEqual(['k', 'k/%meta.json', `k/%v-${info.version}`]);
  });

  it('a segment starting with % gets one more %, and never meets the driver files', async () => {
    await driver.put('%meta.json', bytes('user data'));
    expect((await tree()).filter((path) => !path.includes('/'))).toEqual(['%%meta.json']);
    expect((await driver.list()).keys).toEqual(['%meta.json']);
  });

  it('a cancelled write leaves no temporary file and no empty directory', async () => {
    const controller = new AbortController();
    async function* body(): AsyncGenerator<Uint8Array> {
      yield bytes('part one');
      controller.abort();
      yield bytes('part two');
    }
    await expect(driver.put('deep/new/key', body(), { signal: controller.signal })).rejects.toMatchObject({ code: 'KTS_ERR_CANCELLED' });
    expect(await tree()).toEqual([]);
  });

  it('a failed integrity check leaves no temporary file', async () => {
    const kept = await driver.put('k', bytes('kept'));
    await expect(driver.put('k', bytes('new'), { etag: '0'.repeat(32) })).rejects.toMatchObject({ code: 'KTS_ERR_BANK_INTEGRITY' });
    await expect(driver.put('other/k', bytes('new'), { etag: '0'.repeat(32) })).rejects.toMatchObject({ code: 'KTS_ERR_BANK_INTEGRITY' });
    expect(await tree()).toEqual(['k', 'k/%meta.json', `k/%v-${kept.version}`]);
  });

  it('deleting removes empty parent directories, but never the root', async () => {
    await driver.put('p/q/r', bytes('1'));
    await driver.put('p/s', bytes('2'));
    await driver.delete('p/q/r');
    expect((await tree()).filter((path) => !path.includes('%'))).toEqual(['p', 'p/s']);
    await driver.delete('p/s');
    expect(await tree()).toEqual([]);
    expect((await stat(root)).isDirectory()).toBe(true);
  });

  it('refuses keys that would leave the root, even when called directly', async () => {
    const outside = join(root, '..', `kts-escape-${process.pid}`);
    for (const key of ['../x', 'a/../../x', '/etc/passwd', '..', 'a//b', 'a/./b', `../${basename(outside)}`]) {
      await expect(driver.put(key, bytes('x'))).rejects.toMatchObject({ code: 'KTS_ERR_BANK_KEY_INVALID' });
      await expect(driver.get(key)).rejects.toMatchObject({ code: 'KTS_ERR_BANK_KEY_INVALID' });
      await expect(driver.head(key)).rejects.toMatchObject({ code: 'KTS_ERR_BANK_KEY_INVALID' });
      await expect(driver.delete(key)).rejects.toMatchObject({ code: 'KTS_ERR_BANK_KEY_INVALID' });
    }
    await expect(stat(outside)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await tree()).toEqual([]);
  });

  it('a second driver on the same root sees the same objects', async () => {
    await driver.put('shared/doc', bytes('shared'));
    const other = createFsDriver({ root });
    expect((await other.list()).keys).toEqual(['shared/doc']);
    expect(await other.head('shared/doc')).toMatchObject({ size: 6 });
  });

  it('durable writes (per put, or for the whole driver) round trip', async () => {
    const info = await driver.put('d1', bytes('durable'), { durable: true });
    expect(info.etag).toBe(createHash('md5').update('durable').digest('hex'));
    const durable = createFsDriver({ root, durable: true });
    await durable.put('d2', Readable.from([bytes('also '), bytes('durable')]));
    expect((await durable.list()).keys).toEqual(['d1', 'd2']);
  });

  it('reads sidecars of every size whole (head, get), across the first read of 2 KiB', async () => {
    const info = await driver.put('k', bytes('content'), { metadata: { big: 'x'.repeat(5000) } });
    expect((await driver.head('k'))?.metadata).toEqual({ big: 'x'.repeat(5000) });
    const text = JSON.stringify({ format: 1, key: 'k', version: info.version, size: 7, etag: info.etag, metadata: {}, lastModified: new Date().toISOString() });
    // Padded with spaces (still JSON) to sizes around the first read and its doublings.
    for (const size of [2047, 2048, 2049, 4096, 4097, 8192]) {
      await writeFile(join(root, 'k/%meta.json'), text.padEnd(size, ' '));
      expect(await driver.head('k')).toMatchObject({ version: info.version, size: 7, etag: info.etag, metadata: {} });
      expect(Buffer.concat(await (await driver.get('k')).toArray()).toString()).toBe('content');
    }
    await writeFile(join(root, 'k/%meta.json'), '{"format":1,');
    await expect(driver.head('k')).rejects.toMatchObject({ code: 'KTS_ERR_BANK_INTEGRITY' });
  });

  it('lists a directory as an object only when its sidecar is a regular file', async () => {
    await driver.put('a/real', bytes('1'));
    await driver.put('a/real/below', bytes('2'));
    await mkdir(join(root, 'a/fake/%meta.json'), { recursive: true });
    await driver.put('a/fake/below', bytes('3'));
    expect((await driver.list()).keys).toEqual(['a/fake/below', 'a/real', 'a/real/below']);
    expect((await driver.list({ marker: 'a/real' })).keys).toEqual(['a/real/below']);
    expect((await driver.list({ prefix: 'a/re', limit: 1 }))).toEqual({ keys: ['a/real'], nextMarker: 'a/real' });
    expect((await driver.list({ order: 'desc' })).keys).toEqual(['a/real/below', 'a/real', 'a/fake/below']);
  });

  it('concurrent writes and reads of one key always see a whole version', async () => {
    const versions = Array.from({ length: 8 }, (_, i) => Buffer.alloc(256 * 1024, i + 1));
    const etags = new Set(versions.map((content) => createHash('md5').update(content).digest('hex')));
    await driver.put('hot', versions[0] as Buffer);
    const writers = versions.map((content) => driver.put('hot', content));
    const readers = Array.from({ length: 16 }, async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of await driver.get('hot')) chunks.push(chunk as Buffer);
      return createHash('md5').update(Buffer.concat(chunks)).digest('hex');
    });
    await Promise.all(writers);
    for (const etag of await Promise.all(readers)) expect(etags.has(etag)).toBe(true);
    expect((await tree()).filter((path) => path.includes('%v-'))).toHaveLength(1);
  });
});
