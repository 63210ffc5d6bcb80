import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE, MIGRATIONS } from '../../src/store/migrations.js';
import { createSqliteStore, type Store, type VerificationRecord } from '../../src/store/index.js';
import { TABLES } from '../../src/store/sqlite-schema.js';
import { testRecordStore } from '../../src/testing/store-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'kts-sqlite-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const paths = new WeakMap<Store, string>();
const freshPath = (): string => join(dir, `${randomUUID()}.sqlite`);
async function open(path = freshPath()): Promise<Store> {
  const store = await createSqliteStore({ path });
  paths.set(store, path);
  return store;
}

testRecordStore({ name: 'sqlite', create: () => open(), reopen: (previous) => open(paths.get(previous)) });

const SEED_COLUMNS = ['id', 'project_id', 'provider_id', 'checkpoint_id', 'status', 'parameters', 'resources_status', 'resources_reason', 'created_at', 'updated_at', 'deleted_at'];

interface ColumnInfo {
  readonly name: string;
  readonly notnull: number;
  readonly pk: number;
}

function inspect<T>(path: string, body: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return body(db);
  } finally {
    db.close();
  }
}

const verification = (fields: Partial<VerificationRecord> = {}): VerificationRecord => ({
  id: randomUUID(),
  projectId: 'project-a',
  createdAt: '2024-05-01T00:00:00.000Z',
  updatedAt: '2024-05-01T00:00:00.000Z',
  providerId: 'provider-1',
  checkpointId: 'checkpoint-1',
  bank: 'main',
  status: 'verifying',
  parameters: { 'OS::Cinder::Volume': {} },
  progress: { resourcesDone: 0, resourcesTotal: 1, bytesDone: 0, bytesTotal: 0 },
  resourcesStatus: { 'OS::Cinder::Volume#v1': 'error' },
  resourcesReason: { 'OS::Cinder::Volume#v1': 'Backup not found' },
  ...fields,
});

