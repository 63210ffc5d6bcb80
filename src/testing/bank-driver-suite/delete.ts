/**
 * The `delete` group of the bank-driver conformance suite: a delete removes the object, and only
 * it; deleting a missing key is not an error; a deleted key can be written again.
 *
 * @module
 */
import { expect } from 'vitest';
import type { Case, SuiteContext } from './context.js';
import { bytesOf, expectCode } from './helpers.js';

/** Registers the cases of the `delete` group. */
export function deleteCases(test: Case, suite: SuiteContext): void {
  const { put, read, listAll } = suite;

  test('delete removes the object from reads and listings', async () => {
    await put('d', 'x');
    await suite.driver.delete('d');
    expect(await suite.driver.head('d')).toBeUndefined();
    await expectCode(suite.driver.get('d'), 'KTS_ERR_BANK_OBJECT_NOT_FOUND');
    expect(await listAll()).toEqual([]);
  });

  test('deleting a missing key is not an error', async () => {
    await suite.driver.delete('never/was');
    expect(await listAll()).toEqual([]);
  });

  test('deleting a key leaves the keys below and beside it', async () => {
    for (const key of ['x', 'x/y', 'x/y/z', 'xa']) await put(key, key);
    await suite.driver.delete('x/y');
    expect(await listAll()).toEqual(['x', 'x/y/z', 'xa']);
    await suite.driver.delete('x');
    expect(await listAll()).toEqual(['x/y/z', 'xa']);
    expect(await read('x/y/z')).toBe('x/y/z');
  });

  test('a deleted key can be written again', async () => {
    await put('again', 'one');
    await suite.driver.delete('again');
    await suite.driver.put('again', bytesOf('two'), { ifNoneMatch: '*' });
    expect(await read('again')).toBe('two');
  });
}
