/**
 * The API's cache of rendered views (`view-cache.ts`, `record-pages.ts`): lists and shows of
 * restores, verifications and copies answered from cached renderings and kept pages are byte
 * for byte what rendering every record anew gives, and never stale — a record updated (even
 * twice in one millisecond, or by another store on the same SQLite file) shows its new state, a
 * deleted one disappears, next links are unchanged, and a page kept for a URL is never served
 * to a caller who may see other records. Both stores, through the API's fetch handler.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBank } from '../../src/bank/bank.js';
import { createMemoryDriver } from '../../src/bank/drivers/memory.js';
import { defineProtectionPlugin } from '../../src/core/plugin.js';
import { createKarborApi, createTokenTable, type KarborApi } from '../../src/http/index.js';
import { copyView, restoreView, verificationView } from '../../src/http/views.js';
import { ViewCache } from '../../src/http/view-cache.js';
import { createProtectionService, type ProtectionService } from '../../src/protection/index.js';
import { createMemoryStore, createSqliteStore, type CopyRecord, type RestoreRecord, type Store, type VerificationRecord } from '../../src/store/index.js';

const PROJECT = '6b1f1a4e2e5b4c7e9d2f3a4b5c6d7e8f';
const OTHER = '0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f';
const PROVIDER_ID = 'cf56bd3e-97a7-4078-b6d5-f36246333fd9';
const TOKENS = { member: 'member-token-0123456789abcdef', admin: 'admin-token-0123456789abcdef', other: 'other-token-0123456789abcdef' } as const;
const HOST = 'http://karbor.test';

const dir = mkdtempSync(join(tmpdir(), 'kts-view-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const plugin = defineProtectionPlugin({
  name: 'view-cache-noop',
  version: '1.0.0',
  resourceTypes: { 'Test::Thing': { options: { type: 'object', additionalProperties: false } } },
  getProtectOperation: () => ({}),
  getRestoreOperation: () => ({}),
  getDeleteOperation: () => ({}),
});

const T0 = Date.parse('2025-03-01T00:00:00.000Z');
const time = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

/** Verifications of every shape a view meets: failures, reasons, unicode and escapes, `__proto__` keys, levels or none. */
function verification(i: number, fields: Partial<VerificationRecord> = {}): VerificationRecord {
  const resources = i % 4;
  const keys = Array.from({ length: resources }, (_, at) => `Test::Thing#thing-${i}-${at}`);
  return {
    id: randomUUID(),
    projectId: i % 7 === 3 ? OTHER : PROJECT,
    providerId: PROVIDER_ID,
    checkpointId: `checkpoint-${i % 5}`,
    bank: i % 3 === 0 ? 'main' : 'région-b',
    status: (['success', 'error', 'verifying'] as const)[i % 3]!,
    parameters: i % 6 === 1 ? (JSON.parse('{"__proto__": {"x": 1}, "Test::Thing": {"deep": [1, 2.5, -0, 1e21, "\\u0000\\n\\"quote\\"\\u2028"]}}') as Record<string, unknown>) : {},
    ...(i % 2 === 0 ? { level: 'checksum' as const } : {}),
    progress: { resourcesDone: resources, resourcesTotal: resources, bytesDone: i * 1000, bytesTotal: i % 5 === 0 ? 0 : i * 1500 },
    resourcesStatus: Object.fromEntries(keys.map((key, at) => [key, at === 0 && i % 3 === 1 ? 'error' : 'success'])),
    resourcesReason: i % 3 === 1 && keys.length > 0 ? { [keys[0]!]: `broken: ✗ «${i}» 🙂` } : {},
    ...(i % 3 === 1 ? { failure: { code: 'KTS_ERR_PLUGIN_OPERATION_FAILED', name: 'PluginError', message: `verify failed ${'x'.repeat(i % 9)}`, retryable: false, details: {} } } : {}),
    createdAt: time(i),
    updatedAt: time(i + 1),
    ...fields,
  } as VerificationRecord;
}

