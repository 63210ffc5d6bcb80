/**
 * The `listing` group of the bank-driver conformance suite: UTF-8 byte order both ways, paging
 * with `limit` and an exclusive `marker`, prefixes, keys with keys below them, and keys with
 * unusual characters.
 *
 * @module
 */
import { expect } from 'vitest';
import { compareKeys } from '../../bank/index.js';
import type { Case, SuiteContext } from './context.js';
import { byteSorted } from './helpers.js';

/** Registers the cases of the `listing` group. */
export function listingCases(test: Case, suite: SuiteContext): void {
  const { put, read, listAll } = suite;

  const KEYS = ['b', 'a', 'a/b', 'a!', 'a-c', 'A', 'ab', 'a/bb', 'a/b/c', 'é', '\u{1F600}', '\uFF71', 'z/y/x'];
  const seed = async (): Promise<void> => {
    for (const key of KEYS) await put(key, `content of ${key}`);
  };

  test('an empty bank lists nothing', async () => {
    const page = await suite.driver.list();
    expect(page.keys).toEqual([]);
    expect(page.nextMarker).toBeUndefined();
  });

  test('ascending order is UTF-8 byte order', async () => {
    await seed();
    const keys = await listAll();
    expect(keys).toEqual(byteSorted(KEYS));
    // Spot checks where other orders differ: '!' (0x21) and '-' (0x2d) sort before '/' (0x2f);
    // U+1F600 sorts after U+FF71 in UTF-8 (UTF-16 code units would put it before).
    expect(keys.indexOf('a!')).toBeLessThan(keys.indexOf('a/b'));
    expect(keys.indexOf('a-c')).toBeLessThan(keys.indexOf('a/b'));
    expect(keys.indexOf('\uFF71')).toBeLessThan(keys.indexOf('\u{1F600}'));
    expect([...keys].sort(compareKeys)).toEqual(keys);
  });

  test('descending order is the exact reverse', async () => {
    await seed();
    expect(await listAll({ order: 'desc' })).toEqual(byteSorted(KEYS).reverse());
  });

  for (const order of ['asc', 'desc'] as const) {
    test(`limit pages through every key (${order}), nextMarker only while more remain`, async () => {
      await seed();
      const expected = order === 'asc' ? byteSorted(KEYS) : byteSorted(KEYS).reverse();
      for (const limit of [1, 3, 5, KEYS.length, KEYS.length + 1]) {
        const seen: string[] = [];
        let marker: string | undefined;
        for (let pages = 0; ; pages++) {
          expect(pages).toBeLessThan(KEYS.length + 2);
          const page = await suite.driver.list({ order, limit, ...(marker === undefined ? {} : { marker }) });
          expect(page.keys.length).toBeLessThanOrEqual(limit);
          seen.push(...page.keys);
          if (page.nextMarker === undefined) break;
          expect(page.nextMarker).toBe(page.keys[page.keys.length - 1]);
          marker = page.nextMarker;
        }
        expect(seen).toEqual(expected);
      }
    });
  }

  test('a last page that is exactly full has no nextMarker', async () => {
    for (const key of ['k1', 'k2', 'k3', 'k4']) await put(key, key);
    const first = await suite.driver.list({ limit: 2 });
    expect(first).toEqual({ keys: ['k1', 'k2'], nextMarker: 'k2' });
    const second = await suite.driver.list({ limit: 2, marker: 'k2' });
    expect(second.keys).toEqual(['k3', 'k4']);
    expect(second.nextMarker).toBeUndefined();
  });

  test('the marker is exclusive and need not exist', async () => {
    await seed();
    const asc = byteSorted(KEYS);
    expect(await listAll({ marker: 'a/b' })).toEqual(asc.slice(asc.indexOf('a/b') + 1));
    expect(await listAll({ marker: 'a/ba' })).toEqual(asc.slice(asc.indexOf('a/bb')));
    const desc = [...asc].reverse();
    expect(await listAll({ marker: 'a/b', order: 'desc' })).toEqual(desc.slice(desc.indexOf('a/b') + 1));
    expect(await listAll({ marker: 'a/ba', order: 'desc' })).toEqual(desc.slice(desc.indexOf('a/b/c')));
    expect(await listAll({ marker: '\u{1F600}' })).toEqual([]);
    expect(await listAll({ marker: 'A', order: 'desc' })).toEqual([]);
  });

  test('prefix selects keys, with partial segments and nested keys', async () => {
    await seed();
    expect(await listAll({ prefix: 'a/' })).toEqual(['a/b', 'a/b/c', 'a/bb']);
    expect(await listAll({ prefix: 'a/b' })).toEqual(['a/b', 'a/b/c', 'a/bb']);
    expect(await listAll({ prefix: 'a/b/' })).toEqual(['a/b/c']);
    expect(await listAll({ prefix: 'a' })).toEqual(['a', 'a!', 'a-c', 'a/b', 'a/b/c', 'a/bb', 'ab']);
    expect(await listAll({ prefix: 'z/' })).toEqual(['z/y/x']);
    expect(await listAll({ prefix: 'z/y/x/' })).toEqual([]);
    expect(await listAll({ prefix: 'nothing' })).toEqual([]);
  });

  test('prefix combines with marker, limit and descending order', async () => {
    await seed();
    expect(await suite.driver.list({ prefix: 'a', marker: 'a-c', limit: 2 })).toEqual({ keys: ['a/b', 'a/b/c'], nextMarker: 'a/b/c' });
    expect(await suite.driver.list({ prefix: 'a', marker: 'a/b/c', limit: 2 })).toEqual({ keys: ['a/bb', 'ab'] });
    expect(await suite.driver.list({ prefix: 'a/', order: 'desc', limit: 2 })).toEqual({ keys: ['a/bb', 'a/b/c'], nextMarker: 'a/b/c' });
    expect(await suite.driver.list({ prefix: 'a/', order: 'desc', marker: 'a/b/c' })).toEqual({ keys: ['a/b'] });
  });

  test('a key and keys below it coexist', async () => {
    await put('x', 'x');
    await put('x/y', 'x/y');
    await put('x/y/z', 'x/y/z');
    expect(await listAll()).toEqual(['x', 'x/y', 'x/y/z']);
    expect(await read('x')).toBe('x');
    expect(await read('x/y')).toBe('x/y');
    expect(await read('x/y/z')).toBe('x/y/z');
    expect(await listAll({ prefix: 'x/y/' })).toEqual(['x/y/z']);
  });

  test('keys with unusual characters round trip', async () => {
    const odd = ['sp ace', 'per%cent', '%41', '%meta.json', '%v-1', '%tmp-x', 'h#sh?q=1&r+s', 'at@colon:', 'ü/😀', '.hidden', '..dots', 'x/.y'];
    for (const key of odd) await put(key, `content of ${key}`);
    expect(await listAll()).toEqual(byteSorted(odd));
    for (const key of odd) expect(await read(key)).toBe(`content of ${key}`);
  });
}
