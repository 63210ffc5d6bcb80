/**
 * The `listing` group of the record-store conformance suite, over 29 seeded verifications:
 * project scope, filters, creation-time bounds, sort orders, marker paging (markers that moved
 * or stopped matching included), orders kept current through writes, soft delete, and
 * `listEntries` paging as `list` does.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store, VerificationRecord } from '../../store/index.js';
import type { RunningCase } from './context.js';
import { at, operationLog, verification } from './fixtures.js';
import { allPages, expectCode, ids, sorted } from './helpers.js';

/** Registers the suite's `listing` group over the running case's store. */
export function describeListing(running: RunningCase): void {
  describe('listing', () => {
    let store: Store;
    beforeEach(() => {
      store = running.store;
    });

    const statuses = ['verifying', 'success', 'error'] as const;
    let projectA: VerificationRecord[];
    let projectB: VerificationRecord[];
    let deleted: VerificationRecord;
    beforeEach(async () => {
      projectA = Array.from({ length: 25 }, (_, i) =>
        verification({ createdAt: at(Math.floor(i / 3)), updatedAt: at(100 - i), status: statuses[i % 3]!, checkpointId: `checkpoint-${i % 4}` }),
      );
      projectB = Array.from({ length: 3 }, (_, i) => verification({ projectId: 'project-b', createdAt: at(i), status: 'success' }));
      deleted = verification({ createdAt: at(3), deletedAt: at(50), status: 'success' });
      for (const record of [...projectA, ...projectB, deleted]) await store.verifications.insert(record);
    });
    const list = (query: Parameters<Store['verifications']['list']>[0] = {}) => store.verifications.list(query).then((page) => page.items);

    it('scopes to a project, or lists every project', async () => {
      expect(ids(await list({ projectId: 'project-a' })).sort()).toEqual(ids(projectA).sort());
      expect(ids(await list()).sort()).toEqual(ids([...projectA, ...projectB]).sort());
      expect(await list({ projectId: 'project-z' })).toEqual([]);
    });

    it('filters on one value, on any of several, and on several fields', async () => {
      const a = { projectId: 'project-a' };
      expect(ids(await list({ ...a, filters: { status: 'success' } })).sort()).toEqual(ids(projectA.filter((r) => r.status === 'success')).sort());
      expect(ids(await list({ ...a, filters: { status: ['success', 'error'] } })).sort()).toEqual(ids(projectA.filter((r) => r.status !== 'verifying')).sort());
      const both = projectA.filter((r) => r.status === 'error' && r.checkpointId === 'checkpoint-1');
      expect(both.length).toBeGreaterThan(0);
      expect(ids(await list({ ...a, filters: { status: 'error', checkpointId: 'checkpoint-1', providerId: undefined } })).sort()).toEqual(ids(both).sort());
      expect(await list({ filters: { status: [] } })).toEqual([]);
    });

    it('refuses an unknown filter field, naming it, and non-string filter values', async () => {
      const attempt = store.verifications.list({ filters: { bogusField: 'x' } });
      await expect(attempt).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION', details: { field: 'bogusField' } });
      await expect(store.verifications.list({ filters: { bogusField: 'x' } })).rejects.toThrow(/bogusField/);
      await expectCode(store.verifications.list({ filters: { status: 3 as unknown as string } }), 'KTS_ERR_VALIDATION');
    });

    it('bounds creation time: createdAfter inclusive, createdBefore exclusive', async () => {
      const a = { projectId: 'project-a' };
      expect(ids(await list({ ...a, createdAfter: at(7) })).sort()).toEqual(ids(projectA.filter((r) => r.createdAt >= at(7))).sort());
      expect(ids(await list({ ...a, createdBefore: at(2) })).sort()).toEqual(ids(projectA.slice(0, 6)).sort());
      expect(ids(await list({ ...a, createdAfter: at(2), createdBefore: at(3) })).sort()).toEqual(ids(projectA.slice(6, 9)).sort());
      await expectCode(store.verifications.list({ createdAfter: 'not a date' }), 'KTS_ERR_VALIDATION');
    });

    it('sorts by createdAt desc by default, ties broken by id', async () => {
      expect(ids(await list({ projectId: 'project-a' }))).toEqual(ids(sorted(projectA, 'createdAt', 'desc')));
      expect(ids(await list({ projectId: 'project-a', sortDir: 'asc' }))).toEqual(ids(sorted(projectA, 'createdAt', 'asc')));
    });

    it('sorts on other keys both ways', async () => {
      for (const sortKey of ['status', 'checkpointId', 'updatedAt', 'id'] as const) {
        for (const sortDir of ['asc', 'desc'] as const) {
          expect(ids(await list({ projectId: 'project-a', sortKey, sortDir }))).toEqual(ids(sorted(projectA, sortKey, sortDir)));
        }
      }
      await expectCode(store.verifications.list({ sortKey: 'bank' }), 'KTS_ERR_VALIDATION');
      await expectCode(store.verifications.list({ sortDir: 'up' as 'asc' }), 'KTS_ERR_VALIDATION');
    });

    it('sorts a missing value as the empty string', async () => {
      const { checkpointId: _c, ...without } = operationLog();
      const logs = [operationLog({ checkpointId: 'b' }), without, operationLog({ checkpointId: 'a' })];
      for (const log of logs) await store.operationLogs.insert(log);
      const ascending = [without.id, logs[2]!.id, logs[0]!.id];
      expect(ids((await store.operationLogs.list({ sortKey: 'checkpointId', sortDir: 'asc' })).items)).toEqual(ascending);
      expect(ids((await allPages(store.operationLogs, { sortKey: 'checkpointId', sortDir: 'asc', limit: 1 })).flat())).toEqual(ascending);
      expect(ids((await allPages(store.operationLogs, { sortKey: 'checkpointId', sortDir: 'desc', limit: 1 })).flat())).toEqual([...ascending].reverse());
    });

    it('pages through 25 records with limit 7, both ways, visiting each once', async () => {
      for (const sortKey of ['createdAt', 'status'] as const) {
        for (const sortDir of ['asc', 'desc'] as const) {
          const pages = await allPages(store.verifications, { projectId: 'project-a', limit: 7, sortKey, sortDir });
          expect(pages.map((page) => page.length)).toEqual([7, 7, 7, 4]);
          expect(ids(pages.flat())).toEqual(ids(sorted(projectA, sortKey, sortDir)));
        }
      }
    });

    it('gives nextMarker only while records remain', async () => {
      expect((await store.verifications.list({ projectId: 'project-a', limit: 25 })).nextMarker).toBeUndefined();
      expect((await store.verifications.list({ projectId: 'project-a', limit: 24 })).nextMarker).toBeDefined();
      expect((await store.verifications.list({ projectId: 'project-a' })).nextMarker).toBeUndefined();
    });

    it('continues after a marker record that no longer matches the filters', async () => {
      const query = { projectId: 'project-a', filters: { status: 'verifying' }, limit: 3 } as const;
      const first = await store.verifications.list(query);
      await store.verifications.update(first.nextMarker!, (current) => ({ ...current, status: 'error' }));
      const second = await store.verifications.list({ ...query, marker: first.nextMarker! });
      const expected = sorted(projectA.filter((r) => r.status === 'verifying'), 'createdAt', 'desc');
      expect(ids([...first.items, ...second.items])).toEqual(ids(expected.slice(0, 6)));
    });

    it('refuses a marker naming no record (or a record of another project) and a bad limit', async () => {
      await expectCode(store.verifications.list({ marker: randomUUID() }), 'KTS_ERR_VALIDATION');
      await expectCode(store.verifications.list({ projectId: 'project-a', marker: projectB[0]!.id }), 'KTS_ERR_VALIDATION');
      for (const limit of [0, -1, 1.5, Number.NaN, '5' as unknown as number]) {
        await expectCode(store.verifications.list({ limit }), 'KTS_ERR_VALIDATION');
      }
    });

    it('keeps every order current through inserts, updates that move records, and deletes', async () => {
      const sortKeys = ['createdAt', 'status', 'updatedAt', 'checkpointId', 'id'] as const;
      // List first, so that a store keeping sorted orders has built them before the writes.
      for (const sortKey of sortKeys) {
        await list({ sortKey });
        await list({ projectId: 'project-a', sortKey, limit: 5 });
      }
      const current = new Map<string, VerificationRecord>([...projectA, ...projectB, deleted].map((record) => [record.id, record]));
      for (const [i, record] of projectA.entries()) {
        if (i % 4 === 0) {
          const moved = await store.verifications.update(record.id, (r) => ({ ...r, status: statuses[(i + 1) % 3]!, checkpointId: `checkpoint-${(i + 2) % 5}` }));
          current.set(record.id, moved);
        } else if (i % 4 === 1) {
          current.set(record.id, await store.verifications.update(record.id, (r) => r)); // moves in updatedAt only
        }
      }
      for (const record of [projectA[2]!, projectB[1]!]) {
        expect(await store.verifications.delete(record.id)).toBe(true);
        current.delete(record.id);
      }
      for (const record of [verification({ createdAt: at(4), status: 'verifying' }), verification({ projectId: 'project-b', createdAt: at(0) })]) {
        current.set(record.id, await store.verifications.insert(record));
      }
      const live = [...current.values()].filter((record) => record.deletedAt === undefined);
      for (const sortKey of sortKeys) {
        for (const sortDir of ['asc', 'desc'] as const) {
          for (const projectId of [undefined, 'project-a', 'project-b']) {
            const query = { sortKey, sortDir, ...(projectId === undefined ? {} : { projectId }) };
            const expected = ids(sorted(projectId === undefined ? live : live.filter((record) => record.projectId === projectId), sortKey, sortDir));
            expect(ids(await list(query)), JSON.stringify(query)).toEqual(expected);
            expect(ids((await allPages(store.verifications, { ...query, limit: 4 })).flat()), JSON.stringify(query)).toEqual(expected);
          }
        }
      }
      for (const record of current.values()) expect(await store.verifications.get(record.id)).toStrictEqual(record);
    });

    it('continues after a marker whose sort value changed, from its new place', async () => {
      for (const sortDir of ['asc', 'desc'] as const) {
        const query = { projectId: 'project-a', sortKey: 'status', sortDir, limit: 7 } as const;
        const first = await store.verifications.list(query);
        const marker = (await store.verifications.get(first.nextMarker!))!;
        await store.verifications.update(marker.id, (current) => ({ ...current, status: marker.status === 'verifying' ? 'error' : 'success' }));
        const order = ids(sorted(await list({ projectId: 'project-a' }), 'status', sortDir));
        const at = order.indexOf(marker.id);
        expect(ids((await store.verifications.list({ ...query, marker: marker.id })).items)).toEqual(order.slice(at + 1, at + 8));
      }
    });

    it('pages within creation-time bounds, after markers inside or outside them (soft-deleted ones included)', async () => {
      const bounds = { projectId: 'project-a', createdAfter: at(2), createdBefore: at(6) };
      for (const sortDir of ['asc', 'desc'] as const) {
        const expected = sorted(projectA.filter((record) => record.createdAt >= at(2) && record.createdAt < at(6)), 'createdAt', sortDir);
        expect(ids((await allPages(store.verifications, { ...bounds, sortDir, limit: 2 })).flat())).toEqual(ids(expected));
        const everything = sorted([...projectA, deleted], 'createdAt', sortDir);
        for (const marker of [projectA[0]!, projectA[24]!, projectA[10]!, deleted]) {
          const after = everything.slice(ids(everything).indexOf(marker.id) + 1).filter((record) => expected.includes(record));
          expect(ids((await store.verifications.list({ ...bounds, sortDir, marker: marker.id })).items)).toEqual(ids(after));
        }
      }
    });

    it('hides soft-deleted records unless asked', async () => {
      expect(ids(await list())).not.toContain(deleted.id);
      expect(ids(await list({ includeDeleted: true }))).toContain(deleted.id);
      expect(await store.verifications.get(deleted.id)).toStrictEqual(deleted);
    });

    it('hides a record once an update soft-deletes it, and lists it again once an update clears that', async () => {
      const target = projectA[5]!;
      const queries = [{ projectId: 'project-a' }, { projectId: 'project-a', sortKey: 'status' }, { sortKey: 'updatedAt', sortDir: 'asc' }] as const;
      expect(await store.verifications.delete(deleted.id)).toBe(true); // no soft-deleted record left
      for (const query of queries) await list(query); // a store keeping sorted orders builds them now
      await store.verifications.update(target.id, (current) => ({ ...current, deletedAt: at(60) }));
      for (const query of queries) {
        expect(ids(await list(query)), JSON.stringify(query)).not.toContain(target.id);
        expect(ids(await list({ ...query, includeDeleted: true })), JSON.stringify(query)).toContain(target.id);
      }
      await store.verifications.update(target.id, ({ deletedAt: _deletedAt, ...current }) => current as VerificationRecord);
      for (const query of queries) expect(ids(await list(query)), JSON.stringify(query)).toContain(target.id);
      expect(ids(await list()).sort()).toEqual(ids([...projectA, ...projectB]).sort());
    });

    it('lists entries page for page as it lists records, and refuses the same queries', async () => {
      await store.verifications.update(projectA[3]!.id, (current) => ({ ...current, status: 'success' }));
      const queries = [
        {},
        { projectId: 'project-a', limit: 7 },
        { projectId: 'project-a', filters: { status: ['success', 'error'] }, sortKey: 'updatedAt', sortDir: 'asc', limit: 4 },
        { sortKey: 'checkpointId', limit: 5, includeDeleted: true },
        { projectId: 'project-a', createdAfter: at(2), createdBefore: at(6), sortDir: 'asc', limit: 2 },
        { filters: { status: [] } },
      ] as const;
      for (const query of queries) {
        let marker: string | undefined;
        do {
          const paged = { ...query, ...(marker === undefined ? {} : { marker }) };
          const [records, entries] = [await store.verifications.list(paged), await store.verifications.listEntries(paged)];
          expect(entries.nextMarker, JSON.stringify(paged)).toBe(records.nextMarker);
          expect(entries.items.map((entry) => entry.id)).toEqual(ids(records.items));
          expect(entries.items.map((entry) => entry.record)).toStrictEqual(records.items);
          for (const entry of entries.items) expect(typeof entry.revision).toBe('string');
          marker = records.nextMarker;
        } while (marker !== undefined);
      }
      await expectCode(store.verifications.listEntries({ marker: randomUUID() }), 'KTS_ERR_VALIDATION');
      await expectCode(store.verifications.listEntries({ projectId: 'project-a', marker: projectB[0]!.id }), 'KTS_ERR_VALIDATION');
      await expectCode(store.verifications.listEntries({ limit: 0 }), 'KTS_ERR_VALIDATION');
      await expectCode(store.verifications.listEntries({ filters: { colour: 'red' } }), 'KTS_ERR_VALIDATION');
    });
  });
}
