/**
 * The `cancellation` group of the bank-driver conformance suite: a put with an aborted signal, or
 * aborted mid-stream, fails with `KTS_ERR_CANCELLED` and leaves the previous version.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import type { Case, SuiteContext } from './context.js';
import { bytesOf, expectCode } from './helpers.js';

/** Registers the cases of the `cancellation` group. */
export function cancellationCases(test: Case, suite: SuiteContext): void {
  const { put, read, listAll } = suite;

  test('a put with an aborted signal fails with KTS_ERR_CANCELLED and writes nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    await expectCode(suite.driver.put('c', bytesOf('x'), { signal: controller.signal }), 'KTS_ERR_CANCELLED');
    expect(await suite.driver.head('c')).toBeUndefined();
  });

  test('a put aborted mid-stream fails with KTS_ERR_CANCELLED and leaves the previous version', async () => {
    const first = await put('c', 'first');
    const controller = new AbortController();
    async function* body(): AsyncGenerator<Uint8Array> {
      yield bytesOf('second, part one');
      controller.abort();
      await sleep(5);
      yield bytesOf('second, part two');
    }
    await expectCode(suite.driver.put('c', body(), { signal: controller.signal }), 'KTS_ERR_CANCELLED');
    expect(await suite.driver.head('c')).toMatchObject({ version: first.version });
    expect(await read('c')).toBe('first');
    const second = new AbortController();
    async function* fresh(): AsyncGenerator<Uint8Array> {
      yield bytesOf('x');
      second.abort();
      yield bytesOf('y');
    }
    await expectCode(suite.driver.put('fresh', fresh(), { signal: second.signal }), 'KTS_ERR_CANCELLED');
    expect(await listAll()).toEqual(['c']);
  });
}
