/**
 * Listing checked against a model, on collections large enough for the memory store's sorted
 * orders to span many chunks and to split and drop them as records come, move and go: random
 * inserts, updates (that change sort values or not) and deletes, then pages of random queries
 * compared with what the listing rules say. Both stores, so they also agree with each other.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore, createSqliteStore, type ListQuery, type Store, type VerificationRecord } from '../../src/store/index.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const T0 = Date.parse('2024-05-01T00:00:00.000Z');
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();
const SORT_KEYS = ['createdAt', 'updatedAt', 'status', 'checkpointId', 'id'] as const;
const STATUSES = ['verifying', 'success', 'error'] as const;

/** A deterministic pseudo-random source. */
function randomSource(seed: number): { int(below: number): number; pick<T>(items: readonly T[]): T } {
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  return { int: (below) => Math.floor(next() * below), pick: (items) => items[Math.floor(next() * items.length)]! };
}

/** What the listing rules give for `query` over `records` (every page from the start, or after `marker`). */
function expected(records: readonly VerificationRecord[], query: ListQuery): VerificationRecord[] {
  const { sortKey = 'createdAt', sortDir = 'desc' } = query;
  const value = (record: VerificationRecord): string => String((record as unknown as Record<string, unknown>)[sortKey] ?? '');
  const ascending = (a: VerificationRecord, b: VerificationRecord): number =>
    value(a) < value(b) ? -1 : value(a) > value(b) ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  const order = (a: VerificationRecord, b: VerificationRecord): number => (sortDir === 'asc' ? ascending(a, b) : ascending(b, a));
  const marker = query.marker === undefined ? undefined : records.find((record) => record.id === query.marker)!;
  return records
    .filter((record) => query.projectId === undefined || record.projectId === query.projectId)
    .filter((record) => query.includeDeleted === true || record.deletedAt === undefined)
    .filter((record) => query.createdAfter === undefined || record.createdAt >= query.createdAfter)
    .filter((record) => query.createdBefore === undefined || record.createdAt < query.createdBefore)
    .filter((record) =>
      Object.entries(query.filters ?? {}).every(([field, wanted]) => {
        const actual = (record as unknown as Record<string, unknown>)[field];
        return typeof actual === 'string' && (typeof wanted === 'string' ? [wanted] : (wanted ?? [])).includes(actual);
      }),
    )
    .filter((record) => marker === undefined || order(record, marker) > 0)
    .sort(order);
}

const ids = (records: readonly { id: string }[]): string[] => records.map((record) => record.id);

