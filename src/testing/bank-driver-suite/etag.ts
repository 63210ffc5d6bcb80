/**
 * The `etag` group of the bank-driver conformance suite: the etag is the md5 of the content,
 * whatever form the body takes, and an expected etag that matches is accepted.
 *
 * @module
 */
import { Readable } from 'node:stream';
import { expect } from 'vitest';
import type { Case, SuiteContext } from './context.js';
import { bytesOf } from './helpers.js';

/** Registers the cases of the `etag` group. */
export function etagCases(test: Case, suite: SuiteContext): void {
  const { put, read } = suite;

  const content = 'The quick brown fox jumps over the lazy dog';
  const expected = '9e107d9d372bb6826bd81d3542a419d6';

  test('a buffer put records the md5 of the content', async () => {
    const info = await put('e', content);
    expect(info.etag).toBe(expected);
    expect((await suite.driver.head('e'))?.etag).toBe(expected);
  });

  test('a Readable put records the md5 of the content', async () => {
    const chunks = [bytesOf('The quick '), bytesOf('brown fox '), bytesOf('jumps over the lazy dog')];
    const info = await suite.driver.put('e', Readable.from(chunks));
    expect(info).toMatchObject({ etag: expected, size: 43 });
    expect(await read('e')).toBe(content);
  });

  test('an async iterable put records the md5 of the content', async () => {
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (const word of content.split(/(?= )/u)) yield bytesOf(word);
    }
    const info = await suite.driver.put('e', chunks());
    expect(info).toMatchObject({ etag: expected, size: 43 });
  });

  test('an empty object has the md5 of nothing', async () => {
    const info = await put('empty', new Uint8Array(0));
    expect(info).toMatchObject({ etag: 'd41d8cd98f00b204e9800998ecf8427e', size: 0 });
    expect(await read('empty')).toBe('');
  });

  test('an expected etag that matches is accepted', async () => {
    const info = await suite.driver.put('e', bytesOf(content), { etag: expected });
    expect(info.etag).toBe(expected);
  });

  test('rewriting the same content changes the version, not the etag', async () => {
    const first = await put('e', content);
    const second = await put('e', content);
    expect(second.etag).toBe(first.etag);
    expect(second.version).not.toBe(first.version);
  });
}
