/**
 * One record collection on SQLite, written once for every table through the column mapping.
 * Listing runs in SQL with keyset paging (`(sortKey, id)` after the marker's values), so a page
 * costs an index range scan, not an offset. `update` runs `BEGIN IMMEDIATE`, reads, calls the
 * change function, writes and commits on the store's one connection: Kysely's driver serialises
 * the connection within the store, the file's write lock serialises stores of one process, and
 * SQLite's write lock (with the busy timeout) serialises processes.
 *
 * @module
 */
import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import { isAlwaysPresent } from './collections.js';
import { duplicateId, recordNotFound } from './errors.js';
import { isoNow } from './internal/clock.js';
import { callerCode, type SqliteContext } from './internal/sqlite-context.js';
import { markerVisible, normaliseQuery, sortValue, toPage, unknownMarker } from './listing.js';
import { columnOf, fromRow, toRow, type SqlDatabase, type SqlRow, type TableSpec } from './sqlite-columns.js';
import type { ListQuery, ListResult, RecordCollection, StoredRecord } from './store.js';
import { prepareChange, prepareRecord, type JsonRecord } from './validate.js';

/** A {@link RecordCollection} over one SQLite table. */
export class SqliteCollection<T extends StoredRecord> implements RecordCollection<T> {
  readonly #table: TableSpec;
  readonly #context: SqliteContext;

  /** Serves `table` through `context`. */
  constructor(table: TableSpec, context: SqliteContext) {
    this.#table = table;
    this.#context = context;
  }

  /** The collection's name. */
  get name(): string {
    return this.#table.collection.name;
  }

  /** The fields `list` filters and sorts on. */
  get filterable(): readonly string[] {
    return this.#table.collection.filterable;
  }

  /** Inserts a new record; `KTS_ERR_CONFLICT` if the id exists. */
  async insert(record: T): Promise<T> {
    const prepared = prepareRecord(this.#table.collection, record);
    return this.#context.write('insert', async () => {
      const row = toRow(this.#table, prepared);
      const result = await this.#context.db
        .insertInto(this.#table.table)
        .values(row)
        .onConflict((conflict) => conflict.column('id').doNothing())
        .executeTakeFirst();
      if (result.numInsertedOrUpdatedRows === 0n) throw duplicateId(this.name, prepared.id);
      return this.#record(row);
    });
  }

  /** The record with `id`, or `undefined`. */
  async get(id: string): Promise<T | undefined> {
    return this.#context.run('get', async () => {
      const row = await this.#select(this.#context.db, id);
      return row === undefined ? undefined : this.#record(row);
    });
  }

  /** Atomically replaces the record with `change(current)`. */
  async update(id: string, change: (current: T) => T): Promise<T> {
    return this.#context.write('update', () =>
      this.#context.db.connection().execute(async (db) => {
        await sql`begin immediate`.execute(db);
        try {
          const row = await this.#select(db, id);
          if (row === undefined) throw recordNotFound(this.name, id);
          const current = fromRow(this.#table, row);
          const proposed = callerCode(() => change(fromRow(this.#table, row) as unknown as T));
          const next = toRow(this.#table, prepareChange(this.#table.collection, current, proposed, isoNow(this.#context.clock)));
          await db.updateTable(this.#table.table).set(next).where('id', '=', id).execute();
          await sql`commit`.execute(db);
          return this.#record(next);
        } catch (error) {
          await sql`rollback`.execute(db).catch(() => undefined);
          throw error;
        }
      }),
    );
  }

  /** Lists records (see `listing.ts` for the semantics). */
  async list(query?: ListQuery): Promise<ListResult<T>> {
    const q = normaliseQuery(this.#table.collection, query);
    return this.#context.run('list', async () => {
      const { db } = this.#context;
      let marker: JsonRecord | undefined;
      if (q.marker !== undefined) {
        const row = await this.#select(db, q.marker);
        marker = row === undefined ? undefined : fromRow(this.#table, row);
        if (!markerVisible(marker, q)) throw unknownMarker(this.name, q.marker);
      }
      if (q.filters.some((filter) => filter.values.length === 0)) return { items: [] };
      const sortColumn = sql.ref<string>(columnOf(this.#table, q.sortKey));
      const sortBy: Expression<string> = isAlwaysPresent(this.#table.collection, q.sortKey) ? sortColumn : sql<string>`coalesce(${sortColumn}, '')`;
      let select = db.selectFrom(this.#table.table).selectAll();
      if (q.projectId !== undefined) select = select.where('project_id', '=', q.projectId);
      for (const { field, values } of q.filters) {
        select = values.length === 1 ? select.where(columnOf(this.#table, field), '=', values[0]!) : select.where(columnOf(this.#table, field), 'in', values);
      }
      if (q.createdAfter !== undefined) select = select.where('created_at', '>=', q.createdAfter);
      if (q.createdBefore !== undefined) select = select.where('created_at', '<', q.createdBefore);
      if (!q.includeDeleted) select = select.where('deleted_at', 'is', null);
      if (marker !== undefined) {
        const after = q.sortDir === 'asc' ? '>' : '<';
        const value = sortValue(marker, q.sortKey);
        const markerId = marker.id;
        select = select.where((eb): Expression<SqlBool> =>
          eb.or([eb(sortBy, after, value), eb.and([eb(sortBy, '=', value), eb('id', after, markerId)])]),
        );
      }
      select = select.orderBy(sortBy, q.sortDir).orderBy('id', q.sortDir);
      if (q.limit !== undefined) select = select.limit(q.limit + 1);
      const rows = await select.execute();
      return toPage(
        rows.map((row) => this.#record(row)),
        q.limit,
      );
    });
  }

  /** Hard-deletes a record; true when it existed. */
  async delete(id: string): Promise<boolean> {
    return this.#context.write('delete', async () => {
      const result = await this.#context.db.deleteFrom(this.#table.table).where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }

  #select(db: Kysely<SqlDatabase>, id: string): Promise<SqlRow | undefined> {
    return db.selectFrom(this.#table.table).selectAll().where('id', '=', id).executeTakeFirst();
  }

  #record(row: SqlRow): T {
    return fromRow(this.#table, row) as unknown as T;
  }
}
