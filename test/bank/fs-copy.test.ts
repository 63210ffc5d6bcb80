/**
 * The filesystem driver's bank-side copy (`BankDriver.copyFrom`, offered by sections as
 * `copyObject`): real files in temporary directories, real worker threads.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBank, createFsDriver, createMemoryDriver, type Bank, type BankSection, type ObjectInfo, type PutObjectOptions } from '../../src/bank/index.js';
import { COPY_CHUNK_BYTES, DIRECT_COPY_CHUNK_BYTES } from '../../src/bank/drivers/fs-copy.js';
import { sealOf } from '../../src/bank/drivers/fs-layout.js';
import { copyObjects } from '../../src/plugins/bank-copy/index.js';

/** What the sections of a bank made by `createBank` offer beyond `BankSection`. */
type Copier = BankSection & {
  copyObject(key: string, source: BankSection, sourceKey: string, options?: PutObjectOptions): Promise<ObjectInfo | undefined>;
};

const copier = (section: BankSection): Copier => section as Copier;
const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');

let dirs: string[];
let sourceRoot: string;
let destinationRoot: string;
let source: Bank;
let destination: Bank;

async function newRoot(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kts-fs-copy-'));
  dirs.push(dir);
  return dir;
}

beforeEach(async () => {
  dirs = [];
  sourceRoot = await newRoot();
  destinationRoot = await newRoot();
  source = createBank(createFsDriver({ root: sourceRoot }));
  destination = createBank(createFsDriver({ root: destinationRoot }));
});

afterEach(async () => {
  await source.close();
  await destination.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Every file and directory under `root`, relative, sorted. */
async function tree(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true });
  return entries.map((entry) => entry.split(sep).join('/')).sort();
}

async function readAll(bank: BankSection, key: string): Promise<Buffer> {
  return Buffer.concat(await (await bank.getObject(key)).toArray());
}

/** Replaces the content file of `key`'s current version in the source bank with `replace(path)`. */
async function replaceContent(key: string, version: string, replace: (path: string) => Promise<void>): Promise<void> {
  const path = join(sourceRoot, ...key.split('/'), `%v-${version}`);
  await unlink(path);
  await replace(path);
}

/** Waits until a temporary file under `root` holds at least one byte. */
async function untilTempFileGrows(root: string): Promise<void> {
  for (;;) {
    for (const entry of await tree(root)) {
      if (!entry.split('/').at(-1)!.startsWith('%tmp-')) continue;
      const size = await stat(join(root, entry)).then((info) => info.size, () => 0);
      if (size > 0) return;
    }
    await sleep(5);
  }
}

