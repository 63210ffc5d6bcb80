/**
 * List queries as Karbor's API takes them — `marker`, `limit` (capped), `sort=key[:dir],...` or
 * the older `sort_key`/`sort_dir`, `all_tenants`, and per-collection filters — and the
 * `<collection>_links` next link, which keeps the (nested) path and the other query parameters.
 *
 * @module
 */
import { ValidationError } from '../core/index.js';

/** A parsed list query. */
export interface ListParams {
  /** The last id of the previous page. */
  readonly marker?: string;
  /** The page size (capped at the adapter's maximum). */
  readonly limit: number;
  /** The store's (camelCase) sort key, when one was asked for. */
  readonly sortKey?: string;
  /** The sort direction, when one was asked for. */
  readonly sortDir?: 'asc' | 'desc';
  /** Admins asking for every project (ignored for others, as Karbor does). */
  readonly allProjects: boolean;
  /** With `all_tenants`: only this project. */
  readonly projectId?: string;
  /** Filters by store (camelCase) field. */
  readonly filters: Readonly<Record<string, string>>;
}

/** What a collection accepts: wire (snake_case) names → store (camelCase) names. */
export interface ListShape {
  /** Sortable keys. */
  readonly sortKeys: Readonly<Record<string, string>>;
  /** Filterable keys. */
  readonly filters: Readonly<Record<string, string>>;
  /** Other query keys the route reads itself (dates, `bank`, `parameters`…). */
  readonly extra?: readonly string[];
}

const PAGING = new Set(['marker', 'limit', 'sort', 'sort_key', 'sort_dir', 'all_tenants', 'project_id']);

/** Parses `query` for a collection of `shape`; anything unknown or malformed is `KTS_ERR_VALIDATION`. */
export function parseListQuery(query: URLSearchParams, shape: ListShape, maxLimit: number, isAdmin: boolean): ListParams {
  for (const key of new Set(query.keys())) {
    if (!PAGING.has(key) && !(key in shape.filters) && !shape.extra?.includes(key)) {
      const known = [...PAGING, ...Object.keys(shape.filters), ...(shape.extra ?? [])].sort().join(', ');
      throw new ValidationError(`Unknown query parameter ${JSON.stringify(key)}; this collection accepts ${known}`);
    }
  }
  const limitText = query.get('limit');
  let limit = maxLimit;
  if (limitText !== null && limitText !== '') {
    if (!/^\d+$/.test(limitText) || Number(limitText) < 1) throw new ValidationError(`Invalid limit ${JSON.stringify(limitText)}: expected a positive integer`);
    limit = Math.min(Number(limitText), maxLimit);
  }
  const marker = query.get('marker') || undefined;
  const allProjects = parseBoolean(query.get('all_tenants'), 'all_tenants') && isAdmin;
  const projectId = allProjects ? query.get('project_id') || undefined : undefined;
  const filters: Record<string, string> = {};
  for (const [wire, field] of Object.entries(shape.filters)) {
    const value = query.get(wire);
    if (value !== null && value !== '') filters[field] = value;
  }
  // Built member by member, not by spreads: listing is a hot path, and so is every reader of this object.
  const params: Mutable<ListParams> = { limit, allProjects, filters };
  if (marker) params.marker = marker;
  if (projectId) params.projectId = projectId;
  const sort = parseSort(query, shape);
  if (sort !== undefined) {
    params.sortKey = sort.sortKey;
    params.sortDir = sort.sortDir;
  }
  return params;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function parseSort(query: URLSearchParams, shape: ListShape): { sortKey: string; sortDir: 'asc' | 'desc' } | undefined {
  const sort = query.get('sort');
  const legacyKey = query.get('sort_key');
  const legacyDir = query.get('sort_dir');
  if (sort && (legacyKey || legacyDir)) throw new ValidationError('Give either sort or sort_key/sort_dir, not both');
  const pairs = sort
    ? sort.split(',').map((part) => part.trim().split(':') as [string, string?])
    : legacyKey || legacyDir
      ? [[legacyKey ?? 'created_at', legacyDir ?? undefined] as [string, string?]]
      : [];
  if (pairs.length === 0) return undefined;
  const [[key, dir], ...rest] = pairs as [[string, string?], ...[string, string?][]];
  const field = shape.sortKeys[key];
  if (!field) throw new ValidationError(`Cannot sort on ${JSON.stringify(key)}; sortable keys are ${Object.keys(shape.sortKeys).join(', ')}`);
  const direction = dir ?? 'desc';
  if (direction !== 'asc' && direction !== 'desc') throw new ValidationError(`Invalid sort direction ${JSON.stringify(dir)}: expected asc or desc`);
  // Ties always break on id in the same direction, so a trailing id key is already honoured.
  if (rest.some(([extra, extraDir]) => extra !== 'id' || (extraDir !== undefined && extraDir !== direction))) {
    throw new ValidationError(`Sorting on several keys is not supported: sort on one key (ties break on id in the same direction)`);
  }
  return { sortKey: field, sortDir: direction };
}

/** Karbor's strict booleans (`1`, `true`, `yes`, `on` and their opposites); absent is false. */
export function parseBoolean(value: string | null, name: string): boolean {
  if (value === null || value === '') return false;
  const lower = value.toLowerCase();
  if (['1', 'true', 't', 'yes', 'y', 'on'].includes(lower)) return true;
  if (['0', 'false', 'f', 'no', 'n', 'off'].includes(lower)) return false;
  throw new ValidationError(`Invalid ${name} ${JSON.stringify(value)}: expected a boolean`);
}

/** The `<collection>_links` entry for a page: a `next` link when there is a next page. */
export function collectionLinks(url: URL, collection: string, nextMarker: string | undefined): Record<string, { rel: string; href: string }[]> {
  if (nextMarker === undefined) return {};
  const next = new URL(url);
  next.searchParams.set('marker', nextMarker);
  return { [`${collection}_links`]: [{ rel: 'next', href: next.toString() }] };
}
