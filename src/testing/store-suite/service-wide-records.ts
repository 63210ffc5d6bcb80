/**
 * The `service-wide records` group of the record-store conformance suite: quota limits kept
 * exactly, and service rows found by binary and host.
 *
 * @module
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { QuotaRecord, Store } from '../../store/index.js';
import type { RunningCase } from './context.js';
import { quota, service } from './fixtures.js';
import { expectCode, ids } from './helpers.js';

/** Registers the suite's `service-wide records` group over the running case's store. */
export function describeServiceWideRecords(running: RunningCase): void {
  describe('service-wide records', () => {
    let store: Store;
    beforeEach(() => {
      store = running.store;
    });

    it('keeps quota limits exactly, unlimited and zero included, and partial limits without filling them in', async () => {
      const classDefault = quota({ id: 'class:default', projectId: '*', scope: 'class', name: 'default', limits: { plans: 0 } });
      await store.quotas.insert(quota());
      await store.quotas.insert(classDefault);
      expect((await store.quotas.get('project:project-a'))?.limits).toStrictEqual({ plans: 10, checkpoints: -1 });
      expect((await store.quotas.get('class:default'))?.limits).toStrictEqual({ plans: 0 });
      const updated = await store.quotas.update('class:default', (current) => ({ ...current, limits: { ...current.limits, checkpoints: 7 } }));
      expect(await store.quotas.get('class:default')).toStrictEqual(updated);
      expect(ids((await store.quotas.list({ filters: { scope: 'class' } })).items)).toEqual(['class:default']);
      expect(ids((await store.quotas.list({ filters: { scope: 'project', name: 'project-a' } })).items)).toEqual(['project:project-a']);
      await expectCode(store.quotas.insert({ ...quota({ id: 'project:x' }), scope: undefined } as unknown as QuotaRecord), 'KTS_ERR_VALIDATION');
    });

    it('finds service rows by binary and host, drops a cleared reason, and refuses a second row with the same id', async () => {
      await store.services.insert(service());
      await store.services.insert(service({ id: '2', host: 'node-2', status: 'enabled', disabledReason: undefined }));
      await store.services.insert(service({ id: '3', binary: 'karbor-operationengine', host: 'node-1', status: 'enabled', disabledReason: undefined }));
      const found = await store.services.list({ filters: { binary: 'karbor-protection', host: 'node-1' } });
      expect(ids(found.items)).toEqual(['1']);
      expect(ids((await store.services.list({ filters: { status: 'enabled' }, sortKey: 'id', sortDir: 'asc' })).items)).toEqual(['2', '3']);
      const enabled = await store.services.update('1', ({ disabledReason: _reason, ...current }) => ({ ...current, status: 'enabled' }));
      expect(enabled.disabledReason).toBeUndefined();
      expect(await store.services.get('1')).toStrictEqual(enabled);
      await expectCode(store.services.insert(service({ id: '2', host: 'node-9' })), 'KTS_ERR_CONFLICT');
      expect((await store.services.get('2'))?.host).toBe('node-2');
    });
  });
}
