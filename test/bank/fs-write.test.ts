/**
 * The filesystem driver's content write (`fs-write.ts`): hashing overlapped with positional
 * batched writes. Through the driver on a real directory (contents, md5, nothing left behind on
 * failure or cancellation with writes in flight), and directly with a fake file handle (short
 * writes, a failing write, bounded writes in flight, no write left running on return).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFsDriver, type BankDriver } from '../../src/bank/index.js';
import { BATCH_BYTES, IN_FLIGHT_BYTES, writeHashed } from '../../src/bank/drivers/fs-write.js';

const MiB = 1024 * 1024;
const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');

/** `data` cut into chunks of the given sizes, cycling (an empty chunk included on purpose). */
function* pieces(data: Buffer, sizes: readonly number[]): Generator<Buffer> {
  for (let at = 0, i = 0; at < data.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield data.subarray(at, at + size);
    at += size;
  }
}

describe('fs driver: overlapped hashing and writing', () => {
  let root: string;
  let driver: BankDriver;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'kts-bank-fs-write-'));
    driver = createFsDriver({ root });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const tree = async (): Promise<string[]> => (await readdir(root, { recursive: true })).map((entry) => entry.split(sep).join('/')).sort();

  it('writes chunks of every size across many batches in order, with the right md5', async () => {
    const data = randomBytes(3 * IN_FLIGHT_BYTES + 12_345);
    const info = await driver.put('mixed', Readable.from(pieces(data, [100_003, 0, 1, 4 * MiB + 7, 65_536, 3])));
    expect(info).toMatchObject({ size: data.length, etag: md5(data) });
    const stored = await readFile(join(root, 'mixed', `%v-${info.version}`));
    expect(stored.length).toBe(data.length);
    expect(Buffer.compare(stored, data)).toBe(0);
    const whole = await driver.put('whole', data);
    expect(whole.etag).toBe(md5(data));
  });

  it('a wrong expected etag on a multi-batch stream leaves nothing behind', async () => {
    const data = randomBytes(2 * IN_FLIGHT_BYTES);
    await expect(driver.put('guarded/key', Readable.from(pieces(data, [MiB])), { etag: md5(Buffer.from('other')) })).rejects.toMatchObject({ code: 'KTS_ERR_BANK_INTEGRITY' });
    expect(await tree()).toEqual([]);
  });

  it('a body failing or cancelled with writes in flight leaves nothing behind', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 20; i++) yield randomBytes(MiB);
      throw new Error('source broke');
    }
    await expect(driver.put('a/failing', failing())).rejects.toThrow(/source broke/u);
    const controller = new AbortController();
    async function* cancelled(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 64; i++) {
        if (i === 20) controller.abort();
        yield randomBytes(MiB);
      }
    }
    await expect(driver.put('b/cancelled', cancelled(), { signal: controller.signal })).rejects.toMatchObject({ code: 'KTS_ERR_CANCELLED' });
    expect(await tree()).toEqual([]);
  });

  it('refuses chunks that are not bytes', async () => {
    await expect(driver.put('strings', Readable.from(['text']))).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
    expect(await tree()).toEqual([]);
  });
});

describe('writeHashed with a fake file handle', () => {
  /** A file handle double that keeps the bytes it is given, slowly, and can misbehave. */
  function fakeHandle(options: { shortBy?: number; failOnCall?: number } = {}) {
    const file = Buffer.alloc(64 * MiB);
    let calls = 0;
    let running = 0;
    let maxRunningBytes = 0;
    let runningBytes = 0;
    let length = 0;
    const write = async (buffers: Uint8Array[], position: number): Promise<{ bytesWritten: number }> => {
      calls++;
      const call = calls;
      const total = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
      running++;
      runningBytes += total;
      maxRunningBytes = Math.max(maxRunningBytes, runningBytes);
      try {
        await sleep(2);
        if (call === options.failOnCall) throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
        const take = call % 2 === 1 && options.shortBy !== undefined ? Math.max(1, total - options.shortBy) : total;
        let at = position;
        let left = take;
        for (const buffer of buffers) {
          const n = Math.min(left, buffer.length);
          file.set(buffer.subarray(0, n), at);
          at += n;
          left -= n;
        }
        length = Math.max(length, position + take);
        return { bytesWritten: take };
      } finally {
        running--;
        runningBytes -= total;
      }
    };
    const handle = {
      write: (buffer: Uint8Array, offset: number, size: number, position: number) => write([buffer.subarray(offset, offset + size)], position),
      writev: (buffers: Uint8Array[], position: number) => write(buffers, position),
    } as unknown as FileHandle;
    return { handle, content: () => file.subarray(0, length), running: () => running, maxRunningBytes: () => maxRunningBytes };
  }

  it('finishes short writes and keeps the bytes being written bounded', async () => {
    const fake = fakeHandle({ shortBy: 1000 });
    const data = randomBytes(40 * MiB + 5);
    const result = await writeHashed(fake.handle, Readable.from(pieces(data, [64 * 1024, 300_001])));
    expect(result).toEqual({ etag: md5(data), sha256: createHash('sha256').update(data).digest('hex'), size: data.length });
    expect(Buffer.compare(fake.content(), data)).toBe(0);
    expect(fake.maxRunningBytes()).toBeGreaterThan(BATCH_BYTES); // writes overlapped
    expect(fake.maxRunningBytes()).toBeLessThanOrEqual(IN_FLIGHT_BYTES + 2 * BATCH_BYTES);
    expect(fake.running()).toBe(0);
  });

  it('a failing write fails the whole write, and no write is left running on return', async () => {
    const fake = fakeHandle({ failOnCall: 3 });
    const data = randomBytes(30 * MiB);
    await expect(writeHashed(fake.handle, Readable.from(pieces(data, [MiB])))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(fake.running()).toBe(0);
  });

  it('a failing body rejects only after the writes in flight settled', async () => {
    const fake = fakeHandle();
    async function* failing(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 6; i++) yield randomBytes(MiB);
      throw new Error('source broke');
    }
    await expect(writeHashed(fake.handle, failing())).rejects.toThrow(/source broke/u);
    expect(fake.running()).toBe(0);
  });
});
