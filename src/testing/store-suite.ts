/**
 * The record-store conformance suite: one set of vitest cases every {@link Store} passes, so
 * that inserts (of every collection, quotas and service nodes included), atomic updates, listing (scope, filters, dates, sort, marker paging, soft
 * delete), shared reads (entries and their revisions), deletes, leases and — where the store is
 * durable — restarts behave the same on every implementation. A store's test file is a few lines:
 *
 * ```ts
 * import { createMemoryStore } from 'karbor-ts/store';
 * import { testRecordStore } from 'karbor-ts/testing';
 *
 * testRecordStore({ name: 'memory', create: async () => createMemoryStore() });
 * ```
 *
 * Each case gets a fresh, empty store from `create` and closes it afterwards. With `reopen`, the
 * `durability` group closes a store and reopens it (`reopen` gets the closed store and returns a
 * new one over the same data) to check that records and leases survive.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../core/error-codes.js';
import type { FailureSnapshot } from '../core/failure.js';
import type {
  CopyPair,
  CopyRecord,
  OperationLogRecord,
  PlanRecord,
  QuotaRecord,
  RecordCollection,
  RestoreRecord,
  ServiceRecord,
  Store,
  StoredRecord,
  VerificationRecord,
} from '../store/index.js';

/** Options of {@link testRecordStore}. */
export interface RecordStoreSuiteOptions {
  /** The implementation's name in test titles. */
  readonly name: string;
  /** Makes a fresh, empty store for one case. */
  readonly create: () => Promise<Store>;
  /** Opens a new store over the data of `previous` (already closed); enables the durability cases. */
  readonly reopen?: (previous: Store) => Promise<Store>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Fields<T> = Partial<Mutable<T>>;

const T0 = Date.parse('2024-05-01T00:00:00.000Z');
/** The ISO time `seconds` after the suite's epoch. */
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();
const failure: FailureSnapshot = { code: 'KTS_ERR_INTERNAL', name: 'InternalError', message: 'disk on fire', retryable: false, details: { disk: 'sda' }, causes: [{ name: 'Error', message: 'EIO' }] };
const progress = { resourcesDone: 1, resourcesTotal: 2, bytesDone: 0, bytesTotal: 4096 };
const base = (): StoredRecord => ({ id: randomUUID(), projectId: 'project-a', createdAt: at(0), updatedAt: at(0) });

const plan = (fields: Fields<PlanRecord> = {}): PlanRecord => ({
  ...base(), name: 'nightly', description: 'every night', providerId: 'provider-1', status: 'suspended',
  resources: [{ type: 'OS::Cinder::Volume', id: 'v1', name: 'data', extraInfo: { size: 10 } }], parameters: { 'OS::Cinder::Volume': { incremental: true } }, ...fields,
});
const run = { progress, resourcesStatus: { 'OS::Cinder::Volume#v1': 'error' }, resourcesReason: { 'OS::Cinder::Volume#v1': 'Backup not found' } } as const;
const verification = (fields: Fields<VerificationRecord> = {}): VerificationRecord => ({
  ...base(), ...run, providerId: 'provider-1', checkpointId: 'checkpoint-1', bank: 'main', status: 'error', parameters: { 'OS::Cinder::Volume': {} },
  level: 'checksum', ownerId: 'node-1', incarnation: 'inc-1', failure, ...fields,
});
const restore = (fields: Fields<RestoreRecord> = {}): RestoreRecord => ({
  ...base(), ...run, providerId: 'provider-1', checkpointId: 'checkpoint-1', bank: 'main', status: 'fail', restoreTarget: 'http://target', parameters: {}, failure, ...fields,
});
const copy = (fields: Fields<CopyRecord> = {}): CopyRecord => ({
  ...base(), ...run, providerId: 'provider-1', planId: 'plan-1', destination: 'region-2', status: 'copying', parameters: {},
  checkpoints: [{ sourceCheckpointId: 'c1', copyCheckpointId: 'c1-copy', status: 'finished' }, { sourceCheckpointId: 'c2', status: 'error', reason: 'quota' }], ...fields,
});
const operationLog = (fields: Fields<OperationLogRecord> = {}): OperationLogRecord => ({
  ...base(), operationType: 'verify', providerId: 'provider-1', checkpointId: 'checkpoint-1', planId: 'plan-1', verificationId: 'verification-1',
  status: 'error', startedAt: at(0), endedAt: at(1), errorInfo: failure, extraInfo: { attempt: 1 }, ...fields,
});

const quota = (fields: Fields<QuotaRecord> = {}): QuotaRecord => ({
  ...base(), id: 'project:project-a', scope: 'project', name: 'project-a', limits: { plans: 10, checkpoints: -1 }, ...fields,
});
const service = (fields: Fields<ServiceRecord> = {}): ServiceRecord => ({
  ...base(), id: '1', projectId: '*', binary: 'karbor-protection', host: 'node-1', status: 'disabled', disabledReason: 'maintenance', ...fields,
});

/** Rejects with a framework error carrying `code`. */
async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}

