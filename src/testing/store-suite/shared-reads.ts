/**
 * The `shared reads` group of the record-store conformance suite: `getEntry` and `listEntries`,
 * revisions (new on every write, never repeated for an id), entries as snapshots that callers
 * cannot change the store through, the `known` callback, and refusals after close.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CopyPair, CopyRecord, RecordCollection, Store, StoredRecord } from '../../store/index.js';
import type { RunningCase } from './context.js';
import { at, copy, operationLog, plan, verification, type Mutable } from './fixtures.js';
import { expectCode, ids, sorted } from './helpers.js';

/** Registers the suite's `shared reads` group over the running case's store. */
export function describeSharedReads(running: RunningCase): void {
  describe('shared reads', () => {
    let store: Store;
    beforeEach(() => {
      store = running.store;
    });

    it('gets an entry holding the record get returns, or undefined', async () => {
      for (const [collection, record] of [
        [store.copies as unknown as RecordCollection<StoredRecord>, copy()],
        [store.plans as unknown as RecordCollection<StoredRecord>, plan()],
        [store.operationLogs as unknown as RecordCollection<StoredRecord>, operationLog()],
      ] as const) {
        await collection.insert(record);
        const entry = (await collection.getEntry(record.id))!;
        expect(entry.id).toBe(record.id);
        expect(entry.record).toStrictEqual(await collection.get(record.id));
        expect(typeof entry.revision).toBe('string');
      }
      expect(await store.verifications.getEntry(randomUUID())).toBeUndefined();
    });

    it('gives a new revision on every write, keeps it while the record is unchanged, and never repeats one for an id', async () => {
      const record = await store.verifications.insert(verification({ status: 'verifying' }));
      const revision = async (): Promise<string> => (await store.verifications.getEntry(record.id))!.revision;
      const seen = [await revision()];
      expect(await revision()).toBe(seen[0]);
      expect((await store.verifications.listEntries()).items[0]!.revision).toBe(seen[0]);
      // Writes in one millisecond, unchanged content included: updatedAt alone could not tell them apart.
      await store.verifications.update(record.id, (current) => ({ ...current, status: 'success' }));
      seen.push(await revision());
      await store.verifications.update(record.id, (current) => current);
      seen.push(await revision());
      await store.verifications.update(record.id, (current) => ({ ...current, status: 'error' }));
      seen.push(await revision());
      // Deleted and inserted again, exactly as first inserted.
      await store.verifications.delete(record.id);
      await store.verifications.insert(record);
      seen.push(await revision());
      expect(new Set(seen).size).toBe(seen.length);
      expect((await store.verifications.listEntries()).items[0]!.revision).toBe(seen.at(-1));
    });

    it('keeps what an entry holds with its revision when a later write replaces the record', async () => {
      const record = await store.copies.insert(copy({ status: 'copying' }));
      const [got, listed] = [(await store.copies.getEntry(record.id))!, (await store.copies.listEntries()).items[0]!];
      const updated = await store.copies.update(record.id, (current) => ({ ...current, status: 'finished', checkpoints: [] }));
      // Read only now: an entry is a snapshot, its record the one of its revision.
      expect(got.record).toStrictEqual(record);
      expect(listed.record).toStrictEqual(record);
      expect(listed.revision).toBe(got.revision);
      const fresh = (await store.copies.getEntry(record.id))!;
      expect(fresh.record).toStrictEqual(updated);
      expect(fresh.revision).not.toBe(got.revision);
    });

    it('never lets a caller change the store through a shared record', async () => {
      const record = await store.copies.insert(copy());
      const entries = [(await store.copies.getEntry(record.id))!, (await store.copies.listEntries()).items[0]!];
      for (const entry of entries) {
        const shared = entry.record as Mutable<CopyRecord>;
        const attempts = [
          () => (shared.status = 'error'),
          () => (shared.checkpoints as CopyPair[]).push({ sourceCheckpointId: 'c3', status: 'wait_copying' }),
          () => ((shared.checkpoints[0] as Mutable<CopyPair>).status = 'error'),
          () => ((shared.resourcesStatus as Record<string, string>)['X#1'] = 'success'),
          () => ((shared.progress as Mutable<CopyRecord['progress']>).bytesDone = 7),
        ];
        for (const attempt of attempts) {
          try {
            attempt(); // a store may refuse (a frozen record throws) or let the caller change its own decoded copy
          } catch (error) {
            expect(error).toBeInstanceOf(TypeError);
          }
        }
      }
      expect(await store.copies.get(record.id)).toStrictEqual(record);
      expect((await store.copies.getEntry(record.id))!.record).toStrictEqual(record);
      expect((await store.copies.listEntries()).items.map((entry) => entry.record)).toStrictEqual([record]);
    });

    it('lists with `known`: the same page, every entry it does not know with its record, each record of its revision', async () => {
      const records = Array.from({ length: 12 }, (_, i) => verification({ createdAt: at(i), status: 'verifying' }));
      for (const record of records) await store.verifications.insert(record);
      const query = { projectId: 'project-a', limit: 5 } as const;
      const before = new Map((await store.verifications.listEntries({ ...query, limit: 100 })).items.map((entry) => [entry.id, entry.revision]));
      const changed = new Set([records[11]!.id, records[9]!.id, records[4]!.id]);
      for (const id of changed) await store.verifications.update(id, (current) => ({ ...current, status: 'success' }));
      let marker: string | undefined;
      const listed: string[] = [];
      do {
        const paged = { ...query, ...(marker === undefined ? {} : { marker }) };
        const asked: [string, string][] = [];
        const known = (id: string, revision: string): boolean => {
          asked.push([id, revision]);
          return before.get(id) === revision;
        };
        const [plain, page] = [await store.verifications.listEntries(paged), await store.verifications.listEntries(paged, { known })];
        expect(page.nextMarker).toBe(plain.nextMarker);
        expect(page.items.map((entry) => [entry.id, entry.revision])).toEqual(plain.items.map((entry) => [entry.id, entry.revision]));
        expect(asked.length).toBeLessThanOrEqual(page.items.length);
        for (const [id, revision] of asked) expect(page.items.some((entry) => entry.id === id && entry.revision === revision)).toBe(true);
        for (const entry of page.items) {
          if (changed.has(entry.id)) expect(entry.revision).not.toBe(before.get(entry.id));
          if (before.get(entry.id) !== entry.revision) expect(entry.record).toBeDefined();
          if (entry.record !== undefined) expect(entry.record).toStrictEqual(await store.verifications.get(entry.id));
        }
        listed.push(...page.items.map((entry) => entry.id));
        marker = page.nextMarker;
      } while (marker !== undefined);
      expect(listed).toEqual(ids(sorted(records, 'createdAt', 'desc')));
    });

    it('passes what `known` throws to the caller unchanged', async () => {
      await store.verifications.insert(verification());
      const refusal = new Error('no thanks');
      const known = (): boolean => {
        throw refusal;
      };
      const outcome = await store.verifications.listEntries({}, { known }).then(
        (page) => page.items.length, // a store that never asks (every record in hand) lists normally
        (error: unknown) => error,
      );
      if (outcome !== 1) expect(outcome).toBe(refusal);
    });

    it('refuses shared reads after close with KTS_ERR_STORE_CLOSED', async () => {
      await store.close();
      await expectCode(store.verifications.getEntry(randomUUID()), 'KTS_ERR_STORE_CLOSED');
      await expectCode(store.verifications.listEntries(), 'KTS_ERR_STORE_CLOSED');
    });
  });
}
