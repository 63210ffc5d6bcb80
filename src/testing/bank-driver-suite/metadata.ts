/**
 * The `metadata` group of the bank-driver conformance suite: user metadata round trips through
 * `put` and `head`, a rewrite replaces it, and `head` of a missing key is `undefined`.
 *
 * @module
 */
import { expect } from 'vitest';
import type { Case, SuiteContext } from './context.js';
import { bytesOf, md5 } from './helpers.js';

/** Registers the cases of the `metadata` group. */
export function metadataCases(test: Case, suite: SuiteContext): void {
  const { put } = suite;

  test('metadata round trips through put and head', async () => {
    const info = await put('m', 'hello', { color: 'blue', 'x-count': '3', empty: '' });
    expect(info).toMatchObject({ key: 'm', size: 5, etag: md5(bytesOf('hello')), metadata: { color: 'blue', 'x-count': '3', empty: '' } });
    const head = await suite.driver.head('m');
    expect(head).toMatchObject({ key: 'm', size: 5, etag: info.etag, version: info.version });
    expect({ ...head?.metadata }).toEqual({ color: 'blue', 'x-count': '3', empty: '' });
    if (head?.lastModified !== undefined) expect(head.lastModified).toBeInstanceOf(Date);
  });

  test('an object written without metadata has none', async () => {
    await put('m', 'x');
    expect({ ...(await suite.driver.head('m'))?.metadata }).toEqual({});
  });

  test('a rewrite replaces the metadata', async () => {
    await put('m', 'x', { a: '1', b: '2' });
    await put('m', 'y', { c: '3' });
    expect({ ...(await suite.driver.head('m'))?.metadata }).toEqual({ c: '3' });
  });

  test('head of a missing key is undefined', async () => {
    expect(await suite.driver.head('missing')).toBeUndefined();
    await put('present/below', 'x');
    expect(await suite.driver.head('present')).toBeUndefined();
  });
}
