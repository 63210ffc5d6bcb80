/**
 * The `large-object` group of the bank-driver conformance suite: an object of
 * `largeObjectBytes` streams in and out with the right md5.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { Case, SuiteContext } from './context.js';

/** Registers the cases of the `large-object` group. */
export function largeObjectCases(test: Case, suite: SuiteContext): void {
  const { largeObjectBytes } = suite;

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
    const info = await suite.driver.put('large', generate());
    const expected = hash.digest('hex');
    expect(info).toMatchObject({ size: largeObjectBytes, etag: expected });
    expect(await suite.driver.head('large')).toMatchObject({ size: largeObjectBytes, etag: expected });
    const readBack = createHash('md5');
    let size = 0;
    for await (const chunk of await suite.driver.get('large')) {
      readBack.update(chunk as Uint8Array);
      size += (chunk as Uint8Array).length;
    }
    expect(size).toBe(largeObjectBytes);
    expect(readBack.digest('hex')).toBe(expected);
  }, 180_000);
}
