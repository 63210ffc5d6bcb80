/**
 * The `bank-side-hash` group of the bank-driver conformance suite: the optional `hashObject`
 * answers the version, size and sha256 of the current content, and fails as `get` would. Its
 * cases skip themselves for a driver without it, or one that declines to hash.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { Case, CaseContext, SuiteContext } from './context.js';

/** Registers the cases of the `bank-side-hash` group. */
export function bankSideHashCases(test: Case, suite: SuiteContext): void {
  const { put } = suite;

  const hashOf = async (context: CaseContext, key: string, signal?: AbortSignal) => {
    if (suite.driver.hashObject === undefined) context.skip('the driver has no hashObject');
    const digest = await suite.driver.hashObject(key, signal === undefined ? {} : { signal });
    if (digest === undefined) context.skip('the driver declined to hash');
    return digest;
  };
  const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

  test('hashObject answers the version, size and sha256 of the current content', async (context) => {
    const bytes = Buffer.alloc(300_001, 7);
    bytes.write('first', 0);
    await put('h', bytes);
    bytes.write('again', 0);
    const current = await put('h', bytes);
    expect(await hashOf(context, 'h')).toEqual({ version: current.version, size: bytes.length, sha256: sha256(bytes) });
    const empty = await put('empty', new Uint8Array(0));
    expect(await hashOf(context, 'empty')).toEqual({ version: empty.version, size: 0, sha256: sha256(new Uint8Array(0)) });
  });

  test('hashObject of an absent object is KTS_ERR_BANK_OBJECT_NOT_FOUND; with an aborted signal, KTS_ERR_CANCELLED', async (context) => {
    const { hashObject } = suite.driver;
    if (hashObject === undefined) return context.skip('the driver has no hashObject');
    /** The error `hashObject` rejects with; skips the case when the driver declines (resolves `undefined`). */
    const failureOf = async (key: string, signal?: AbortSignal): Promise<unknown> => {
      const outcome = await hashObject.call(suite.driver, key, signal === undefined ? {} : { signal }).then((digest) => ({ digest }), (error: unknown) => ({ error }));
      if ('error' in outcome) return outcome.error;
      if (outcome.digest === undefined) return context.skip('the driver declined to hash');
      throw new Error(`hashObject(${key}) answered ${JSON.stringify(outcome.digest)} instead of failing`);
    };
    expect(await failureOf('nothing-here')).toMatchObject({ code: 'KTS_ERR_BANK_OBJECT_NOT_FOUND' });
    await put('h', 'content');
    expect(await failureOf('h', AbortSignal.abort())).toMatchObject({ code: 'KTS_ERR_CANCELLED' });
  });
}