function restore(i: number): RestoreRecord {
  return {
    id: randomUUID(),
    projectId: PROJECT,
    providerId: PROVIDER_ID,
    checkpointId: `checkpoint-${i}`,
    bank: 'main',
    status: i % 2 === 0 ? 'success' : 'fail',
    ...(i % 2 === 0 ? { restoreTarget: `http://target/${i}` } : {}),
    parameters: {},
    progress: { resourcesDone: 1, resourcesTotal: 2, bytesDone: 3, bytesTotal: 0 },
    resourcesStatus: { 'Test::Thing#a': 'success' },
    resourcesReason: {},
    createdAt: time(i),
    updatedAt: time(i),
  };
}

function copy(i: number): CopyRecord {
  return {
    id: randomUUID(),
    projectId: PROJECT,
    providerId: PROVIDER_ID,
    planId: `plan-${i}`,
    destination: 'region-b',
    status: 'finished',
    parameters: {},
    checkpoints: [{ sourceCheckpointId: `c${i}`, copyCheckpointId: `c${i}-copy`, status: 'finished' }, { sourceCheckpointId: `d${i}`, status: 'error', reason: 'quota' }],
    progress: { resourcesDone: 2, resourcesTotal: 2, bytesDone: 10, bytesTotal: 10 },
    resourcesStatus: {},
    resourcesReason: {},
    createdAt: time(i),
    updatedAt: time(i),
  };
}

interface Setup {
  readonly store: Store;
  readonly service: ProtectionService;
  /** The API under test (with the view cache). */
  readonly api: KarborApi;
  close(): Promise<void>;
}

async function setUp(kind: 'memory' | 'sqlite', clock?: () => number): Promise<Setup & { path?: string }> {
  const path = kind === 'sqlite' ? join(dir, `${randomUUID()}.sqlite`) : undefined;
  const store = path === undefined ? createMemoryStore({ ...(clock ? { clock } : {}) }) : await createSqliteStore({ path, ...(clock ? { clock } : {}) });
  const service = await createProtectionService({
    store,
    ownerId: 'view-cache-node',
    providers: [{ id: PROVIDER_ID, name: 'test', description: 'memory bank', bank: createBank(createMemoryDriver()), plugins: [plugin] }],
  });
  const authenticator = createTokenTable([
    { token: TOKENS.member, userId: 'member', projectId: PROJECT, roles: ['member'] },
    { token: TOKENS.admin, userId: 'admin', projectId: PROJECT, roles: ['admin'] },
    { token: TOKENS.other, userId: 'other', projectId: OTHER, roles: ['member'] },
  ]);
  const api = createKarborApi({ service, authenticator });
  return {
    store,
    service,
    api,
    ...(path === undefined ? {} : { path }),
    async close() {
      await service.close();
      await store.close();
    },
  };
}

/** GET `path` under the project; the status and the body as text. */
async function get(api: KarborApi, path: string, token: string = TOKENS.member, project = PROJECT): Promise<{ status: number; text: string; type: string | null }> {
  const response = await api.fetch(new Request(`${HOST}/v1/${project}${path}`, { headers: { 'X-Auth-Token': token } }));
  return { status: response.status, text: await response.text(), type: response.headers.get('content-type') };
}

/** What the API answered before the cache: every record of the store's page viewed and stringified anew. */
async function uncachedList<T>(
  page: { items: readonly T[]; nextMarker?: string },
  key: string,
  view: (record: T) => unknown,
  path: string,
): Promise<string> {
  const links = page.nextMarker === undefined ? {} : { [`${key}_links`]: [{ rel: 'next', href: withMarker(`${HOST}/v1/${PROJECT}${path}`, page.nextMarker) }] };
  return JSON.stringify({ [key]: page.items.map(view), ...links });
}

function withMarker(href: string, marker: string): string {
  const url = new URL(href);
  url.searchParams.set('marker', marker);
  return url.toString();
}