describe('fs bank-side copy', () => {
  // Chunk boundaries of buffered and direct copies, and tails shorter than a direct block.
  const sizes = [0, 1, 4095, 4097, COPY_CHUNK_BYTES - 1, COPY_CHUNK_BYTES, COPY_CHUNK_BYTES + 1, 3 * COPY_CHUNK_BYTES, DIRECT_COPY_CHUNK_BYTES - 1, DIRECT_COPY_CHUNK_BYTES, DIRECT_COPY_CHUNK_BYTES + 4096, 5 * 1024 * 1024 + 7];

  it.each(sizes)('copies %i bytes with their etag and metadata, between sections with other prefixes', async (size) => {
    const bytes = randomBytes(size);
    const from = source.section('checkpoints/a');
    const to = copier(destination.section('copies/b'));
    const original = await from.putObject('data/x', bytes, { metadata: { part: '7', kind: 'blob' } });
    const copied = await to.copyObject('data/y', from, 'data/x', { etag: original.etag, metadata: original.metadata, ifNoneMatch: '*' });
    expect(copied).toMatchObject({ key: 'data/y', size, etag: md5(bytes), metadata: { part: '7', kind: 'blob' } });
    expect(copied!.version).not.toBe(original.version);
    expect(await to.head('data/y')).toMatchObject({ key: 'data/y', size, etag: original.etag, version: copied!.version, metadata: original.metadata });
    expect((await readAll(to, 'data/y')).equals(bytes)).toBe(true);
    // Exactly the layout a put leaves: a sidecar and one content file, no temporary file.
    expect(await tree(join(destinationRoot, 'copies/b/data/y'))).toEqual(['%meta.json', `%v-${copied!.version}`]);
    const sidecar = JSON.parse(await readFile(join(destinationRoot, 'copies/b/data/y/%meta.json'), 'utf8'));
    expect(sidecar).toMatchObject({ key: 'copies/b/data/y', size, etag: original.etag, metadata: original.metadata });
  });

  it('copies within one bank, and replaces an object given its current version', async () => {
    const first = await source.putObject('a', Buffer.from('first'));
    const target = await source.putObject('b', Buffer.from('old content'));
    const copied = await copier(source).copyObject('b', source, 'a', { ifMatch: target.version, durable: true });
    expect(copied).toMatchObject({ key: 'b', etag: first.etag, size: 5 });
    expect((await readAll(source, 'b')).toString()).toBe('first');
    expect(await tree(join(sourceRoot, 'b'))).toEqual(['%meta.json', `%v-${copied!.version}`]);
  });

  it('refuses ifNoneMatch "*" when the object exists, leaving it as it was', async () => {
    await source.putObject('k', Buffer.from('new'));
    const existing = await destination.putObject('k', Buffer.from('existing'));
    await expect(copier(destination).copyObject('k', source, 'k', { ifNoneMatch: '*' })).rejects.toMatchObject({ code: 'KTS_ERR_BANK_PRECONDITION_FAILED' });
    expect((await readAll(destination, 'k')).toString()).toBe('existing');
    expect(await tree(destinationRoot)).toEqual(['k', 'k/%meta.json', `k/%v-${existing.version}`]);
  });

  it('refuses a stale ifMatch, leaving the object as it was', async () => {
    await source.putObject('k', Buffer.from('new'));
    const stale = await destination.putObject('k', Buffer.from('one'));
    const current = await destination.putObject('k', Buffer.from('two'));
    await expect(copier(destination).copyObject('k', source, 'k', { ifMatch: stale.version })).rejects.toMatchObject({ code: 'KTS_ERR_BANK_PRECONDITION_FAILED' });
    expect((await readAll(destination, 'k')).toString()).toBe('two');
    expect(await tree(destinationRoot)).toEqual(['k', 'k/%meta.json', `k/%v-${current.version}`]);
  });

  it('refuses bytes that do not match the expected etag (KTS_ERR_BANK_INTEGRITY), writing nothing', async () => {
    const bytes = randomBytes(COPY_CHUNK_BYTES * 2 + 5);
    await source.putObject('data/k', bytes);
    const wrong = md5(Buffer.from('something else'));
    const error = await copier(destination).copyObject('data/k', source, 'data/k', { etag: wrong }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'KTS_ERR_BANK_INTEGRITY', details: { expected: wrong, actual: md5(bytes) } });
    expect(await destination.head('data/k')).toBeUndefined();
    expect(await tree(destinationRoot)).toEqual([]);
  });

  it('a missing source object is the not-found error getObject gives, and leaves nothing', async () => {
    const from = source.section('s');
    const expected = await from.getObject('absent').catch((caught: unknown) => caught);
    const error = await copier(destination).copyObject('k', from, 'absent').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'KTS_ERR_BANK_OBJECT_NOT_FOUND', details: { key: 's/absent' } });
    expect((error as Error).message).toBe((expected as Error).message);
    expect(await tree(destinationRoot)).toEqual([]);
  });

  it('a failing read is KTS_ERR_BANK_IO, leaves nothing, and the workers go on copying', async () => {
    const info = await source.putObject('broken', Buffer.from('bytes'));
    // A directory where the content file was: opening it works, reading it fails (EISDIR).
    await replaceContent('broken', info.version, (path) => mkdir(path));
    await expect(copier(destination).copyObject('k', source, 'broken')).rejects.toMatchObject({ code: 'KTS_ERR_BANK_IO' });
    expect(await tree(destinationRoot)).toEqual([]);
    await source.putObject('fine', Buffer.from('fine'));
    expect(await copier(destination).copyObject('k', source, 'fine')).toMatchObject({ size: 4 });
  });

  it('cancelling a running copy stops its worker and removes the temporary file', async () => {
    const info = await source.putObject('endless', Buffer.from('x'));
    // Content that never ends: the copy runs until it is cancelled.
    await replaceContent('endless', info.version, (path) => symlink('/dev/zero', path));
    const controller = new AbortController();
    const copying = copier(destination).copyObject('data/k', source, 'endless', { signal: controller.signal });
    await untilTempFileGrows(destinationRoot);
    controller.abort();
    await expect(copying).rejects.toMatchObject({ code: 'KTS_ERR_CANCELLED' });
    expect(await tree(destinationRoot)).toEqual([]);
    // The worker stopped and takes the next job.
    await source.putObject('small', Buffer.from('small'));
    expect(await copier(destination).copyObject('data/k', source, 'small')).toMatchObject({ size: 5 });
  });

  it('cancelling a copy waiting for a worker drops it, having written nothing', async () => {
    const root = await newRoot();
    const oneWorker = createBank(createFsDriver({ root, copyWorkers: 1 }));
    try {
      const info = await source.putObject('endless', Buffer.from('x'));
      await replaceContent('endless', info.version, (path) => symlink('/dev/zero', path));
      await source.putObject('small', Buffer.from('small'));
      const busy = new AbortController();
      const running = copier(oneWorker).copyObject('a', source, 'endless', { signal: busy.signal });
      // The only worker is busy with `a` until cancelled: `b` waits for it.
      await untilTempFileGrows(root);
      const waiting = new AbortController();
      const queued = copier(oneWorker).copyObject('b', source, 'small', { signal: waiting.signal });
      await sleep(20);
      waiting.abort();
      await expect(queued).rejects.toMatchObject({ code: 'KTS_ERR_CANCELLED' });
      expect(await tree(root)).not.toContain('b');
      busy.abort();
      await expect(running).rejects.toMatchObject({ code: 'KTS_ERR_CANCELLED' });
      expect(await tree(root)).toEqual([]);
      // The worker takes the next job.
      expect(await copier(oneWorker).copyObject('b', source, 'small')).toMatchObject({ size: 5 });
    } finally {
      await oneWorker.close();
    }
  });

  it('an unreadable source sidecar, or a missing content file, is the error getObject gives, and leaves nothing', async () => {
    const info = await source.putObject('k', Buffer.from('bytes'));
    await writeFile(join(sourceRoot, 'k/%meta.json'), JSON.stringify({ format: 1, key: 'k', version: 'NOT-HEX', size: 5, etag: info.etag, metadata: {}, lastModified: '' }));
    const expected = await source.getObject('k').catch((caught: unknown) => caught);
    const error = await copier(destination).copyObject('k', source, 'k').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'KTS_ERR_BANK_INTEGRITY', message: (expected as Error).message });
    await writeFile(join(sourceRoot, 'k/%meta.json'), 'not json');
    const notJson = await copier(destination).copyObject('k', source, 'k').catch((caught: unknown) => caught);
    expect(notJson).toMatchObject({ code: 'KTS_ERR_BANK_INTEGRITY', message: ((await source.getObject('k').catch((caught: unknown) => caught)) as Error).message });
    expect((notJson as Error).cause).toBeInstanceOf(SyntaxError);
    const other = await source.putObject('gone', Buffer.from('bytes'));
    await unlink(join(sourceRoot, `gone/%v-${other.version}`));
    const missing = await copier(destination).copyObject('k', source, 'gone').catch((caught: unknown) => caught);
    expect(missing).toMatchObject({ code: 'KTS_ERR_BANK_INTEGRITY', details: { key: 'gone' }, message: ((await source.getObject('gone').catch((caught: unknown) => caught)) as Error).message });
    expect(await tree(destinationRoot)).toEqual([]);
  });

  it('an unreadable destination sidecar fails the commit (KTS_ERR_BANK_INTEGRITY) and leaves the object as it was', async () => {
    await source.putObject('k', Buffer.from('new'));
    const existing = await destination.putObject('k', Buffer.from('old'));
    await writeFile(join(destinationRoot, 'k/%meta.json'), '{');
    await expect(copier(destination).copyObject('k', source, 'k', { ifMatch: existing.version })).rejects.toMatchObject({ code: 'KTS_ERR_BANK_INTEGRITY' });
    expect(await tree(destinationRoot)).toEqual(['k', 'k/%meta.json', `k/%v-${existing.version}`]);
  });

  it('conditions are checked atomically: of many racing creations of one key, exactly one wins', async () => {
    const contents = Array.from({ length: 6 }, (_, index) => randomBytes(100_000 + index));
    for (const [index, bytes] of contents.entries()) await source.putObject(`s${index}`, bytes);
    const attempts = contents.map((_, index) => copier(destination).copyObject('k', source, `s${index}`, { ifNoneMatch: '*' }).then(
      (info) => ({ info }),
      (error: unknown) => ({ error }),
    ));
    // A put races them too.
    const put = destination.putObject('k', Buffer.from('put'), { ifNoneMatch: '*' }).then((info) => ({ info }), (error: unknown) => ({ error }));
    const outcomes = await Promise.all([...attempts, put]);
    const winners = outcomes.filter((outcome) => 'info' in outcome);
    expect(winners).toHaveLength(1);
    for (const outcome of outcomes) if ('error' in outcome) expect(outcome.error).toMatchObject({ code: 'KTS_ERR_BANK_PRECONDITION_FAILED' });
    const winner = (winners[0] as { info: ObjectInfo }).info;
    expect(await destination.head('k')).toMatchObject({ version: winner.version, etag: winner.etag });
    expect(await tree(destinationRoot)).toEqual(['k', 'k/%meta.json', `k/%v-${winner.version}`]);
  });

  it('a put of the key being copied waits for the copy (here until it is cancelled), then writes', async () => {
    // An endless source keeps the copy running for as long as the test wants, whatever the
    // machine's speed.
    const info = await source.putObject('endless', Buffer.from('bytes'));
    await replaceContent('endless', info.version, (path) => symlink('/dev/zero', path));
    const controller = new AbortController();
    const copying = copier(destination).copyObject('k', source, 'endless', { signal: controller.signal });
    await untilTempFileGrows(destinationRoot);
    let putDone = false;
    const putting = destination.putObject('k', Buffer.from('put')).then((result) => {
      putDone = true;
      return result;
    });
    await sleep(100);
    expect(putDone).toBe(false);
    controller.abort();
    await expect(copying).rejects.toMatchObject({ code: 'KTS_ERR_CANCELLED' });
    const put = await putting;
    expect(await destination.head('k')).toMatchObject({ version: put.version, size: 3 });
    expect(await tree(destinationRoot)).toEqual(['k', 'k/%meta.json', `k/%v-${put.version}`]);
  });

  it('a driver made durable copies too (content, sidecar and directories fsynced)', async () => {
    const durable = createBank(createFsDriver({ root: await newRoot(), durable: true }));
    try {
      const original = await source.putObject('a/b', randomBytes(COPY_CHUNK_BYTES + 3));
      expect(await copier(durable).copyObject('x/y', source, 'a/b', { etag: original.etag })).toMatchObject({ etag: original.etag });
      expect(await copier(durable).copyObject('x/y', source, 'a/b', { etag: original.etag, durable: false })).toMatchObject({ etag: original.etag });
    } finally {
      await durable.close();
    }
  });

  it('close() during a copy fails it, removes its temporary file and closes its descriptors', async () => {
    const info = await source.putObject('endless', Buffer.from('x'));
    await replaceContent('endless', info.version, (path) => symlink('/dev/zero', path));
    const copying = copier(destination).copyObject('data/k', source, 'endless');
    await untilTempFileGrows(destinationRoot);
    await destination.close();
    await expect(copying).rejects.toMatchObject({ code: 'KTS_ERR_BANK_IO' });
    expect(await tree(destinationRoot)).toEqual([]);
    const open = await Promise.all((await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
    expect(open.filter((target) => target.startsWith(destinationRoot) || target.startsWith(sourceRoot) || target === '/dev/zero')).toEqual([]);
    // And copies start again.
    await source.putObject('small', Buffer.from('small'));
    expect(await copier(destination).copyObject('data/k', source, 'small')).toMatchObject({ size: 5 });
  });

  it('an already aborted signal is KTS_ERR_CANCELLED before anything is written', async () => {
    await source.putObject('k', Buffer.from('bytes'));
    const controller = new AbortController();
    controller.abort();
    await expect(copier(destination).copyObject('k', source, 'k', { signal: controller.signal })).rejects.toMatchObject({ code: 'KTS_ERR_CANCELLED' });
    expect(await tree(destinationRoot)).toEqual([]);
  });

  it('resolves undefined, writing nothing, when the source is not an fs bank', async () => {
    const memory = createBank(createMemoryDriver());
    await memory.putObject('k', Buffer.from('bytes'));
    expect(await copier(destination).copyObject('k', memory, 'k')).toBeUndefined();
    expect(await tree(destinationRoot)).toEqual([]);
    // And a memory bank has no bank-side copy from anything.
    expect(await copier(memory).copyObject('other', source, 'k')).toBeUndefined();
  });

  it('resolves undefined when the driver has no copy workers (copyWorkers: 0)', async () => {
    const noWorkers = createBank(createFsDriver({ root: await newRoot(), copyWorkers: 0 }));
    await source.putObject('k', Buffer.from('bytes'));
    expect(await copier(noWorkers).copyObject('k', source, 'k')).toBeUndefined();
    expect(() => createFsDriver({ root: destinationRoot, copyWorkers: 99 })).toThrow(expect.objectContaining({ code: 'KTS_ERR_INVALID_OPTION' }));
  });

  it('validates and maps both keys as putObject and getObject do, and a read-only section refuses', async () => {
    await source.putObject('a/b', Buffer.from('bytes'));
    const to = copier(destination);
    await expect(to.copyObject('../x', source, 'a/b')).rejects.toMatchObject({ code: 'KTS_ERR_BANK_KEY_INVALID' });
    await expect(to.copyObject('x', source, 'a/../b')).rejects.toMatchObject({ code: 'KTS_ERR_BANK_KEY_INVALID' });
    await expect(to.copyObject('.kts/leases/x', source, 'a/b')).rejects.toMatchObject({ code: 'KTS_ERR_BANK_KEY_INVALID' });
    await expect(copier(destination.section('ro', { readOnly: true })).copyObject('x', source, 'a/b')).rejects.toMatchObject({ code: 'KTS_ERR_BANK_READONLY' });
    // Normalised as everywhere else: `./a//b` is `a/b`.
    expect(await to.copyObject('c//./d', source.section('a'), './b')).toMatchObject({ key: 'c/d', size: 5 });
    expect(await tree(destinationRoot)).toContain('c/d/%meta.json');
  });

  it('close() stops the workers; a later copy starts them again', async () => {
    await source.putObject('k', Buffer.from('bytes'));
    expect(await copier(destination).copyObject('one', source, 'k')).toMatchObject({ size: 5 });
    await destination.close();
    expect(await copier(destination).copyObject('two', source, 'k')).toMatchObject({ size: 5 });
  });
});

