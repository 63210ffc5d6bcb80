/**
 * The `update` group of the record-store conformance suite: atomic read-modify-write, no lost
 * concurrent updates, unknown ids, changes that throw, and refused changes of identity fields.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { PlanRecord, Store, VerificationRecord } from '../../store/index.js';
import type { RunningCase } from './context.js';
import { at, copy, plan, verification, type Mutable } from './fixtures.js';
import { expectCode } from './helpers.js';

/** Registers the suite's `update` group over the running case's store. */
export function describeUpdate(running: RunningCase): void {
  describe('update', () => {
    let store: Store;
    beforeEach(() => {
      store = running.store;
    });

    it('replaces the record and sets updatedAt', async () => {
      const record = await store.verifications.insert(verification({ status: 'verifying', updatedAt: '2000-01-01T00:00:00.000Z' }));
      const updated = await store.verifications.update(record.id, (current) => ({ ...current, status: 'success', updatedAt: '1999-01-01T00:00:00.000Z' }));
      expect(updated.status).toBe('success');
      expect(updated.updatedAt > '2000-01-01T00:00:00.000Z').toBe(true);
      expect(new Date(updated.updatedAt).toISOString()).toBe(updated.updatedAt);
      expect(await store.verifications.get(record.id)).toStrictEqual(updated);
    });

    it('loses none of 50 concurrent updates', async () => {
      const record = await store.copies.insert(copy({ resourcesReason: {} }));
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          store.copies.update(record.id, (current) => ({
            ...current,
            progress: { ...current.progress, bytesDone: current.progress.bytesDone + 1 },
            resourcesReason: { ...current.resourcesReason, [`Type#${i}`]: `reason ${i}` },
          })),
        ),
      );
      const final = (await store.copies.get(record.id))!;
      expect(final.progress.bytesDone).toBe(50);
      expect(Object.keys(final.resourcesReason)).toHaveLength(50);
    });

    it('fails with KTS_ERR_NOT_FOUND for an unknown id', async () => {
      await expectCode(store.restores.update(randomUUID(), (current) => current), 'KTS_ERR_NOT_FOUND');
    });

    it('aborts when the change throws, rethrowing its error and leaving the record unchanged', async () => {
      const record = await store.verifications.insert(verification());
      const refusal = new Error('refused transition');
      const attempt = store.verifications.update(record.id, (current) => {
        (current as Mutable<VerificationRecord>).status = 'success';
        (current.resourcesStatus as Record<string, string>)['X#1'] = 'success';
        throw refusal;
      });
      await expect(attempt).rejects.toBe(refusal);
      expect(await store.verifications.get(record.id)).toStrictEqual(record);
    });

    it('refuses changes of id, projectId or createdAt, and results that are not records', async () => {
      const record = await store.plans.insert(plan());
      const changes: ((current: PlanRecord) => PlanRecord)[] = [
        (current) => ({ ...current, id: randomUUID() }),
        (current) => ({ ...current, projectId: 'project-b' }),
        (current) => ({ ...current, createdAt: at(5) }),
        (current) => ({ ...current, status: undefined as unknown as PlanRecord['status'] }),
        () => Promise.resolve(record) as unknown as PlanRecord,
        () => null as unknown as PlanRecord,
      ];
      for (const change of changes) await expectCode(store.plans.update(record.id, change), 'KTS_ERR_VALIDATION');
      expect(await store.plans.get(record.id)).toStrictEqual(record);
    });
  });
}