describe.each(['memory', 'sqlite'] as const)('the view cache, %s store', (kind) => {
  let setup: Setup & { path?: string };
  beforeEach(async () => {
    setup = await setUp(kind);
  });
  afterEach(() => setup.close());

  it('answers lists byte for byte as rendering every record anew, first, cached and from a kept page, on every page', async () => {
    for (let i = 0; i < 40; i += 1) await setup.store.verifications.insert(verification(i));
    for (let i = 0; i < 5; i += 1) await setup.store.restores.insert(restore(i));
    for (let i = 0; i < 5; i += 1) await setup.store.copies.insert(copy(i));
    const context = { projectId: PROJECT, isAdmin: false, userId: 'member' };
    const cases = [
      { path: '/verifications?limit=7', key: 'verifications', view: verificationView, list: (marker?: string) => setup.service.verifications.list(context, { limit: 7, filters: {}, ...(marker ? { marker } : {}) }) },
      { path: '/verifications?status=error&sort=updated_at:asc&limit=4', key: 'verifications', view: verificationView, list: (marker?: string) => setup.service.verifications.list(context, { limit: 4, filters: { status: 'error' }, sortKey: 'updatedAt', sortDir: 'asc', ...(marker ? { marker } : {}) }) },
      { path: '/verifications', key: 'verifications', view: verificationView, list: (marker?: string) => setup.service.verifications.list(context, { limit: 1000, filters: {}, ...(marker ? { marker } : {}) }) },
      { path: '/restores?limit=2', key: 'restores', view: restoreView, list: (marker?: string) => setup.service.restores.list(context, { limit: 2, filters: {}, ...(marker ? { marker } : {}) }) },
      { path: '/copies?limit=3', key: 'copies', view: copyView, list: (marker?: string) => setup.service.copies.list(context, { limit: 3, filters: {}, ...(marker ? { marker } : {}) }) },
    ] as const;
    for (const { path, key, view, list } of cases) {
      let marker: string | undefined;
      let pages = 0;
      do {
        const pagePath = marker === undefined ? path : withMarker(`${HOST}${path}`, marker).slice(HOST.length);
        const page = await (list as (marker?: string) => Promise<{ items: readonly unknown[]; nextMarker?: string }>)(marker);
        const expected = await uncachedList(page, key, view as (record: unknown) => unknown, pagePath);
        for (let round = 0; round < 3; round += 1) {
          const answer = await get(setup.api, pagePath);
          expect(answer.status).toBe(200);
          expect(answer.type).toBe('application/json');
          expect(answer.text, `${pagePath}, round ${round}`).toBe(expected);
        }
        marker = page.nextMarker;
        pages += 1;
      } while (marker !== undefined);
      expect(pages).toBeGreaterThan(path.includes('limit') ? 1 : 0);
    }
  });

  it('answers shows byte for byte as rendering the record anew, cached or not', async () => {
    const records = Array.from({ length: 12 }, (_, i) => verification(i, { projectId: PROJECT }));
    for (const record of records) await setup.store.verifications.insert(record);
    for (const record of records) {
      const expected = JSON.stringify({ verification: verificationView((await setup.store.verifications.get(record.id))!) });
      for (let round = 0; round < 2; round += 1) expect((await get(setup.api, `/verifications/${record.id}`)).text).toBe(expected);
    }
    const other = restore(1);
    await setup.store.restores.insert(other);
    expect((await get(setup.api, `/restores/${other.id}`)).text).toBe(JSON.stringify({ restore: restoreView((await setup.store.restores.get(other.id))!) }));
  });

  it('shows a record updated between two lists (twice in one millisecond too) with its new state, everywhere', async () => {
    const records = Array.from({ length: 5 }, (_, i) => verification(i, { projectId: PROJECT, status: 'verifying' }));
    for (const record of records) await setup.store.verifications.insert(record);
    const target = records[2]!;
    const before = JSON.parse((await get(setup.api, '/verifications?limit=3')).text);
    expect(before.verifications.map((row: { id: string }) => row.id)).toContain(target.id);
    expect(JSON.parse((await get(setup.api, `/verifications/${target.id}`)).text).verification.status).toBe('verifying');
    // Two writes back to back: updatedAt may not move between them; the revision does.
    await setup.store.verifications.update(target.id, (current) => ({ ...current, status: 'success' }));
    await setup.store.verifications.update(target.id, (current) => ({ ...current, resourcesReason: { 'Test::Thing#x': 'checked twice' } }));
    const after = JSON.parse((await get(setup.api, '/verifications?limit=3')).text);
    const row = after.verifications.find((candidate: { id: string }) => candidate.id === target.id);
    expect(row.status).toBe('success');
    expect(row.resources_reason).toEqual({ 'Test::Thing#x': 'checked twice' });
    const shown = JSON.parse((await get(setup.api, `/verifications/${target.id}`)).text).verification;
    expect(shown).toEqual(row);
    // Everything else on the page is what it was.
    expect(after.verifications.filter((candidate: { id: string }) => candidate.id !== target.id)).toEqual(
      before.verifications.filter((candidate: { id: string }) => candidate.id !== target.id),
    );
  });

  it('re-renders a record changed at the same updatedAt: the revision tells, not the clock', async () => {
    const frozen = await setUp(kind, () => T0 + 86_400_000);
    try {
      const record = verification(0, { projectId: PROJECT, status: 'verifying' });
      await frozen.store.verifications.insert(record);
      await frozen.store.verifications.update(record.id, (current) => ({ ...current, status: 'success' }));
      const first = JSON.parse((await get(frozen.api, '/verifications')).text).verifications[0];
      expect(JSON.parse((await get(frozen.api, `/verifications/${record.id}`)).text).verification).toEqual(first);
      await frozen.store.verifications.update(record.id, (current) => ({ ...current, status: 'error' }));
      const second = JSON.parse((await get(frozen.api, '/verifications')).text).verifications[0];
      expect(second.updated_at).toBe(first.updated_at);
      expect(second.status).toBe('error');
      expect(JSON.parse((await get(frozen.api, `/verifications/${record.id}`)).text).verification.status).toBe('error');
    } finally {
      await frozen.close();
    }
  });

  it('drops a deleted record from lists and answers 404 for it', async () => {
    const records = Array.from({ length: 4 }, (_, i) => verification(i, { projectId: PROJECT }));
    for (const record of records) await setup.store.verifications.insert(record);
    const target = records[1]!;
    expect((await get(setup.api, '/verifications')).text).toContain(target.id);
    expect((await get(setup.api, `/verifications/${target.id}`)).status).toBe(200);
    await setup.store.verifications.delete(target.id);
    const listed = JSON.parse((await get(setup.api, '/verifications')).text);
    expect(listed.verifications.map((row: { id: string }) => row.id)).toEqual(
      records.filter((record) => record !== target).map((record) => record.id).reverse(),
    );
    expect((await get(setup.api, `/verifications/${target.id}`)).status).toBe(404);
    // Inserted again, exactly as before: a new revision, shown again.
    await setup.store.verifications.insert(target);
    expect((await get(setup.api, '/verifications')).text).toContain(target.id);
  });

  it('never serves a page kept for a URL to a caller who sees other records there', async () => {
    for (let i = 0; i < 14; i += 1) await setup.store.verifications.insert(verification(i));
    const path = '/verifications?all_tenants=1';
    const everyone = JSON.parse((await get(setup.api, path, TOKENS.admin)).text);
    expect(new Set(everyone.verifications.map((row: { project_id: string }) => row.project_id))).toEqual(new Set([PROJECT, OTHER]));
    // A member's all_tenants is ignored: the same URL lists the member's project only.
    const mine = JSON.parse((await get(setup.api, path, TOKENS.member)).text);
    expect(mine.verifications.length).toBeGreaterThan(0);
    expect(mine.verifications.every((row: { project_id: string }) => row.project_id === PROJECT)).toBe(true);
    expect(JSON.parse((await get(setup.api, path, TOKENS.admin)).text)).toEqual(everyone);
  });

  it('renders anew with the cache turned off, to the same bytes', async () => {
    for (let i = 0; i < 9; i += 1) await setup.store.verifications.insert(verification(i));
    const plain = createKarborApi({ service: setup.service, authenticator: createTokenTable([{ token: TOKENS.member, userId: 'member', projectId: PROJECT, roles: ['member'] }]), viewCacheSize: 0 });
    for (const path of ['/verifications?limit=4', '/verifications']) {
      const expected = (await get(plain, path)).text;
      expect((await get(plain, path)).text).toBe(expected);
      expect((await get(setup.api, path)).text).toBe(expected);
      expect((await get(setup.api, path)).text).toBe(expected);
    }
    expect(() => createKarborApi({ service: setup.service, authenticator: createTokenTable(), viewCacheSize: -1 })).toThrow(expect.objectContaining({ code: 'KTS_ERR_INVALID_OPTION', message: 'viewCacheSize must be an integer ≥ 0, got -1' }));
  });

  if (kind === 'sqlite') {
    it('sees writes of another store on the same file', async () => {
      const record = verification(0, { projectId: PROJECT, status: 'verifying' });
      await setup.store.verifications.insert(record);
      expect(JSON.parse((await get(setup.api, '/verifications')).text).verifications[0].status).toBe('verifying');
      const other = await createSqliteStore({ path: setup.path! });
      try {
        await other.verifications.update(record.id, (current) => ({ ...current, status: 'success' }));
      } finally {
        await other.close();
      }
      expect(JSON.parse((await get(setup.api, '/verifications')).text).verifications[0].status).toBe('success');
      expect(JSON.parse((await get(setup.api, `/verifications/${record.id}`)).text).verification.status).toBe('success');
    });
  }
});

