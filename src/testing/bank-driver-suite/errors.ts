/**
 * The `errors` group of the bank-driver conformance suite: a missing key, a wrong expected etag
 * and a failing body fail with the right error and leave no partial object behind.
 *
 * @module
 */
import { Readable } from 'node:stream';
import { expect } from 'vitest';
import type { Case, SuiteContext } from './context.js';
import { bytesOf, expectCode, md5 } from './helpers.js';

/** Registers the cases of the `errors` group. */
export function errorsCases(test: Case, suite: SuiteContext): void {
  const { put, read, listAll } = suite;

  test('get of a missing key fails with KTS_ERR_BANK_OBJECT_NOT_FOUND', async () => {
    await expectCode(suite.driver.get('missing'), 'KTS_ERR_BANK_OBJECT_NOT_FOUND');
    await put('dir/below', 'x');
    await expectCode(suite.driver.get('dir'), 'KTS_ERR_BANK_OBJECT_NOT_FOUND');
  });

  test('a wrong expected etag fails with KTS_ERR_BANK_INTEGRITY and leaves no object', async () => {
    await expectCode(suite.driver.put('bad', bytesOf('content'), { etag: md5(bytesOf('other')) }), 'KTS_ERR_BANK_INTEGRITY');
    expect(await suite.driver.head('bad')).toBeUndefined();
    expect(await listAll()).toEqual([]);
  });

  test('a wrong expected etag on a rewrite keeps the previous version', async () => {
    const first = await put('bad', 'first');
    await expectCode(suite.driver.put('bad', Readable.from([bytesOf('second')]), { etag: md5(bytesOf('other')) }), 'KTS_ERR_BANK_INTEGRITY');
    expect(await suite.driver.head('bad')).toMatchObject({ version: first.version, etag: first.etag });
    expect(await read('bad')).toBe('first');
  });

  test('a failing body fails the put and leaves no object', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield bytesOf('partial');
      throw new Error('source broke');
    }
    await expect(suite.driver.put('broken', failing())).rejects.toBeInstanceOf(Error);
    expect(await suite.driver.head('broken')).toBeUndefined();
    expect(await listAll()).toEqual([]);
  });
}
