/**
 * The SQLite store's migrations, in code (Kysely's `Migrator` with an in-code provider, never a
 * directory scan, so bundling cannot lose one). A migration is frozen once released: it spells
 * out its DDL and never reads the current mapping in `sqlite-schema.ts`; a change of schema is
 * a new migration appended under a new, later name.
 *
 * Tables are `STRICT` (SQLite ≥ 3.37), so a value of the wrong type is refused, not coerced.
 *
 * @module
 */
import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/** One column of a record table: its name and whether it is `NOT NULL`. */
type Column = readonly [name: string, notNull: boolean];

/**
 * Creates a record table: `id` (primary key) and `project_id`, then `columns`, then the
 * timestamps (`created_at`, `updated_at`, `deleted_at`) and `extra` (JSON of the other fields).
 * Migrations work on any schema, so they take `Kysely<any>` (Kysely's own advice).
 */
async function createRecordTable(db: Kysely<any>, table: string, columns: readonly Column[]): Promise<void> {
  let builder = db.schema
    .createTable(table)
    .addColumn('id', 'text', (column) => column.primaryKey().notNull())
    .addColumn('project_id', 'text', (column) => column.notNull());
  for (const [name, notNull] of columns) {
    builder = builder.addColumn(name, 'text', (column) => (notNull ? column.notNull() : column));
  }
  await builder
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .addColumn('deleted_at', 'text')
    .addColumn('extra', 'text', (column) => column.notNull().defaultTo('{}'))
    .modifyEnd(sql`strict`)
    .execute();
  // The default listing order is (created_at, id); these serve it without a sort step.
  await db.schema.createIndex(`${table}_project_created`).on(table).columns(['project_id', 'created_at', 'id']).execute();
  await db.schema.createIndex(`${table}_created`).on(table).columns(['created_at', 'id']).execute();
  await db.schema.createIndex(`${table}_status`).on(table).columns(['status', 'created_at', 'id']).execute();
}

const initial: Migration = {
  async up(db) {
    await createRecordTable(db, 'plans', [
      ['name', true],
      ['description', false],
      ['provider_id', true],
      ['status', true],
      ['resources', false],
      ['parameters', false],
    ]);
    await createRecordTable(db, 'restores', [
      ['provider_id', true],
      ['checkpoint_id', true],
      ['status', true],
      ['restore_target', false],
      ['parameters', false],
      ['resources_status', false],
      ['resources_reason', false],
    ]);
    // Seed 001's data model, column for column (nullability as the seed has it).
    await createRecordTable(db, 'verifications', [
      ['provider_id', true],
      ['checkpoint_id', true],
      ['status', false],
      ['parameters', false],
      ['resources_status', false],
      ['resources_reason', false],
    ]);
    await createRecordTable(db, 'copies', [
      ['provider_id', true],
      ['plan_id', true],
      ['destination', true],
      ['status', true],
      ['parameters', false],
      ['resources_status', false],
      ['resources_reason', false],
      ['checkpoints', false],
    ]);
    await createRecordTable(db, 'operation_logs', [
      ['operation_type', true],
      ['provider_id', true],
      ['checkpoint_id', false],
      ['plan_id', false],
      ['restore_id', false],
      ['verification_id', false],
      ['copy_id', false],
      ['status', true],
      ['started_at', true],
      ['ended_at', false],
      ['error_info', false],
      ['extra_info', false],
    ]);
    await db.schema.createIndex('restores_checkpoint').on('restores').column('checkpoint_id').execute();
    await db.schema.createIndex('verifications_checkpoint').on('verifications').column('checkpoint_id').execute();
    await db.schema.createIndex('copies_plan').on('copies').column('plan_id').execute();
    for (const column of ['checkpoint_id', 'plan_id', 'restore_id', 'verification_id', 'copy_id']) {
      await db.schema.createIndex(`operation_logs_${column.replace(/_id$/, '')}`).on('operation_logs').column(column).execute();
    }
    await db.schema
      .createTable('leases')
      .addColumn('name', 'text', (column) => column.primaryKey().notNull())
      .addColumn('owner', 'text', (column) => column.notNull())
      .addColumn('expires_at', 'integer', (column) => column.notNull())
      .modifyEnd(sql`strict`)
      .execute();
  },
};

