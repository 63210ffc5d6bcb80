/**
 * The `leases` group of the bank-driver conformance suite: acquire, renew, release and expiry,
 * through the bank facade ({@link createBank}) of two owners over the case's driver, so that a
 * driver without native leases is tested with the lease documents the facade keeps.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { createBank } from '../../bank/index.js';
import type { Case, SuiteContext } from './context.js';
import { expectCode } from './helpers.js';

/** Registers the cases of the `leases` group. */
export function leasesCases(test: Case, suite: SuiteContext): void {
  const banks = () => ({
    a: createBank(suite.driver, { owner: 'owner-a' }),
    b: createBank(suite.driver, { owner: 'owner-b' }),
  });

  test('acquire gives a live lease to its owner', async () => {
    const { a, b } = banks();
    const before = Date.now();
    const lease = await a.leases.acquire('checkpoints/1', { ttlMs: 30_000 });
    expect(lease).toMatchObject({ name: 'checkpoints/1', owner: 'owner-a' });
    expect(lease.expiresAt).toBeGreaterThanOrEqual(before + 30_000);
    expect(await b.leases.holder('checkpoints/1')).toMatchObject({ owner: 'owner-a' });
    expect(await b.leases.holder('checkpoints/2')).toBeUndefined();
  });

  test('a second owner is refused while the lease is live', async () => {
    const { a, b } = banks();
    await a.leases.acquire('checkpoints/1', { ttlMs: 30_000 });
    await expectCode(b.leases.acquire('checkpoints/1', { ttlMs: 30_000 }), 'KTS_ERR_BANK_LEASE_HELD');
    expect(await a.leases.holder('checkpoints/1')).toMatchObject({ owner: 'owner-a' });
    await b.leases.acquire('checkpoints/2', { ttlMs: 30_000 });
  });

  test('the owner acquires again and renews', async () => {
    const { a } = banks();
    const first = await a.leases.acquire('l', { ttlMs: 30_000 });
    const again = await a.leases.acquire('l', { ttlMs: 30_000 });
    expect(again.owner).toBe('owner-a');
    const renewed = await a.leases.renew('l', { ttlMs: 120_000 });
    expect(renewed.expiresAt).toBeGreaterThan(first.expiresAt);
    expect((await a.leases.holder('l'))?.expiresAt).toBe(renewed.expiresAt);
  });

  test('renewing a lease held by another owner fails with KTS_ERR_BANK_LEASE_LOST', async () => {
    const { a, b } = banks();
    await a.leases.acquire('l', { ttlMs: 30_000 });
    await expectCode(b.leases.renew('l', { ttlMs: 30_000 }), 'KTS_ERR_BANK_LEASE_LOST');
    await expectCode(b.leases.renew('never-taken', { ttlMs: 30_000 }), 'KTS_ERR_BANK_LEASE_LOST');
  });

  test('release frees the lease; releasing a lease held by another does nothing', async () => {
    const { a, b } = banks();
    await a.leases.acquire('l', { ttlMs: 30_000 });
    await b.leases.release('l');
    expect(await a.leases.holder('l')).toMatchObject({ owner: 'owner-a' });
    await a.leases.release('l');
    expect(await a.leases.holder('l')).toBeUndefined();
    expect(await b.leases.acquire('l', { ttlMs: 30_000 })).toMatchObject({ owner: 'owner-b' });
    await expectCode(a.leases.renew('l', { ttlMs: 30_000 }), 'KTS_ERR_BANK_LEASE_LOST');
  });

  test('expiry lets another owner in', async () => {
    const { a, b } = banks();
    await a.leases.acquire('l', { ttlMs: 40 });
    let taken;
    for (let attempt = 0; attempt < 250 && taken === undefined; attempt++) {
      await sleep(20);
      taken = await b.leases.acquire('l', { ttlMs: 30_000 }).catch((error: unknown) => {
        expect(error).toMatchObject({ code: 'KTS_ERR_BANK_LEASE_HELD' });
        return undefined;
      });
    }
    expect(taken).toMatchObject({ owner: 'owner-b' });
    await expectCode(a.leases.renew('l', { ttlMs: 30_000 }), 'KTS_ERR_BANK_LEASE_LOST');
    await expectCode(a.leases.acquire('l', { ttlMs: 30_000 }), 'KTS_ERR_BANK_LEASE_HELD');
  });
}
