/**
 * One record collection on SQLite, written once for every table through the column mapping.
 * Every call runs prepared statements (kept per store, see `internal/sqlite-context.ts`) on the
 * store's connection, synchronously, and reads rows as arrays decoded straight into records.
 *
 * Listing runs in SQL with keyset paging: the page continues after the marker through a row-value
 * comparison, `(sortKey, id) < (?, ?)`, which SQLite turns into an index range — on
 * `(project_id, created_at, id)` or `(created_at, id)` for the default order, with no sort step
 * — so a page costs a range scan of the page's rows, not an offset or a count. (Sorting on a field
 * without an index sorts the matching rows instead.)
 *
 * Shared reads (`getEntry`, `listEntries`) run the same SQL with the row's `revision` column
 * added, and decode a row into its record only when the entry's `record` is first read. With
 * `known`, a listing first selects only the page's ids and revisions, then reads the whole row
 * of the entries the caller does not know, in one read transaction (so every record is the one
 * of its revision): most of a listing's cost is turning column text into JavaScript strings,
 * which a caller holding renderings of most of the page's revisions then mostly skips.
 *
 * `update` runs `BEGIN IMMEDIATE`, reads, calls the change function, writes and commits in one
 * synchronous call, so no other call of this process can come in between; the file's write lock
 * serialises it with the other writes of this process (several stores on one file included) and
 * SQLite's write lock (with the busy timeout) with other processes.
 *
 * @module
 */
import type Database from 'better-sqlite3';
import { isAlwaysPresent } from './collections.js';
import { duplicateId, recordNotFound } from './errors.js';
import { isoNow } from './internal/clock.js';
import { callerCode, type SqliteContext } from './internal/sqlite-context.js';
import { markerVisible, normaliseQuery, toPage, unknownMarker, type NormalisedQuery } from './listing.js';
import { columnNames, columnOf, fromValues, REVISION_COLUMN, toValues, type SqlValue, type TableSpec } from './sqlite-columns.js';
import type { ListedEntry, ListEntriesOptions, ListQuery, ListResult, RecordCollection, RecordEntry, StoredRecord } from './store.js';
import { copyJson, prepareChange, prepareRecord } from './validate.js';

/** An SQL identifier, quoted. */
const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** The fixed SQL of one table. */
interface TableSql {
  readonly get: string;
  readonly insert: string;
  readonly update: string;
  readonly delete: string;
  /** `select <columns> from <table>`, for listings. */
  readonly select: string;
  /** `select <columns>, revision from <table>`, for shared listings. */
  readonly selectEntries: string;
  /** `select id, revision from <table>`, for shared listings of mostly known revisions. */
  readonly selectRevisions: string;
  /** The shared read of one row (its columns and revision). */
  readonly getEntry: string;
}

function tableSql(table: TableSpec): TableSql {
  const name = quote(table.table);
  const columns = columnNames(table).map(quote);
  const select = `select ${columns.join(', ')} from ${name}`;
  const selectEntries = `select ${columns.join(', ')}, ${quote(REVISION_COLUMN)} from ${name}`;
  return {
    get: `${select} where "id" = ?`,
    getEntry: `${selectEntries} where "id" = ?`,
    selectEntries,
    selectRevisions: `select "id", ${quote(REVISION_COLUMN)} from ${name}`,
    insert: `insert into ${name} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')}) on conflict ("id") do nothing`,
    update: `update ${name} set ${columns.map((column) => `${column} = ?`).join(', ')} where "id" = ?`,
    delete: `delete from ${name} where "id" = ?`,
    select,
  };
}

/** A {@link RecordCollection} over one SQLite table. */
export class SqliteCollection<T extends StoredRecord> implements RecordCollection<T> {
  readonly #table: TableSpec;
  readonly #context: SqliteContext;
  readonly #sql: TableSql;
  #updateTransaction: Database.Transaction<(id: string, change: (current: T) => T) => T> | undefined;
  #readTransaction: Database.Transaction<(body: () => ListResult<ListedEntry<T>>) => ListResult<ListedEntry<T>>> | undefined;

