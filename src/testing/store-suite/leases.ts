/**
 * The `leases` group of the record-store conformance suite: acquire, expiry, renew, release, and
 * refused ttls and names.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../store/index.js';
import type { RunningCase } from './context.js';
import { expectCode } from './helpers.js';

/** Registers the suite's `leases` group over the running case's store. */
export function describeLeases(running: RunningCase): void {
  describe('leases', () => {
    let store: Store;
    beforeEach(() => {
      store = running.store;
    });

    it('acquires a free lease and refuses another owner with KTS_ERR_STORE_LEASE_HELD', async () => {
      const lease = await store.leases.acquire('node:1', 'owner-a', 60_000);
      expect(lease).toMatchObject({ name: 'node:1', owner: 'owner-a' });
      expect(lease.expiresAt).toBeGreaterThan(Date.now());
      expect(await store.leases.holder('node:1')).toEqual(lease);
      await expect(store.leases.acquire('node:1', 'owner-b', 60_000)).rejects.toMatchObject({ code: 'KTS_ERR_STORE_LEASE_HELD', details: { owner: 'owner-a' } });
      expect((await store.leases.acquire('node:1', 'owner-a', 120_000)).expiresAt).toBeGreaterThan(lease.expiresAt);
      expect((await store.leases.acquire('node:2', 'owner-b', 60_000)).owner).toBe('owner-b');
    });

    it('lets another owner in once a lease expires, and the old owner cannot renew', async () => {
      await store.leases.acquire('node:1', 'owner-a', 50);
      await sleep(80);
      expect(await store.leases.holder('node:1')).toBeUndefined();
      await expectCode(store.leases.renew('node:1', 'owner-a', 60_000), 'KTS_ERR_STORE_LEASE_LOST');
      expect((await store.leases.acquire('node:1', 'owner-b', 60_000)).owner).toBe('owner-b');
      await expectCode(store.leases.renew('node:1', 'owner-a', 60_000), 'KTS_ERR_STORE_LEASE_LOST');
    });

    it('renews a live lease', async () => {
      const lease = await store.leases.acquire('node:1', 'owner-a', 60_000);
      const renewed = await store.leases.renew('node:1', 'owner-a', 120_000);
      expect(renewed.expiresAt).toBeGreaterThan(lease.expiresAt);
      expect(await store.leases.holder('node:1')).toEqual(renewed);
      await expectCode(store.leases.renew('node:1', 'owner-b', 60_000), 'KTS_ERR_STORE_LEASE_LOST');
    });

    it('releases only our own lease', async () => {
      await store.leases.acquire('node:1', 'owner-a', 60_000);
      await store.leases.release('node:1', 'owner-b');
      expect((await store.leases.holder('node:1'))?.owner).toBe('owner-a');
      await store.leases.release('node:1', 'owner-a');
      expect(await store.leases.holder('node:1')).toBeUndefined();
      await expectCode(store.leases.renew('node:1', 'owner-a', 60_000), 'KTS_ERR_STORE_LEASE_LOST');
      expect((await store.leases.acquire('node:1', 'owner-b', 60_000)).owner).toBe('owner-b');
      await store.leases.release('node:9', 'owner-a');
    });

    it('refuses a bad ttl or name', async () => {
      await expectCode(store.leases.acquire('node:1', 'owner-a', 0), 'KTS_ERR_VALIDATION');
      await expectCode(store.leases.acquire('', 'owner-a', 1000), 'KTS_ERR_VALIDATION');
    });
  });
}
