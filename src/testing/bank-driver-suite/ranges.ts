/**
 * The `ranges` group of the bank-driver conformance suite: ranged reads with inclusive bounds,
 * open ends, clamping, empty ranges, and ranges across internal chunk boundaries.
 *
 * @module
 */
import { expect } from 'vitest';
import type { Case, SuiteContext } from './context.js';
import { readStream } from './helpers.js';

/** Registers the cases of the `ranges` group. */
export function rangesCases(test: Case, suite: SuiteContext): void {
  const { put, read } = suite;

  const content = '0123456789abcdefghij';

  test('start and end are inclusive', async () => {
    await put('r', content);
    expect(await read('r', { start: 3, end: 7 })).toBe('34567');
    expect(await read('r', { start: 5, end: 5 })).toBe('5');
  });

  test('start alone reads to the end', async () => {
    await put('r', content);
    expect(await read('r', { start: 15 })).toBe('fghij');
  });

  test('end alone reads from the start', async () => {
    await put('r', content);
    expect(await read('r', { end: 4 })).toBe('01234');
  });

  test('an end past the last byte is clamped', async () => {
    await put('r', content);
    expect(await read('r', { start: 18, end: 1000 })).toBe('ij');
  });

  test('a start at or past the end reads nothing', async () => {
    await put('r', content);
    expect(await read('r', { start: 20 })).toBe('');
    expect(await read('r', { start: 25, end: 30 })).toBe('');
  });

  test('a range across internal chunk boundaries', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    await suite.driver.put('big', big);
    const start = 1024 * 1024 - 5;
    const end = 2 * 1024 * 1024 + 5;
    const got = await readStream(await suite.driver.get('big', { start, end }));
    expect(got.equals(big.subarray(start, end + 1))).toBe(true);
  });
}