  /** Serves `table` through `context`. */
  constructor(table: TableSpec, context: SqliteContext) {
    this.#table = table;
    this.#context = context;
    this.#sql = tableSql(table);
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
    return this.#context.write('insert', () => {
      const values = toValues(this.#table, prepared);
      const { changes } = this.#context.statement(this.#sql.insert).run(values);
      if (changes === 0) throw duplicateId(this.name, prepared.id);
      return this.#record(values);
    });
  }

  /** The record with `id`, or `undefined`. */
  async get(id: string): Promise<T | undefined> {
    return this.#context.read('get', () => {
      const values = this.#context.statement(this.#sql.get, true).get(id) as SqlValue[] | undefined;
      return values === undefined ? undefined : this.#record(values);
    });
  }

  /** Atomically replaces the record with `change(current)`. */
  async update(id: string, change: (current: T) => T): Promise<T> {
    return this.#context.write('update', () => {
      this.#updateTransaction ??= this.#context.database.transaction((target: string, changeOf: (current: T) => T): T => {
        const row = this.#context.statement(this.#sql.get, true).get(target) as SqlValue[] | undefined;
        if (row === undefined) throw recordNotFound(this.name, target);
        const current = fromValues(this.#table, row);
        const proposed = callerCode(() => changeOf(copyJson(current) as unknown as T));
        const next = toValues(this.#table, prepareChange(this.#table.collection, current, proposed, isoNow(this.#context.clock)));
        this.#context.statement(this.#sql.update).run([...next, target]);
        return this.#record(next);
      });
      return this.#updateTransaction.immediate(id, change);
    });
  }

  /** The record with `id` as a shared entry (decoded on first access), or `undefined`. */
  async getEntry(id: string): Promise<RecordEntry<T> | undefined> {
    return this.#context.read('get', () => {
      const values = this.#context.statement(this.#sql.getEntry, true).get(id) as SqlValue[] | undefined;
      return values === undefined ? undefined : new SqliteEntry<T>(this.#table, values);
    });
  }

  /** Lists records (see `listing.ts` for the semantics). */
  async list(query?: ListQuery): Promise<ListResult<T>> {
    return this.#context.read('list', () => {
      const page = this.#page(query, this.#sql.select);
      return { ...page, items: page.items.map((row) => this.#record(row)) };
    });
  }

  /** Lists records as shared entries, each decoded on first access; with `known`, reads only the rows the caller does not know. */
  listEntries(query?: ListQuery): Promise<ListResult<RecordEntry<T>>>;
  listEntries(query: ListQuery | undefined, options: ListEntriesOptions): Promise<ListResult<ListedEntry<T>>>;
  async listEntries(query?: ListQuery, options: ListEntriesOptions = {}): Promise<ListResult<ListedEntry<T>>> {
    const known = options.known;
    return this.#context.read('list', () => {
      if (known === undefined) {
        const page = this.#page(query, this.#sql.selectEntries);
        return { ...page, items: page.items.map((row) => new SqliteEntry<T>(this.#table, row)) };
      }
      this.#readTransaction ??= this.#context.database.transaction((body: () => ListResult<ListedEntry<T>>) => body());
      return this.#readTransaction(() => {
        const page = this.#page(query, this.#sql.selectRevisions);
        const get = this.#context.statement(this.#sql.getEntry, true);
        const items = page.items.map((row): ListedEntry<T> => {
          const id = String(row[0]);
          const revision = String(row[1]);
          if (callerCode(() => known(id, revision))) return { id, revision };
          return new SqliteEntry<T>(this.#table, get.get(id) as SqlValue[]);
        });
        return { ...page, items };
      });
    });
  }

  /** One page of rows, selected by `select` (the columns, and maybe the revision after them). */
  #page(query: ListQuery | undefined, select: string): ListResult<SqlValue[]> {
    const q = normaliseQuery(this.#table.collection, query);
    const sortBy = this.#sortExpression(q.sortKey);
    let marker: SqlValue[] | undefined;
    if (q.marker !== undefined) {
      marker = this.#context.statement(`select "project_id", ${sortBy} from ${quote(this.#table.table)} where "id" = ?`, true).get(q.marker) as
        | SqlValue[]
        | undefined;
      if (!markerVisible(marker === undefined ? undefined : { projectId: String(marker[0]) }, q)) throw unknownMarker(this.name, q.marker);
    }
    if (q.filters.some((filter) => filter.values.length === 0)) return { items: [] };
    const { sql, parameters } = this.#listSql(q, select, sortBy, marker === undefined ? undefined : [marker[1]!, q.marker!]);
    const rows = this.#context.statement(sql, true).all(parameters) as SqlValue[][];
    return toPage(rows, q.limit, (row) => String(row[0])); // `id` is the first column
  }

  /** Hard-deletes a record; true when it existed. */
  async delete(id: string): Promise<boolean> {
    return this.#context.write('delete', () => this.#context.statement(this.#sql.delete).run(id).changes > 0);
  }

  /** What a listing sorts on: the sort field's column, `''` when missing. */
  #sortExpression(sortKey: string): string {
    const column = quote(columnOf(this.#table, sortKey));
    return isAlwaysPresent(this.#table.collection, sortKey) ? column : `coalesce(${column}, '')`;
  }

  /**
   * The listing's SQL and parameters. The text depends only on the query's shape (which filters,
   * how many values, which bounds, sort, marker, limit), so its prepared statement is reused.
   */
  #listSql(q: NormalisedQuery, select: string, sortBy: string, after: readonly [SqlValue, string] | undefined): { sql: string; parameters: SqlValue[] } {
    const where: string[] = [];
    const parameters: SqlValue[] = [];
    if (q.projectId !== undefined) {
      where.push('"project_id" = ?');
      parameters.push(q.projectId);
    }
    for (const { field, values } of q.filters) {
      const column = quote(columnOf(this.#table, field));
      where.push(values.length === 1 ? `${column} = ?` : `${column} in (${values.map(() => '?').join(', ')})`);
      parameters.push(...values);
    }
    if (q.createdAfter !== undefined) {
      where.push('"created_at" >= ?');
      parameters.push(q.createdAfter);
    }
    if (q.createdBefore !== undefined) {
      where.push('"created_at" < ?');
      parameters.push(q.createdBefore);
    }
    if (!q.includeDeleted) where.push('"deleted_at" is null');
    const direction = q.sortDir === 'asc' ? 'asc' : 'desc';
    const byId = q.sortKey === 'id';
    if (after !== undefined) {
      // A row-value comparison, which SQLite serves as an index range (an OR of the two
      // conditions it would scan from the start of the order instead).
      const operator = direction === 'asc' ? '>' : '<';
      if (byId) {
        where.push(`"id" ${operator} ?`);
        parameters.push(after[1]);
      } else {
        where.push(`(${sortBy}, "id") ${operator} (?, ?)`);
        parameters.push(after[0], after[1]);
      }
    }
    let sql = select;
    if (where.length > 0) sql += ` where ${where.join(' and ')}`;
    sql += byId ? ` order by "id" ${direction}` : ` order by ${sortBy} ${direction}, "id" ${direction}`;
    if (q.limit !== undefined) {
      sql += ' limit ?';
      parameters.push(q.limit + 1);
    }
    return { sql, parameters };
  }

  #record(values: readonly SqlValue[]): T {
    return fromValues(this.#table, values) as unknown as T;
  }
}

/** A row read for a shared read: its id and revision at once, its record decoded on first access. */
class SqliteEntry<T extends StoredRecord> implements RecordEntry<T> {
  readonly id: string;
  readonly revision: string;
  readonly #table: TableSpec;
  readonly #values: readonly SqlValue[];
  #record: T | undefined;

  /** Wraps `values`: the columns in `columnNames` order, then the revision. */
  constructor(table: TableSpec, values: readonly SqlValue[]) {
    this.#table = table;
    this.#values = values;
    this.id = String(values[0]);
    this.revision = String(values[values.length - 1]);
  }

  /** The record, decoded from the row the first time it is read. */
  get record(): T {
    return (this.#record ??= fromValues(this.#table, this.#values) as unknown as T);
  }
}
