/**
 * The generic record ↔ row mapping of the SQLite store. A table is declared as a list of
 * columns, each mapping one record field to a snake_case column holding either text or JSON
 * text; every table also has the base columns (`id`, `project_id`, `created_at`, `updated_at`,
 * `deleted_at`), an `extra` JSON column holding every other field of the record, and the
 * row's `revision` (kept by triggers, read by shared reads only). A missing
 * field is `NULL`, and a `NULL` column is a missing field, so records round-trip exactly.
 *
 * @module
 */
import { InternalError } from '../core/errors.js';
import type { CollectionSpec } from './collections.js';
import type { JsonRecord } from './validate.js';

/** A value of a column: text, an integer or `NULL`. */
export type SqlValue = string | number | null;

/** A row as read or written. */
export type SqlRow = Record<string, SqlValue>;

/** The database as Kysely sees it: tables known only at run time. */
export interface SqlDatabase {
  /** Any table. */
  [table: string]: SqlRow;
}

/** How a column holds its field: as text, or as JSON text. */
export type ColumnKind = 'text' | 'json';

/** One field ↔ column mapping. */
export interface ColumnSpec {
  /** The record field (camelCase). */
  readonly field: string;
  /** The column (snake_case). */
  readonly column: string;
  /** Text (a string field; anything else goes to `extra`) or JSON text. */
  readonly kind: ColumnKind;
}

/** A table holding one collection. */
export interface TableSpec {
  /** The collection it holds. */
  readonly collection: CollectionSpec;
  /** The table's name. */
  readonly table: string;
  /** Every mapped column, the base ones first. */
  readonly columns: readonly ColumnSpec[];
}

/** The JSON column holding the fields no other column maps. */
export const EXTRA_COLUMN = 'extra';

/**
 * The integer column holding a row's revision, which triggers renumber on every write (see
 * migration `0003_revisions`); never part of the record.
 */
export const REVISION_COLUMN = 'revision';

/** The snake_case form of a camelCase field name. */
export function snakeCase(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** A text column for `field`. */
export function text(field: string, column = snakeCase(field)): ColumnSpec {
  return { field, column, kind: 'text' };
}

/** A JSON text column for `field`. */
export function json(field: string, column = snakeCase(field)): ColumnSpec {
  return { field, column, kind: 'json' };
}

const BASE_COLUMNS: readonly ColumnSpec[] = [text('id'), text('projectId'), text('createdAt'), text('updatedAt'), text('deletedAt')];

/** Declares the table of `collection`; every filterable field must be a text column. */
export function defineTable(collection: CollectionSpec, table: string, columns: readonly ColumnSpec[]): TableSpec {
  const all = [...BASE_COLUMNS, ...columns];
  for (const field of collection.filterable) {
    if (!all.some((column) => column.field === field && column.kind === 'text')) {
      throw new InternalError(`Filterable field ${field} of ${collection.name} has no text column in table ${table}`);
    }
  }
  return { collection, table, columns: all };
}

/** The column of `field` in `table` (which must map it). */
export function columnOf(table: TableSpec, field: string): string {
  const column = table.columns.find((candidate) => candidate.field === field);
  if (column === undefined) throw new InternalError(`Table ${table.table} maps no field ${field}`);
  return column.column;
}

/**
 * The columns of `table` as selected and inserted: every mapped column in declaration order,
 * then {@link EXTRA_COLUMN}. {@link toValues} and {@link fromValues} use this order.
 */
export function columnNames(table: TableSpec): readonly string[] {
  return [...table.columns.map((column) => column.column), EXTRA_COLUMN];
}

/** The column values holding a (validated) record, in {@link columnNames} order. */
export function toValues(table: TableSpec, record: JsonRecord): SqlValue[] {
  const columns = table.columns;
  const values: SqlValue[] = new Array<SqlValue>(columns.length + 1);
  const extra: Record<string, unknown> = { ...record };
  for (let i = 0; i < columns.length; i += 1) {
    const { field, kind } = columns[i]!;
    const value = record[field];
    if (kind === 'json') {
      values[i] = value === undefined || value === null ? null : JSON.stringify(value);
      delete extra[field];
    } else if (typeof value === 'string') {
      values[i] = value;
      delete extra[field];
    } else {
      // Not text: keep it, exactly as it is, in `extra`.
      values[i] = null;
    }
  }
  values[columns.length] = JSON.stringify(extra);
  return values;
}

/** JSON text as a value; the empty object, the commonest, without a parse. */
function parseJson(text: string): unknown {
  return text === '{}' ? {} : JSON.parse(text);
}

/** The record held by column `values` read in {@link columnNames} order (a fresh object). */
export function fromValues(table: TableSpec, values: readonly unknown[]): JsonRecord {
  const columns = table.columns;
  const extraText = values[columns.length];
  const record = (typeof extraText === 'string' ? parseJson(extraText) : {}) as Record<string, unknown>;
  for (let i = 0; i < columns.length; i += 1) {
    const value = values[i];
    if (value === null || value === undefined) continue;
    const column = columns[i]!;
    record[column.field] = column.kind === 'json' ? parseJson(String(value)) : value;
  }
  return record as JsonRecord;
}
