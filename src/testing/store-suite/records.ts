/**
 * The `records` group of the record-store conformance suite: the seven collections, insert and
 * get of full and minimal records, refusals of duplicates and malformed records, canonical
 * timestamps, and records copied in and out (`__proto__` members kept as data).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CopyPair, CopyRecord, RecordCollection, Store, StoredRecord, VerificationRecord } from '../../store/index.js';
import type { RunningCase } from './context.js';
import { copy, operationLog, plan, quota, restore, service, verification, type Mutable } from './fixtures.js';
import { expectCode } from './helpers.js';

/** Registers the suite's `records` group over the running case's store. */
export function describeRecords(running: RunningCase): void {
  describe('records', () => {
    let store: Store;
    beforeEach(() => {
      store = running.store;
    });

    it('has the seven collections with their filterable fields', () => {
      expect(store.plans.name).toBe('plans');
      expect([...store.plans.filterable].sort()).toEqual(['description', 'name', 'providerId', 'status']);
      expect([...store.restores.filterable].sort()).toEqual(['checkpointId', 'providerId', 'status']);
      expect([...store.verifications.filterable].sort()).toEqual(['checkpointId', 'providerId', 'status']);
      expect([...store.copies.filterable].sort()).toEqual(['destination', 'planId', 'providerId', 'status']);
      expect([...store.operationLogs.filterable].sort()).toEqual(
        ['checkpointId', 'copyId', 'operationType', 'planId', 'providerId', 'restoreId', 'status', 'verificationId'],
      );
      expect([...store.quotas.filterable].sort()).toEqual(['name', 'scope']);
      expect([...store.services.filterable].sort()).toEqual(['binary', 'host', 'status']);
      expect([store.restores.name, store.verifications.name, store.copies.name, store.operationLogs.name, store.quotas.name, store.services.name]).toEqual(
        ['restores', 'verifications', 'copies', 'operationLogs', 'quotas', 'services'],
      );
    });

    it('inserts and gets a full record of every collection', async () => {
      const cases: [RecordCollection<StoredRecord>, StoredRecord][] = [
        [store.plans as unknown as RecordCollection<StoredRecord>, plan()],
        [store.restores as unknown as RecordCollection<StoredRecord>, restore()],
        [store.verifications as unknown as RecordCollection<StoredRecord>, verification()],
        [store.copies as unknown as RecordCollection<StoredRecord>, copy()],
        [store.operationLogs as unknown as RecordCollection<StoredRecord>, operationLog()],
        [store.quotas as unknown as RecordCollection<StoredRecord>, quota()],
        [store.services as unknown as RecordCollection<StoredRecord>, service()],
      ];
      for (const [collection, record] of cases) {
        expect(await collection.insert(record)).toStrictEqual(record);
        expect(await collection.get(record.id)).toStrictEqual(record);
      }
    });

    it('keeps a minimal record without inventing fields', async () => {
      const { checkpointId: _c, planId: _p, verificationId: _v, endedAt: _e, errorInfo: _i, ...minimal } = operationLog();
      await store.operationLogs.insert(minimal);
      expect(await store.operationLogs.get(minimal.id)).toStrictEqual(minimal);
    });

    it('returns undefined for an unknown id', async () => {
      expect(await store.verifications.get(randomUUID())).toBeUndefined();
    });

    it('refuses a duplicate id with KTS_ERR_CONFLICT and keeps the first record', async () => {
      const first = await store.verifications.insert(verification());
      await expectCode(store.verifications.insert(verification({ id: first.id, status: 'success' })), 'KTS_ERR_CONFLICT');
      expect(await store.verifications.get(first.id)).toStrictEqual(first);
    });

    it('refuses malformed records with KTS_ERR_VALIDATION', async () => {
      const bad: unknown[] = [
        { ...verification(), id: '' },
        { ...verification(), projectId: undefined },
        { ...verification(), providerId: undefined },
        { ...verification(), createdAt: 'yesterday-ish' },
        { ...verification(), status: 42 },
      ];
      for (const record of bad) await expectCode(store.verifications.insert(record as VerificationRecord), 'KTS_ERR_VALIDATION');
      expect((await store.verifications.list()).items).toEqual([]);
    });

    it('keeps timestamps in canonical ISO form', async () => {
      const record = await store.plans.insert(plan({ createdAt: '2024-05-01T02:00:00+02:00', updatedAt: '2024-05-01T00:00:00Z' }));
      expect(record.createdAt).toBe('2024-05-01T00:00:00.000Z');
      expect((await store.plans.get(record.id))?.updatedAt).toBe('2024-05-01T00:00:00.000Z');
    });

    it('copies records in and out', async () => {
      const input = verification();
      const original = structuredClone(input);
      const inserted = await store.verifications.insert(input);
      (input as Mutable<VerificationRecord>).status = 'success';
      (input.resourcesReason as Record<string, string>).extra = 'mutated input';
      (inserted as Mutable<VerificationRecord>).checkpointId = 'mutated';
      const got = (await store.verifications.get(input.id))!;
      (got.parameters as Record<string, unknown>).injected = true;
      const listed = (await store.verifications.list()).items[0]!;
      (listed as Mutable<VerificationRecord>).bank = 'mutated';
      expect(await store.verifications.get(input.id)).toStrictEqual(original);
      const updated = await store.verifications.update(input.id, (current) => current);
      (updated.progress as Mutable<VerificationRecord['progress']>).bytesDone = 99;
      expect(await store.verifications.get(input.id)).toStrictEqual({ ...original, updatedAt: updated.updatedAt });
    });
    it('hands out a fresh deep copy on every read, nested arrays and objects included', async () => {
      const record = await store.copies.insert(copy());
      const first = (await store.copies.get(record.id))!;
      const second = (await store.copies.get(record.id))!;
      expect(first).not.toBe(second);
      expect(first.checkpoints).not.toBe(second.checkpoints);
      (first.checkpoints as CopyPair[]).push({ sourceCheckpointId: 'c3', status: 'wait_copying' });
      (first.checkpoints[0] as Mutable<CopyPair>).status = 'error';
      (first.progress as Mutable<CopyRecord['progress']>).bytesDone = 7;
      const listed = (await store.copies.list()).items[0]!;
      (listed.checkpoints as CopyPair[]).length = 0;
      (listed.resourcesStatus as Record<string, string>)['X#1'] = 'success';
      expect(await store.copies.get(record.id)).toStrictEqual(record);
      expect((await store.copies.list()).items).toStrictEqual([record]);
    });

    it('keeps a `__proto__` member of a record as data', async () => {
      const parameters = JSON.parse('{"__proto__": {"polluted": true}, "OS::Cinder::Volume": {}}') as Record<string, unknown>;
      const record = await store.verifications.insert(verification({ parameters }));
      const reads = [record, (await store.verifications.get(record.id))!, (await store.verifications.list()).items[0]!];
      for (const read of reads) {
        expect(Object.keys(read.parameters).sort()).toEqual(['OS::Cinder::Volume', '__proto__']);
        expect(Object.getPrototypeOf(read.parameters)).toBe(Object.prototype);
        expect((read.parameters as { polluted?: unknown }).polluted).toBeUndefined();
      }
    });
  });
}