/**
 * Quotas (of projects and quota classes) and service nodes. Spelled out in full rather than
 * through `createRecordTable`, so that a later change of that helper cannot change this
 * migration; the tables have the same base columns and listing indexes as the first ones.
 */
const quotasAndServices: Migration = {
  async up(db) {
    await sql`create table quotas (
      id text primary key not null,
      project_id text not null,
      scope text not null,
      name text not null,
      limits text,
      created_at text not null,
      updated_at text not null,
      deleted_at text,
      extra text not null default '{}'
    ) strict`.execute(db);
    await sql`create index quotas_project_created on quotas (project_id, created_at, id)`.execute(db);
    await sql`create index quotas_created on quotas (created_at, id)`.execute(db);
    await sql`create index quotas_scope_name on quotas (scope, name)`.execute(db);
    await sql`create table services (
      id text primary key not null,
      project_id text not null,
      binary text not null,
      host text not null,
      status text not null,
      disabled_reason text,
      created_at text not null,
      updated_at text not null,
      deleted_at text,
      extra text not null default '{}'
    ) strict`.execute(db);
    await sql`create index services_project_created on services (project_id, created_at, id)`.execute(db);
    await sql`create index services_created on services (created_at, id)`.execute(db);
    await sql`create index services_status on services (status, created_at, id)`.execute(db);
    await sql`create index services_binary_host on services (binary, host)`.execute(db);
  },
};

/** The record tables as of `0003_revisions`. */
const REVISED_TABLES = ['plans', 'restores', 'verifications', 'copies', 'operation_logs', 'quotas', 'services'] as const;

/**
 * Record revisions: a `revision` integer column on every record table, and one counter for the
 * whole file (`kts_revisions`, one row). Triggers give a row the next number of the counter
 * whenever it is inserted, and whenever it is updated by a statement that does not set
 * `revision` itself — every write of every process, older versions of karbor-ts included, so a
 * revision always changes with its row and never repeats in the file (not even for a row that
 * is deleted and inserted again). Existing rows are numbered once here.
 */
const revisions: Migration = {
  async up(db) {
    await sql`create table kts_revisions (last integer not null) strict`.execute(db);
    await sql`insert into kts_revisions (last) values (0)`.execute(db);
    for (const table of REVISED_TABLES) {
      const name = sql.id(table);
      await sql`alter table ${name} add column revision integer`.execute(db);
      await sql`update ${name} set revision = rowid + (select last from kts_revisions)`.execute(db);
      await sql`update kts_revisions set last = last + (select coalesce(max(rowid), 0) from ${name})`.execute(db);
      await sql`create trigger ${sql.id(`${table}_revise_insert`)} after insert on ${name} begin
        update kts_revisions set last = last + 1;
        update ${name} set revision = (select last from kts_revisions) where rowid = new.rowid;
      end`.execute(db);
      await sql`create trigger ${sql.id(`${table}_revise_update`)} after update on ${name} when new.revision is old.revision begin
        update kts_revisions set last = last + 1;
        update ${name} set revision = (select last from kts_revisions) where rowid = new.rowid;
      end`.execute(db);
    }
  },
};

/** Every migration, by name; names sort in the order they apply. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_initial': initial,
  '0002_quotas_services': quotasAndServices,
  '0003_revisions': revisions,
};

/** The in-code migration provider. */
export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...MIGRATIONS }),
};

/** The table Kysely records applied migrations in. */
export const MIGRATION_TABLE = 'kts_migrations';

/** The table Kysely keeps its migration lock in. */
export const MIGRATION_LOCK_TABLE = 'kts_migrations_lock';
