/**
 * The `conditional-put` group of the bank-driver conformance suite: `ifNoneMatch: '*'` and
 * `ifMatch` writes, alone and racing, and reads racing overwrites.
 *
 * @module
 */
import { expect } from 'vitest';
import type { Case, SuiteContext } from './context.js';
import { bytesOf, expectCode, md5 } from './helpers.js';

/** Registers the cases of the `conditional-put` group. */
export function conditionalPutCases(test: Case, suite: SuiteContext): void {
  const { put, read } = suite;

  test('ifNoneMatch "*" creates an absent object', async () => {
    const info = await suite.driver.put('c', bytesOf('one'), { ifNoneMatch: '*' });
    expect(info.etag).toBe(md5(bytesOf('one')));
    expect(await read('c')).toBe('one');
  });

  test('ifNoneMatch "*" is refused when the object exists, which stays unchanged', async () => {
    const first = await put('c', 'one');
    await expectCode(suite.driver.put('c', bytesOf('two'), { ifNoneMatch: '*' }), 'KTS_ERR_BANK_PRECONDITION_FAILED');
    expect(await read('c')).toBe('one');
    expect((await suite.driver.head('c'))?.version).toBe(first.version);
  });

  test('ifMatch with the current version replaces the object', async () => {
    const first = await put('c', 'one');
    const second = await suite.driver.put('c', bytesOf('two'), { ifMatch: first.version });
    expect(second.version).not.toBe(first.version);
    expect(await read('c')).toBe('two');
  });

  test('ifMatch with a stale version is refused, which leaves the object unchanged', async () => {
    const first = await put('c', 'one');
    await put('c', 'two');
    await expectCode(suite.driver.put('c', bytesOf('three'), { ifMatch: first.version }), 'KTS_ERR_BANK_PRECONDITION_FAILED');
    expect(await read('c')).toBe('two');
  });

  test('ifMatch on an absent object is refused', async () => {
    const gone = await put('c', 'one');
    await suite.driver.delete('c');
    await expectCode(suite.driver.put('c', bytesOf('two'), { ifMatch: gone.version }), 'KTS_ERR_BANK_PRECONDITION_FAILED');
    expect(await suite.driver.head('c')).toBeUndefined();
  });

  test('concurrent creates with ifNoneMatch "*": exactly one wins', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => suite.driver.put('race', bytesOf(`writer ${i}`), { ifNoneMatch: '*' })),
    );
    const won = results.filter((result) => result.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'KTS_ERR_BANK_PRECONDITION_FAILED' });
    }
    const winner = won[0]?.status === 'fulfilled' ? won[0].value : undefined;
    expect((await suite.driver.head('race'))?.version).toBe(winner?.version);
  });

  test('concurrent ifMatch writes from one version: exactly one wins', async () => {
    const base = await put('race', 'base');
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => suite.driver.put('race', bytesOf(`writer ${i}`), { ifMatch: base.version })),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  });

  test('reads racing overwrites never find the object missing', async () => {
    await put('busy', 'v0');
    let writing = true;
    const missing: string[] = [];
    const writer = (async () => {
      try {
        for (let i = 1; i <= 100; i++) await put('busy', `v${i}`);
      } finally {
        writing = false;
      }
    })();
    const readers = Array.from({ length: 4 }, async () => {
      while (writing) {
        if ((await suite.driver.head('busy')) === undefined) missing.push('head');
        await read('busy').catch((error: unknown) => missing.push(`get: ${String(error)}`));
        // a driver whose reads never wait for I/O would otherwise starve its own writes
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
    await Promise.all([writer, ...readers]);
    expect(missing).toEqual([]);
    expect(await read('busy')).toBe('v100');
  }, 60_000);
}