async function exercise(store: Store, seed: number, count: number, operations: number): Promise<void> {
  const random = randomSource(seed);
  const collection = store.verifications;
  const current = new Map<string, VerificationRecord>();
  let serial = 0;
  const fresh = (): VerificationRecord => {
    serial += 1;
    const record: Mutable<VerificationRecord> = {
      id: `v-${String(random.int(1_000_000)).padStart(6, '0')}-${serial}`,
      projectId: random.pick(['project-a', 'project-b', 'project-c']),
      createdAt: at(random.int(400)),
      updatedAt: at(random.int(400)),
      providerId: 'provider-1',
      checkpointId: `checkpoint-${random.int(25)}`,
      bank: 'main',
      status: random.pick(STATUSES),
      parameters: {},
      progress: { resourcesDone: 0, resourcesTotal: 1, bytesDone: 0, bytesTotal: 0 },
      resourcesStatus: {},
      resourcesReason: {},
    };
    // Some without a status (sorts as ''), some soft-deleted.
    if (random.int(10) === 0) delete (record as Partial<Mutable<VerificationRecord>>).status;
    if (random.int(12) === 0) record.deletedAt = at(500);
    return record;
  };
  const insert = async (): Promise<void> => {
    const record = await collection.insert(fresh());
    current.set(record.id, record);
  };

  for (let i = 0; i < count; i += 1) await insert();
  // Build every order (a store that keeps them) before the writes, for the scoped and the global listing.
  for (const sortKey of SORT_KEYS) {
    await collection.list({ sortKey, limit: 1 });
    await collection.list({ sortKey, projectId: 'project-a', limit: 1 });
  }
  for (let i = 0; i < operations; i += 1) {
    const live = [...current.keys()];
    const choice = random.int(10);
    if (choice < 2 || live.length === 0) {
      await insert();
    } else if (choice < 3) {
      const id = random.pick(live);
      expect(await collection.delete(id)).toBe(true);
      current.delete(id);
    } else {
      const id = random.pick(live);
      const status = random.pick([...STATUSES, undefined]);
      const checkpointId = random.int(2) === 0 ? `checkpoint-${random.int(25)}` : undefined;
      const updated = await collection.update(id, ({ status: _status, ...record }) => ({
        ...record,
        ...(status === undefined ? {} : { status }),
        ...(checkpointId === undefined ? {} : { checkpointId }),
      }) as VerificationRecord);
      current.set(id, updated);
    }
  }

  // Deletes a run of the creation order, emptying whole stretches of it, then adds a few more.
  for (const record of [...current.values()]) {
    if (record.createdAt < at(120)) {
      expect(await collection.delete(record.id)).toBe(true);
      current.delete(record.id);
    }
  }
  for (let i = 0; i < 50; i += 1) await insert();

  const records = [...current.values()];
  for (let i = 0; i < 40; i += 1) {
    const query: Mutable<ListQuery> = { sortKey: random.pick(SORT_KEYS), sortDir: random.pick(['asc', 'desc'] as const) };
    if (random.int(3) > 0) query.projectId = random.pick(['project-a', 'project-b', 'project-c', 'project-z']);
    if (random.int(4) === 0) query.filters = { status: random.int(2) === 0 ? random.pick(STATUSES) : ['error', 'verifying'] };
    if (random.int(4) === 0) query.createdAfter = at(random.int(200));
    if (random.int(4) === 0) query.createdBefore = at(200 + random.int(200));
    if (random.int(5) === 0) query.includeDeleted = true;
    const limit = random.pick([1, 7, 100, 600]);
    const all = expected(records, query);
    // The first pages, following nextMarker.
    let marker: string | undefined;
    let seen = 0;
    for (let page = 0; page < 3; page += 1) {
      const result = await collection.list({ ...query, limit, ...(marker === undefined ? {} : { marker }) });
      const want = all.slice(seen, seen + limit);
      expect(ids(result.items), JSON.stringify({ query, page })).toEqual(ids(want));
      expect(result.nextMarker).toBe(seen + limit < all.length ? want[want.length - 1]!.id : undefined);
      seen += limit;
      marker = result.nextMarker;
      if (marker === undefined) break;
    }
    // A page after any record of the scope, whether or not it matches the query.
    const scope = records.filter((record) => query.projectId === undefined || record.projectId === query.projectId);
    if (scope.length > 0) {
      const from = random.pick(scope);
      const result = await collection.list({ ...query, limit, marker: from.id });
      expect(ids(result.items), JSON.stringify({ query, marker: from.id })).toEqual(ids(expected(records, { ...query, marker: from.id }).slice(0, limit)));
    }
  }
  for (const record of records) expect(await collection.get(record.id)).toStrictEqual(record);
}

describe('listing against a model, on large collections', () => {
  let now = Date.parse('2024-06-01T00:00:00.000Z');
  // A clock with ties: updates share updatedAt values, so ties on id matter too.
  const clock = (): number => (now += [0, 0, 1, 1000][Math.floor(now / 7) % 4]!);

  it('memory store', { timeout: 120_000 }, async () => {
    const store = createMemoryStore({ clock });
    try {
      await exercise(store, 1, 3000, 3000);
    } finally {
      await store.close();
    }
  });

  it('sqlite store', { timeout: 300_000 }, async () => {
    const store = await createSqliteStore({ path: ':memory:', clock });
    try {
      await exercise(store, 1, 3000, 3000);
    } finally {
      await store.close();
    }
  });
});