describe('fs bank-side copy: bytes checked against the sealed sha256', () => {
  const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
  const sidecarPath = (root: string, key: string): string => join(root, ...key.split('/'), '%meta.json');
  const sidecarOf = async (root: string, key: string): Promise<Record<string, unknown>> => JSON.parse(await readFile(sidecarPath(root, key), 'utf8'));

  it('a put records the sha256 and its seal; copies keep them, copy after copy', async () => {
    const bytes = randomBytes(COPY_CHUNK_BYTES + 3);
    const info = await source.putObject('k', bytes);
    const recorded = await sidecarOf(sourceRoot, 'k');
    expect(recorded).toMatchObject({ etag: md5(bytes), sha256: sha256(bytes), seal: sealOf(md5(bytes), bytes.length, sha256(bytes)) });
    await copier(destination).copyObject('once', source, 'k', { etag: info.etag });
    await copier(destination).copyObject('twice', destination, 'once', { etag: info.etag });
    for (const key of ['once', 'twice']) {
      expect(await sidecarOf(destinationRoot, key)).toMatchObject({ etag: recorded.etag, sha256: recorded.sha256, seal: recorded.seal });
      expect((await readAll(destination, key)).equals(bytes)).toBe(true);
    }
  });

  it.each([
    ['a flipped byte', (bytes: Buffer) => Buffer.from(bytes.map((byte, at) => (at === 1000 ? byte ^ 0x01 : byte))), (bytes: Buffer, damaged: Buffer) => ({ algorithm: 'sha256', expected: sha256(bytes), actual: sha256(damaged) })],
    ['a truncated content', (bytes: Buffer) => bytes.subarray(0, bytes.length - 1), (bytes: Buffer) => ({ algorithm: 'size', expected: `${bytes.length} bytes`, actual: `${bytes.length - 1} bytes` })],
  ])('refuses a source with %s (KTS_ERR_BANK_INTEGRITY, naming the source), writing nothing', async (_name, damage, found) => {
    const bytes = randomBytes(COPY_CHUNK_BYTES * 2);
    const info = await source.putObject('data/k', bytes);
    const damaged = damage(bytes);
    await replaceContent('data/k', info.version, (path) => writeFile(path, damaged));
    const error = await copier(destination).copyObject('copy', source, 'data/k', { etag: info.etag }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'KTS_ERR_BANK_INTEGRITY', details: { key: 'data/k', ...found(bytes, damaged) } });
    expect(await tree(destinationRoot)).toEqual([]);
  });

  it('a truncated legacy source (no sha256) is refused by its size even without an expected etag', async () => {
    const bytes = randomBytes(10_000);
    const info = await source.putObject('old', bytes);
    const { sha256: _sha256, seal: _seal, ...legacy } = await sidecarOf(sourceRoot, 'old');
    await writeFile(sidecarPath(sourceRoot, 'old'), JSON.stringify(legacy));
    await replaceContent('old', info.version, (path) => writeFile(path, bytes.subarray(0, 9_000)));
    await expect(copier(destination).copyObject('old', source, 'old')).rejects.toMatchObject({ code: 'KTS_ERR_BANK_INTEGRITY', details: { algorithm: 'size', expected: '10000 bytes', actual: '9000 bytes' } });
    expect(await tree(destinationRoot)).toEqual([]);
  });

  it('malformed digest fields are ignored, not fatal: head works, and the copy hashes md5', async () => {
    const bytes = randomBytes(5000);
    await source.putObject('k', bytes);
    await writeFile(sidecarPath(sourceRoot, 'k'), JSON.stringify({ ...(await sidecarOf(sourceRoot, 'k')), sha256: null, seal: 7 }));
    expect(await source.head('k')).toMatchObject({ etag: md5(bytes), size: bytes.length });
    await copier(destination).copyObject('k', source, 'k', { etag: md5(bytes) });
    expect(await sidecarOf(destinationRoot, 'k')).toMatchObject({ etag: md5(bytes), sha256: sha256(bytes) });
  });

  it('a sidecar whose etag was damaged breaks its seal: the copy hashes md5 and refuses the etag it claims', async () => {
    const bytes = randomBytes(5000);
    await source.putObject('k', bytes);
    const recorded = await sidecarOf(sourceRoot, 'k');
    const forged = md5(Buffer.from('not these bytes'));
    await writeFile(sidecarPath(sourceRoot, 'k'), JSON.stringify({ ...recorded, etag: forged }));
    const claimed = (await source.head('k'))!.etag;
    expect(claimed).toBe(forged);
    const error = await copier(destination).copyObject('k', source, 'k', { etag: claimed }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'KTS_ERR_BANK_INTEGRITY', details: { expected: forged, actual: md5(bytes) } });
    expect(await tree(destinationRoot)).toEqual([]);
  });

  it('a sidecar written before the sha256 was recorded is copied by md5, and the copy records both digests', async () => {
    const bytes = randomBytes(COPY_CHUNK_BYTES + 11);
    await source.putObject('old', bytes);
    const { sha256: _sha256, seal: _seal, ...legacy } = await sidecarOf(sourceRoot, 'old');
    await writeFile(sidecarPath(sourceRoot, 'old'), JSON.stringify(legacy));
    expect(await source.head('old')).toMatchObject({ etag: md5(bytes), size: bytes.length });
    await copier(destination).copyObject('new', source, 'old', { etag: md5(bytes) });
    expect(await sidecarOf(destinationRoot, 'new')).toMatchObject({ etag: md5(bytes), sha256: sha256(bytes), seal: sealOf(md5(bytes), bytes.length, sha256(bytes)) });
    // A damaged legacy source is still caught, by its md5.
    const version = legacy.version as string;
    await replaceContent('old', version, (path) => writeFile(path, Buffer.concat([bytes.subarray(0, 10), Buffer.from([bytes[10]! ^ 0xff]), bytes.subarray(11)])));
    await expect(copier(destination).copyObject('again', source, 'old', { etag: md5(bytes) })).rejects.toMatchObject({ code: 'KTS_ERR_BANK_INTEGRITY', details: { expected: md5(bytes) } });
  });
});