describe('sqlite store specifics', () => {
  it("gives the verifications table exactly the seed's columns, plus extra and revision", async () => {
    const store = await open();
    const path = paths.get(store)!;
    await store.close();
    const columns = inspect(path, (db) => db.prepare('PRAGMA table_info(verifications)').all() as ColumnInfo[]);
    expect(columns.map((column) => column.name)).toEqual([...SEED_COLUMNS, 'extra', 'revision']);
    const notNull = columns.filter((column) => column.notnull === 1).map((column) => column.name);
    expect(notNull).toEqual(expect.arrayContaining(['id', 'project_id', 'provider_id', 'checkpoint_id']));
    expect(notNull).not.toEqual(expect.arrayContaining(['status']));
    expect(columns.filter((column) => column.pk === 1).map((column) => column.name)).toEqual(['id']);
  });

  it('has a column for every mapped field, indexes for common queries, and WAL mode', async () => {
    const store = await open();
    const path = paths.get(store)!;
    await store.close();
    inspect(path, (db) => {
      for (const table of Object.values(TABLES)) {
        const names = (db.prepare(`PRAGMA table_info(${table.table})`).all() as ColumnInfo[]).map((column) => column.name);
        expect(names, table.table).toEqual(expect.arrayContaining([...table.columns.map((column) => column.column), 'extra']));
        const indexes = (db.prepare(`PRAGMA index_list(${table.table})`).all() as { name: string }[]).map((index) => index.name);
        const expected = [`${table.table}_project_created`, `${table.table}_created`];
        if (table.columns.some((column) => column.column === 'status')) expected.push(`${table.table}_status`);
        expect(indexes, table.table).toEqual(expect.arrayContaining(expected));
      }
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    });
  });

  it('stores the seed columns as real columns and JSON text', async () => {
    const store = await open();
    const record = await store.verifications.insert(verification({ level: 'full', ownerId: 'node-1' }));
    const path = paths.get(store)!;
    await store.close();
    const row = inspect(path, (db) => db.prepare('SELECT * FROM verifications WHERE id = ?').get(record.id) as Record<string, unknown>);
    expect(row).toMatchObject({ project_id: 'project-a', provider_id: 'provider-1', checkpoint_id: 'checkpoint-1', status: 'verifying', deleted_at: null });
    expect(JSON.parse(String(row.resources_status))).toEqual(record.resourcesStatus);
    expect(JSON.parse(String(row.resources_reason))).toEqual(record.resourcesReason);
    expect(JSON.parse(String(row.parameters))).toEqual(record.parameters);
    expect(JSON.parse(String(row.extra))).toEqual({ bank: 'main', level: 'full', ownerId: 'node-1', progress: record.progress });
  });

  it('migrates idempotently: opening twice, even at once, applies each migration once', async () => {
    const path = freshPath();
    const [first, second] = await Promise.all([open(path), open(path)]);
    const record = await first.verifications.insert(verification());
    await Promise.all([first.close(), second.close()]);
    const third = await open(path);
    expect(await third.verifications.get(record.id)).toStrictEqual(record);
    await third.close();
    const applied = inspect(path, (db) => db.prepare('SELECT name FROM kts_migrations').all());
    expect(applied).toEqual([{ name: '0001_initial' }, { name: '0002_quotas_services' }, { name: '0003_revisions' }]);
  });

  it('upgrades a file made by the first migration alone, keeping its records', async () => {
    const path = freshPath();
    const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(path) }) });
    const only = { getMigrations: async () => ({ '0001_initial': MIGRATIONS['0001_initial']! }) };
    const first = await new Migrator({ db: old, provider: only, migrationTableName: MIGRATION_TABLE, migrationLockTableName: MIGRATION_LOCK_TABLE }).migrateToLatest();
    expect(first.error).toBeUndefined();
    const record = verification();
    const { progress: _p, bank: _b, ...columns } = record;
    await old
      .insertInto('verifications')
      .values({
        id: record.id, project_id: columns.projectId, provider_id: columns.providerId, checkpoint_id: columns.checkpointId, status: columns.status,
        parameters: JSON.stringify(columns.parameters), resources_status: JSON.stringify(columns.resourcesStatus), resources_reason: JSON.stringify(columns.resourcesReason),
        created_at: columns.createdAt, updated_at: columns.updatedAt, extra: JSON.stringify({ bank: 'main', progress: record.progress }),
      })
      .execute();
    await old.destroy();
    const store = await open(path);
    expect(await store.verifications.get(record.id)).toStrictEqual(record);
    // Rows from before revisions get one, and it changes with the row.
    const before = (await store.verifications.getEntry(record.id))!;
    expect(before.record).toStrictEqual(record);
    await store.verifications.update(record.id, (current) => ({ ...current, status: 'success' }));
    expect((await store.verifications.getEntry(record.id))!.revision).not.toBe(before.revision);
    const time = '2024-05-01T00:00:00.000Z';
    const quota = { id: 'class:default', projectId: '*', scope: 'class', name: 'default', limits: { plans: 3 }, createdAt: time, updatedAt: time } as const;
    expect(await store.quotas.insert(quota)).toStrictEqual(quota);
    await store.close();
    expect(inspect(path, (db) => db.prepare('SELECT name FROM kts_migrations ORDER BY name').all())).toEqual([
      { name: '0001_initial' },
      { name: '0002_quotas_services' },
      { name: '0003_revisions' },
    ]);
  });

  it('lets a second connection and a second process see committed writes', async () => {
    const path = freshPath();
    const writer = await open(path);
    const reader = await open(path);
    const record = await writer.verifications.insert(verification());
    expect(await reader.verifications.get(record.id)).toStrictEqual(record);
    await writer.verifications.update(record.id, (current) => ({ ...current, status: 'success' }));
    expect((await reader.verifications.get(record.id))?.status).toBe('success');
    const script = `const D = require('better-sqlite3'); const db = new D(process.argv[1], { readonly: true });
      process.stdout.write(JSON.stringify(db.prepare('SELECT status FROM verifications WHERE id = ?').get(process.argv[2])));`;
    const child = spawnSync(process.execPath, ['-e', script, path, record.id], { cwd: process.cwd(), encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ status: 'success' });
    await Promise.all([writer.close(), reader.close()]);
  });

  it('renews a revision on writes it did not make: another store on the file, or plain SQL', async () => {
    const path = freshPath();
    const [a, b] = await Promise.all([open(path), open(path)]);
    const record = await a.verifications.insert(verification());
    const seen = [(await b.verifications.getEntry(record.id))!.revision];
    await b.verifications.update(record.id, (current) => ({ ...current, status: 'success' }));
    seen.push((await a.verifications.getEntry(record.id))!.revision);
    const other = new Database(path);
    try {
      other.prepare("UPDATE verifications SET status = 'error' WHERE id = ?").run(record.id);
    } finally {
      other.close();
    }
    const after = (await a.verifications.getEntry(record.id))!;
    expect(after.record.status).toBe('error');
    seen.push(after.revision);
    expect(new Set(seen).size).toBe(3);
    await Promise.all([a.close(), b.close()]);
  });

  it('loses no update when two stores on one file update one record at once', async () => {
    const path = freshPath();
    const [a, b] = await Promise.all([open(path), open(path)]);
    const record = await a.verifications.insert(verification({ resourcesReason: {} }));
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 === 0 ? a : b).verifications.update(record.id, (current) => ({
          ...current,
          resourcesReason: { ...current.resourcesReason, [`Type#${i}`]: 'seen' },
        })),
      ),
    );
    expect(Object.keys((await b.verifications.get(record.id))!.resourcesReason)).toHaveLength(40);
    await Promise.all([a.close(), b.close()]);
  });

  it('opens private in-memory databases for tests', async () => {
    const [a, b] = await Promise.all([createSqliteStore({ path: ':memory:' }), createSqliteStore({ path: ':memory:' })]);
    const record = await a.verifications.insert(verification());
    expect(await a.verifications.get(record.id)).toStrictEqual(record);
    expect(await b.verifications.get(record.id)).toBeUndefined();
    await Promise.all([a.close(), b.close()]);
  });

  it('waits for another writer up to the busy timeout, then fails with KTS_ERR_STORE_IO', async () => {
    const path = freshPath();
    const store = await createSqliteStore({ path, busyTimeoutMs: 20 });
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      await expect(store.verifications.insert(verification())).rejects.toMatchObject({
        code: 'KTS_ERR_STORE_IO',
        retryable: true,
        details: { operation: 'insert', backendCode: 'SQLITE_BUSY' },
      });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect((await store.verifications.insert(verification())).status).toBe('verifying');
    await store.close();
  });

  it('refuses bad options and reports a file it cannot open', async () => {
    await expect(createSqliteStore({ path: '' })).rejects.toMatchObject({ code: 'KTS_ERR_INVALID_OPTION' });
    await expect(createSqliteStore({ path: freshPath(), busyTimeoutMs: -1 })).rejects.toMatchObject({ code: 'KTS_ERR_INVALID_OPTION' });
    await expect(createSqliteStore({ path: dir })).rejects.toMatchObject({ code: 'KTS_ERR_STORE_IO' });
  });
});
