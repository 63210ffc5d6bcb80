/**
 * Listing semantics shared by every store: query validation, the sort order, marker paging and
 * (for stores that filter in JavaScript) the record predicate.
 *
 * - `projectId` scopes the listing; omitted, every project is listed.
 * - `filters` are equality filters on the collection's filterable fields; an array means "any
 *   of" (an empty array matches nothing). An unknown field is `KTS_ERR_VALIDATION`.
 * - `createdAfter` is inclusive, `createdBefore` exclusive.
 * - Records with `deletedAt` are hidden unless `includeDeleted`.
 * - Sort on `sortKey` (default `createdAt`) in `sortDir` (default `desc`), ties broken on `id` in
 *   the same direction. Text compares by code point (= UTF-8 bytes, SQLite's `BINARY`); a
 *   missing value sorts as `''`, so first ascending and last descending.
 * - `marker` is the id of the last record of the previous page: the page is what follows that
 *   record in the sort order, whether or not it still matches the filters. A marker naming no
 *   record (in the `projectId` scope) is `KTS_ERR_VALIDATION`.
 * - `limit` is a positive integer; `nextMarker` is set only when more records follow.
 *
 * @module
 */
import { sortKeysOf, type CollectionSpec } from './collections.js';
import { invalid, invalidOption } from './errors.js';
import type { ListQuery, ListResult, StoredRecord } from './store.js';
import { canonicalTime } from './validate.js';

/** One equality filter: the field and the values it may have. */
export interface FieldFilter {
  /** A filterable field. */
  readonly field: string;
  /** Accepted values (no duplicates; empty matches nothing). */
  readonly values: readonly string[];
}

/** A validated listing query, with defaults applied and times in canonical form. */
export interface NormalisedQuery {
  /** The project scope, if any. */
  readonly projectId?: string;
  /** Equality filters, all of which must hold. */
  readonly filters: readonly FieldFilter[];
  /** Inclusive lower bound on `createdAt`. */
  readonly createdAfter?: string;
  /** Exclusive upper bound on `createdAt`. */
  readonly createdBefore?: string;
  /** The id of the last record of the previous page. */
  readonly marker?: string;
  /** Page size. */
  readonly limit?: number;
  /** Sort field. */
  readonly sortKey: string;
  /** Sort direction. */
  readonly sortDir: 'asc' | 'desc';
  /** Whether soft-deleted records are listed. */
  readonly includeDeleted: boolean;
}

