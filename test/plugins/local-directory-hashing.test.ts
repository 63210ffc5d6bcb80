/** The hashing pool behind full verify (`digestOf`) and protect (`hashOffThread`). */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestOffThread, hashOffThread } from '../../src/plugins/local-directory/hash-worker.js';
import { digestOf } from '../../src/plugins/local-directory/hashing.js';

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const chunks = (bytes: Buffer, size: number) => Array.from({ length: Math.ceil(bytes.length / size) }, (_, at) => bytes.subarray(at * size, (at + 1) * size));

async function* slowly(parts: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) {
    await new Promise((resolve) => setImmediate(resolve));
    yield part;
  }
}

describe('digestOf (hashed by the worker pool)', () => {
  it('gives the sha256, md5 when asked, and size, with many streams at once and chunks of every size', async () => {
    // Chunk sizes below, at and above the 256 KiB slot, and a stream larger than a job's ring.
    const cases = [
      { bytes: randomBytes(0), chunk: 1 },
      { bytes: randomBytes(1), chunk: 1 },
      { bytes: randomBytes(5 * 65_536 + 3), chunk: 65_536 },
      { bytes: randomBytes(3 * 262_144), chunk: 262_144 },
      { bytes: randomBytes(3 * 1024 * 1024 + 5), chunk: 1024 * 1024 },
      { bytes: randomBytes(4 * 1024 * 1024 + 1), chunk: 262_143 },
      { bytes: randomBytes(9 * 1024 * 1024), chunk: 9 * 1024 * 1024 },
      { bytes: randomBytes(1000), chunk: 7 },
    ];
    const results = await Promise.all(cases.map(({ bytes, chunk }, at) => digestOf(at % 2 === 0 ? slowly(chunks(bytes, chunk)) : chunks(bytes, chunk), { md5: at % 3 === 0 })));
    results.forEach((digest, at) => {
      const { bytes } = cases[at]!;
      expect(digest).toEqual({ size: bytes.length, sha256: sha256(bytes), md5: at % 3 === 0 ? md5(bytes) : '' });
    });
  });

  it('does not touch the bytes it is given', async () => {
    const bytes = randomBytes(600_000);
    const copy = Buffer.from(bytes);
    const parts = chunks(bytes, 100_000);
    await digestOf(parts);
    expect(bytes.equals(copy)).toBe(true);
    expect(parts.every((part) => part.byteLength === 100_000)).toBe(true);
  });

  it('passes a failing source on, and keeps working afterwards', async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield randomBytes(300_000);
      throw new Error('disk on fire');
    }
    await expect(digestOffThread(broken())).rejects.toThrow('disk on fire');
    const bytes = randomBytes(700_000);
    expect((await digestOffThread(chunks(bytes, 65_536))).sha256).toBe(sha256(bytes));
  });

  it('reports every byte to onBytes', async () => {
    const bytes = randomBytes(1_000_003);
    let seen = 0;
    await digestOf(chunks(bytes, 65_536), { onBytes: (count) => (seen += count) });
    expect(seen).toBe(bytes.length);
  });
});

describe('hashOffThread with chunks larger than a slot', () => {
  it('passes every chunk through unchanged and hashes it', async () => {
    const bytes = randomBytes(5 * 1024 * 1024 + 11);
    const hashing = hashOffThread(slowly(chunks(bytes, 1024 * 1024)));
    const passed: Uint8Array[] = [];
    for await (const chunk of hashing.stream) passed.push(chunk);
    expect(Buffer.concat(passed).equals(bytes)).toBe(true);
    expect(await hashing.result()).toEqual({ size: bytes.length, md5: md5(bytes), sha256: sha256(bytes) });
  });
});
