/**
 * The `durability` group of the record-store conformance suite, for stores that can be reopened:
 * records and leases survive close and reopen, and revisions are never repeated across it.
 *
 * @module
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../store/index.js';
import type { RunningCase } from './context.js';
import { copy, operationLog, plan, quota, restore, service, verification } from './fixtures.js';
import { expectCode } from './helpers.js';

/**
 * Registers the suite's `durability` group over the running case's store; `reopen` opens a new
 * store over the data of a closed one (the suite option of the same name).
 */
export function describeDurability(running: RunningCase, reopen: (previous: Store) => Promise<Store>): void {
  describe('durability', () => {
    let store: Store;
    beforeEach(() => {
      store = running.store;
    });

    /** Reopens the closed `previous` and makes the new store the case's, so the suite closes it after the case. */
    const reopenCase = async (previous: Store): Promise<Store> => (running.store = await reopen(previous));

    it('keeps records and leases across close and reopen', async () => {
      const records = { plan: plan(), restore: restore(), verification: verification(), copy: copy(), log: operationLog(), quota: quota(), service: service() };
      await store.plans.insert(records.plan);
      await store.restores.insert(records.restore);
      await store.verifications.insert(records.verification);
      await store.copies.insert(records.copy);
      await store.operationLogs.insert(records.log);
      await store.quotas.insert(records.quota);
      await store.services.insert(records.service);
      const updated = await store.verifications.update(records.verification.id, (current) => ({ ...current, status: 'success' }));
      const gone = await store.plans.insert(plan());
      await store.plans.delete(gone.id);
      const lease = await store.leases.acquire('node:1', 'owner-a', 60_000);

      await store.close();
      store = await reopenCase(store);

      expect(await store.plans.get(records.plan.id)).toStrictEqual(records.plan);
      expect(await store.plans.get(gone.id)).toBeUndefined();
      expect(await store.restores.get(records.restore.id)).toStrictEqual(records.restore);
      expect(await store.verifications.get(records.verification.id)).toStrictEqual(updated);
      expect(await store.copies.get(records.copy.id)).toStrictEqual(records.copy);
      expect(await store.operationLogs.get(records.log.id)).toStrictEqual(records.log);
      expect(await store.quotas.get(records.quota.id)).toStrictEqual(records.quota);
      expect(await store.services.get(records.service.id)).toStrictEqual(records.service);
      expect(await store.leases.holder('node:1')).toEqual(lease);
      await expectCode(store.leases.acquire('node:1', 'owner-b', 60_000), 'KTS_ERR_STORE_LEASE_HELD');
      expect((await store.leases.renew('node:1', 'owner-a', 60_000)).owner).toBe('owner-a');
      await store.verifications.update(records.verification.id, (current) => ({ ...current, status: 'error' }));
      expect((await store.verifications.list({ filters: { status: 'error' } })).items).toHaveLength(1);
    });

    it('never repeats a revision across close and reopen', async () => {
      const record = await store.verifications.insert(verification());
      const seen = [(await store.verifications.getEntry(record.id))!.revision];
      await store.close();
      store = await reopenCase(store);
      expect((await store.verifications.getEntry(record.id))!.revision).toBe(seen[0]);
      await store.verifications.update(record.id, (current) => ({ ...current, status: 'success' }));
      seen.push((await store.verifications.getEntry(record.id))!.revision);
      await store.verifications.delete(record.id);
      await store.close();
      store = await reopenCase(store);
      await store.verifications.insert(record);
      seen.push((await store.verifications.getEntry(record.id))!.revision);
      expect(new Set(seen).size).toBe(3);
    });
  });
}