/** Validates `query` for `spec`'s collection; `KTS_ERR_VALIDATION` names what is wrong. */
export function normaliseQuery(spec: CollectionSpec, query: ListQuery = {}): NormalisedQuery {
  if (typeof query !== 'object' || query === null) throw invalid('A listing query must be an object');
  const { projectId, marker, limit, sortKey = 'createdAt', sortDir = 'desc', includeDeleted = false } = query;
  if (projectId !== undefined && (typeof projectId !== 'string' || projectId === '')) {
    throw invalid('The listing `projectId` must be a non-empty string', { projectId: String(projectId) });
  }
  if (marker !== undefined && (typeof marker !== 'string' || marker === '')) {
    throw invalid('The listing `marker` must be a record id', { marker: String(marker) });
  }
  if (limit !== undefined && !(typeof limit === 'number' && Number.isSafeInteger(limit) && limit >= 1)) {
    throw invalidOption('limit', 'a positive integer', limit, 'KTS_ERR_VALIDATION');
  }
  if (!sortKeySetOf(spec).has(sortKey)) {
    throw invalid(`Cannot sort ${spec.name} on \`${sortKey}\`; sortable: ${sortKeysOf(spec).join(', ')}`, {
      collection: spec.name,
      sortKey,
      sortable: sortKeysOf(spec),
    });
  }
  if (sortDir !== 'asc' && sortDir !== 'desc') throw invalidOption('sortDir', '"asc" or "desc"', sortDir, 'KTS_ERR_VALIDATION');
  if (typeof includeDeleted !== 'boolean') throw invalidOption('includeDeleted', 'a boolean', includeDeleted, 'KTS_ERR_VALIDATION');
  // Built member by member (listing is a hot path): absent options stay absent.
  const normalised: Mutable<NormalisedQuery> = { filters: normaliseFilters(spec, query.filters), sortKey, sortDir, includeDeleted };
  if (projectId !== undefined) normalised.projectId = projectId;
  if (query.createdAfter !== undefined) normalised.createdAfter = canonicalTime(query.createdAfter, 'createdAfter');
  if (query.createdBefore !== undefined) normalised.createdBefore = canonicalTime(query.createdBefore, 'createdBefore');
  if (marker !== undefined) normalised.marker = marker;
  if (limit !== undefined) normalised.limit = limit;
  return normalised;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The sort keys of each collection, as a set, made once per collection. */
const sortKeySets = new WeakMap<CollectionSpec, ReadonlySet<string>>();

function sortKeySetOf(spec: CollectionSpec): ReadonlySet<string> {
  let keys = sortKeySets.get(spec);
  if (keys === undefined) sortKeySets.set(spec, (keys = new Set(sortKeysOf(spec))));
  return keys;
}

function normaliseFilters(spec: CollectionSpec, filters: ListQuery['filters']): FieldFilter[] {
  if (filters === undefined) return [];
  if (typeof filters !== 'object' || filters === null || Array.isArray(filters)) throw invalid('The listing `filters` must be an object');
  const result: FieldFilter[] = [];
  for (const field of Object.keys(filters)) {
    const value = filters[field];
    if (value === undefined) continue;
    if (!spec.filterable.includes(field)) {
      throw invalid(`Unknown filter \`${field}\` on ${spec.name}; filterable: ${spec.filterable.join(', ')}`, {
        collection: spec.name,
        field,
        filterable: spec.filterable,
      });
    }
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (!values.every((item) => typeof item === 'string')) {
      throw invalid(`Filter \`${field}\` takes a string or an array of strings`, { collection: spec.name, field });
    }
    result.push({ field, values: [...new Set(values as string[])] });
  }
  return result;
}

/** Compares text by code point, which is UTF-8 byte order (SQLite's `BINARY` collation). */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i += 1) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Surrogates (code points above U+FFFF) sort after U+E000..U+FFFF.
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** The value `record` sorts by on `key` (`''` when missing). */
export function sortValue(record: StoredRecord, key: string): string {
  const value = (record as unknown as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : '';
}

/** Orders two records by `sortKey` then `id`, in `sortDir`. */
export function compareRecords(a: StoredRecord, b: StoredRecord, sortKey: string, sortDir: 'asc' | 'desc'): number {
  const order = compareText(sortValue(a, sortKey), sortValue(b, sortKey)) || compareText(a.id, b.id);
  return sortDir === 'asc' ? order : -order;
}

/** Whether `record` passes the query's scope, filters, dates and soft-delete rule (not the marker). */
export function matchesQuery(record: StoredRecord, query: NormalisedQuery): boolean {
  const fields = record as unknown as Record<string, unknown>;
  if (query.projectId !== undefined && record.projectId !== query.projectId) return false;
  if (!query.includeDeleted && fields.deletedAt !== undefined && fields.deletedAt !== null) return false;
  if (query.createdAfter !== undefined && compareText(record.createdAt, query.createdAfter) < 0) return false;
  if (query.createdBefore !== undefined && compareText(record.createdAt, query.createdBefore) >= 0) return false;
  const filters = query.filters;
  for (let i = 0; i < filters.length; i += 1) {
    const { field, values } = filters[i]!;
    const value = fields[field];
    if (typeof value !== 'string' || !values.includes(value)) return false;
  }
  return true;
}

/** Whether a marker record is visible to the query (it exists and is in the project scope). */
export function markerVisible<M extends { readonly projectId: string }>(marker: M | undefined, query: NormalisedQuery): marker is M {
  return marker !== undefined && (query.projectId === undefined || marker.projectId === query.projectId);
}

/** `KTS_ERR_VALIDATION` for a marker that names no visible record. */
export function unknownMarker(collection: string, marker: string): Error {
  return invalid(`The marker ${JSON.stringify(marker)} names no record of ${collection}`, { collection, marker });
}

/**
 * Turns up to `limit + 1` rows in page order into a page (`nextMarker`, the id of the page's last
 * row by `idOf`, when one was left over).
 */
export function toPage<R>(rows: readonly R[], limit: number | undefined, idOf: (row: R) => string = (row) => (row as StoredRecord).id): ListResult<R> {
  if (limit === undefined || rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, nextMarker: idOf(items[items.length - 1]!) };
}