describe('ViewCache', () => {
  const entry = (id: string, revision: string, status = 'success') => ({ id, revision, record: { id, projectId: PROJECT, createdAt: time(0), updatedAt: time(0), status } });
  const view = (record: { status: string }) => ({ status: record.status });

  it('serves a rendering for its revision only', () => {
    const cache = new ViewCache(10);
    expect(cache.render('things', entry('a', '1'), view)).toBe('{"status":"success"}');
    expect(cache.get('things', 'a', '1')).toBeDefined();
    expect(cache.get('things', 'a', '2')).toBeUndefined();
    expect(cache.get('others', 'a', '1')).toBeUndefined();
    expect(cache.render('things', entry('a', '2', 'error'), view)).toBe('{"status":"error"}');
    expect(cache.get('things', 'a', '1')).toBeUndefined();
    expect(cache.size('things')).toBe(1);
  });

  it('keeps at most its capacity, evicting renderings not used since they last came up first', () => {
    const cache = new ViewCache(3);
    for (const id of ['a', 'b', 'c']) cache.render('things', entry(id, '1'), view);
    cache.get('things', 'a', '1'); // a is used: it gets a second chance
    cache.render('things', entry('d', '1'), view);
    expect(cache.size('things')).toBe(3);
    expect(cache.get('things', 'a', '1')).toBeDefined();
    expect(cache.get('things', 'b', '1')).toBeUndefined();
    for (let i = 0; i < 50; i += 1) cache.render('things', entry(`x${i}`, '1'), view);
    expect(cache.size('things')).toBe(3);
    const none = new ViewCache(0);
    none.render('things', entry('a', '1'), view);
    expect(none.size('things')).toBe(0);
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(() => new ViewCache(bad)).toThrow(expect.objectContaining({ code: 'KTS_ERR_INVALID_OPTION', message: expect.stringContaining('viewCacheSize') }));
    }
    expect(() => new ViewCache(-1)).toThrow(`viewCacheSize must be an integer ≥ 0, got -1`);
  });

  it('keeps pages of at most its capacity of items in all, the least recently used going first', () => {
    const cache = new ViewCache(10);
    const page = (n: number) => ({ ids: Array.from({ length: n }, (_, i) => `${i}`), revisions: Array.from({ length: n }, () => '1'), items: Array.from({ length: n }, () => '{}'), nextMarker: undefined, bytes: new Uint8Array() });
    cache.keepPage('one', page(3)); // 3 items and the page itself: 4 of 10
    cache.keepPage('two', page(3));
    expect(cache.page('one')).toBeDefined(); // now the most recently used
    cache.keepPage('three', page(3));
    expect(cache.page('two')).toBeUndefined();
    expect(cache.page('one')).toBeDefined();
    expect(cache.page('three')).toBeDefined();
    cache.keepPage('huge', page(20));
    expect(cache.page('huge')).toBeUndefined();
  });
});