/** The ids of `records`. */
const ids = (records: readonly StoredRecord[]): string[] => records.map((record) => record.id);

/** `records` sorted as the contract says: by `key` (missing = ''), then id, in `dir`. */
function sorted<T extends StoredRecord>(records: readonly T[], key: string, dir: 'asc' | 'desc'): T[] {
  const value = (record: T): string => String((record as unknown as Record<string, unknown>)[key] ?? '');
  const order = (a: T, b: T): number => (value(a) < value(b) ? -1 : value(a) > value(b) ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return [...records].sort((a, b) => (dir === 'asc' ? order(a, b) : order(b, a)));
}

/** Every page of a listing, following `nextMarker`. */
async function allPages<T extends StoredRecord>(collection: RecordCollection<T>, query: Parameters<RecordCollection<T>['list']>[0]): Promise<T[][]> {
  const pages: T[][] = [];
  let marker: string | undefined;
  do {
    const page = await collection.list({ ...query, ...(marker === undefined ? {} : { marker }) });
    pages.push([...page.items]);
    marker = page.nextMarker;
    if (pages.length > 100) throw new Error('listing does not end');
  } while (marker !== undefined);
  return pages;
}

/**
 * Registers the conformance suite for one store implementation (a `describe` block of vitest
 * cases).
 */
export function testRecordStore(options: RecordStoreSuiteOptions): void {
  const { name, create, reopen } = options;

  describe(`record store conformance: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await create();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('records', () => {
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

    describe('update', () => {
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

    describe('listing', () => {
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

    describe('shared reads', () => {
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

    describe('service-wide records', () => {
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

    describe('delete', () => {
      it('hard-deletes, says whether the record existed, and frees the id', async () => {
        const record = await store.restores.insert(restore());
        expect(await store.restores.delete(record.id)).toBe(true);
        expect(await store.restores.get(record.id)).toBeUndefined();
        expect((await store.restores.list({ includeDeleted: true })).items).toEqual([]);
        expect(await store.restores.delete(record.id)).toBe(false);
        expect(await store.restores.insert(record)).toStrictEqual(record);
      });
    });

    describe('leases', () => {
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

    describe('close', () => {
      it('refuses calls after close with KTS_ERR_STORE_CLOSED', async () => {
        await store.close();
        await expectCode(store.plans.get(randomUUID()), 'KTS_ERR_STORE_CLOSED');
        await expectCode(store.plans.insert(plan()), 'KTS_ERR_STORE_CLOSED');
        await expectCode(store.leases.holder('node:1'), 'KTS_ERR_STORE_CLOSED');
      });
    });

    // Only stores that can be reopened (durable ones) get the durability group; memory has none to declare.
    if (reopen !== undefined) describe('durability', () => {
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
        store = await reopen!(store);

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
        store = await reopen!(store);
        expect((await store.verifications.getEntry(record.id))!.revision).toBe(seen[0]);
        await store.verifications.update(record.id, (current) => ({ ...current, status: 'success' }));
        seen.push((await store.verifications.getEntry(record.id))!.revision);
        await store.verifications.delete(record.id);
        await store.close();
        store = await reopen!(store);
        await store.verifications.insert(record);
        seen.push((await store.verifications.getEntry(record.id))!.revision);
        expect(new Set(seen).size).toBe(3);
      });
    });
  });
}