describe('fs bank-side copy: direct writes', () => {
  /** Bytes of `path` in the page cache, by util-linux's `fincore`. */
  const resident = (path: string): number => Number(execFileSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', path], { encoding: 'utf8' }).trim());
  const contentPath = (root: string, info: ObjectInfo): string => join(root, ...info.key.split('/'), `%v-${info.version}`);

  it('a copy bypasses the page cache (O_DIRECT) save its last partial block; with directCopies: false it fills it', async () => {
    const bytes = randomBytes(4 * 1024 * 1024 + 100);
    await source.putObject('k', bytes);
    const direct = await copier(destination).copyObject('k', source, 'k', { etag: md5(bytes) });
    const bufferedRoot = await newRoot();
    const buffered = createBank(createFsDriver({ root: bufferedRoot, directCopies: false }));
    try {
      const copied = await copier(buffered).copyObject('k', source, 'k', { etag: md5(bytes) });
      expect(resident(contentPath(destinationRoot, direct!))).toBeLessThanOrEqual(4096);
      expect(resident(contentPath(bufferedRoot, copied!))).toBeGreaterThanOrEqual(4 * 1024 * 1024);
      expect((await readAll(destination, 'k')).equals(bytes)).toBe(true);
      expect((await readAll(buffered, 'k')).equals(bytes)).toBe(true);
    } finally {
      await buffered.close();
    }
  });

  it('refuses a directCopies that is not a boolean (KTS_ERR_INVALID_OPTION)', () => {
    expect(() => createFsDriver({ root: sourceRoot, directCopies: 'yes' as unknown as boolean })).toThrow(expect.objectContaining({ code: 'KTS_ERR_INVALID_OPTION' }));
  });
});

describe('fs bank-side hash (hashObject)', () => {
  const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
  type Hasher = BankSection & { hashObject(key: string, options?: { signal?: AbortSignal }): Promise<{ key: string; version: string; size: number; sha256: string } | undefined> };
  const hasher = (section: BankSection): Hasher => section as Hasher;

  it.each([0, 1, 4097, DIRECT_COPY_CHUNK_BYTES + 1, 3 * 1024 * 1024])('hashes %i bytes in a worker, through a read-only section, with the version read', async (size) => {
    const bytes = randomBytes(size);
    const info = await source.section('s').putObject('k', bytes);
    expect(await hasher(source.section('s', { readOnly: true })).hashObject('k')).toEqual({ key: 'k', version: info.version, size, sha256: sha256(bytes) });
  });

  it('hashes what is on disk now: a byte flipped at rest gives another sha256', async () => {
    const bytes = randomBytes(100_000);
    const info = await source.putObject('k', bytes);
    const flipped = Buffer.from(bytes);
    flipped[777] = flipped[777]! ^ 0x10;
    await replaceContent('k', info.version, (path) => writeFile(path, flipped));
    expect(await hasher(source).hashObject('k')).toMatchObject({ size: bytes.length, sha256: sha256(flipped) });
  });

  it('a missing object, a missing content file and a bad key give the errors getObject gives', async () => {
    for (const key of ['absent', '../escape', 'a//b']) {
      const expected = await source.getObject(key).catch((caught: unknown) => caught);
      await expect(hasher(source).hashObject(key)).rejects.toMatchObject({ code: (expected as { code: string }).code, message: (expected as Error).message });
    }
    const info = await source.putObject('gone', Buffer.from('bytes'));
    await unlink(join(sourceRoot, `gone/%v-${info.version}`));
    await expect(hasher(source).hashObject('gone')).rejects.toMatchObject({ code: 'KTS_ERR_BANK_INTEGRITY', details: { key: 'gone' } });
  });

  it('an aborted signal is KTS_ERR_CANCELLED, also while a worker reads an endless file', async () => {
    const info = await source.putObject('endless', Buffer.from('bytes'));
    await expect(hasher(source).hashObject('endless', { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'KTS_ERR_CANCELLED' });
    await replaceContent('endless', info.version, (path) => symlink('/dev/zero', path));
    const controller = new AbortController();
    const running = hasher(source).hashObject('endless', { signal: controller.signal });
    await sleep(50);
    controller.abort();
    await expect(running).rejects.toMatchObject({ code: 'KTS_ERR_CANCELLED' });
  });

  it('resolves undefined when the driver has no workers (copyWorkers: 0), and for a memory bank', async () => {
    const root = await newRoot();
    const bare = createBank(createFsDriver({ root, copyWorkers: 0 }));
    const memory = createBank(createMemoryDriver());
    try {
      await bare.putObject('k', Buffer.from('x'));
      await memory.putObject('k', Buffer.from('x'));
      expect(await hasher(bare).hashObject('k')).toBeUndefined();
      expect(await hasher(memory).hashObject('k')).toBeUndefined();
    } finally {
      await bare.close();
      await memory.close();
    }
  });
});

describe('copyObjects between two fs banks', () => {
  it('moves every object through the bank-side copy, never streaming through getObject and putObject', async () => {
    const contents = new Map<string, Buffer>();
    const from = source.section('checkpoints/c1/resources/r');
    for (const [index, size] of [0, 1, 300_001, COPY_CHUNK_BYTES, 3 * 1024 * 1024 + 1].entries()) {
      const bytes = randomBytes(size);
      contents.set(`data/${index}`, bytes);
      await from.putObject(`data/${index}`, bytes, { metadata: { part: String(index) } });
    }
    await from.putJson('manifest.json', { parts: contents.size });
    const gets = vi.spyOn(source.driver, 'get');
    const puts = vi.spyOn(destination.driver, 'put');
    const copies = vi.spyOn(destination.driver, 'copyFrom' as never) as unknown as { mock: { calls: unknown[][] } };
    const to = destination.section('checkpoints/c2/resources/r');
    const result = await copyObjects(source.section('checkpoints/c1/resources/r', { readOnly: true }), to);
    expect([...result.created].sort()).toEqual([...contents.keys(), 'manifest.json'].sort());
    expect(copies.mock.calls).toHaveLength(contents.size + 1);
    expect(gets).not.toHaveBeenCalled();
    expect(puts).not.toHaveBeenCalled();
    for (const [key, bytes] of contents) {
      expect((await readAll(to, key)).equals(bytes)).toBe(true);
      expect(await to.head(key)).toMatchObject({ etag: md5(bytes), size: bytes.length, metadata: { part: key.split('/')[1] } });
    }
    expect(await to.getJson('manifest.json')).toMatchObject({ value: { parts: contents.size } });
    // A second run finds everything there: nothing moves.
    const again = await copyObjects(from, to);
    expect(again.skipped).toHaveLength(contents.size + 1);
    expect(copies.mock.calls).toHaveLength(contents.size + 1);
  });

  it('from a memory bank, the fs bank declines and the objects stream', async () => {
    const memory = createBank(createMemoryDriver());
    await memory.putObject('data/0', randomBytes(70_000));
    await memory.putObject('data/1', randomBytes(10));
    const copies = vi.spyOn(destination.driver, 'copyFrom' as never) as unknown as { mock: { results: { value: unknown }[] } };
    const result = await copyObjects(memory, destination);
    expect([...result.created].sort()).toEqual(['data/0', 'data/1']);
    // Asked (once per transfer started before the first answer), declined every time.
    expect(copies.mock.results.length).toBeGreaterThan(0);
    for (const call of copies.mock.results) expect(await call.value).toBeUndefined();
    for (const key of result.created) expect((await destination.head(key))?.etag).toBe((await memory.head(key))?.etag);
  });
});
