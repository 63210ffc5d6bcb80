/**
 * Helpers the route files share: plugin parameters off the wire, list replies with their next
 * link, and the context a listing runs in.
 *
 * @module
 */
import { createFrameworkError, ensureFrameworkError } from '../../core/index.js';
import type { RequestContext } from '../../protection/index.js';
import { collectionLinks, type ListParams } from '../listing.js';
import type { ApiCall, ApiReply } from '../route.js';

/** Wire parameters (`null` meaning none) as the protection service takes them. */
export function parametersOf(wire: Readonly<Record<string, Record<string, unknown> | null>> | undefined): Record<string, Record<string, unknown>> {
  return Object.fromEntries(Object.entries(wire ?? {}).map(([key, value]) => [key, value ?? {}]));
}

/** A list reply: `{<key>: rows, <key>_links: [next]}`. */
export function listReply<T>(call: ApiCall, key: string, items: readonly T[], view: (item: T) => unknown, nextMarker: string | undefined): ApiReply {
  return { body: { [key]: items.map(view), ...collectionLinks(call.url, key, nextMarker) } };
}

/**
 * The context and scope of a listing: an admin's `all_tenants=1&project_id=P` (the client's
 * `--tenant P`) lists project P alone; `all_tenants=1` alone lists every project.
 */
export function listingContext(call: ApiCall, list: ListParams): { context: RequestContext; allProjects: boolean } {
  if (list.projectId !== undefined) return { context: { ...call.context, projectId: list.projectId }, allProjects: false };
  return { context: call.context, allProjects: list.allProjects };
}

/** The store's list options from parsed list parameters. */
export function storeQuery(list: ListParams, allProjects: boolean): {
  marker?: string;
  limit: number;
  sortKey?: string;
  sortDir?: 'asc' | 'desc';
  filters: Readonly<Record<string, string>>;
  allProjects: boolean;
} {
  const query: ReturnType<typeof storeQuery> = { limit: list.limit, filters: list.filters, allProjects };
  if (list.marker) query.marker = list.marker;
  if (list.sortKey) query.sortKey = list.sortKey;
  if (list.sortDir) query.sortDir = list.sortDir;
  return query;
}

/** Query parameters every list documents. */
export const LIST_QUERY = [
  { name: 'marker', description: 'The id of the last item of the previous page.' },
  { name: 'limit', description: 'The page size (capped by the service; the default is the cap).' },
  { name: 'sort', description: '`key[:asc|desc]`; ties break on id. Or the older `sort_key` and `sort_dir`.' },
  { name: 'all_tenants', description: 'Admins: list every project (with `project_id`, that project only).' },
] as const;

/**
 * Creates one record per item, in order. When item k fails, its error is rethrown with
 * `details.item` = k and `details.created` = the ids created before it (which keep running),
 * so a caller of the list form never loses track of work it started.
 */
export async function createEach<I, R extends { id: string }>(items: readonly I[], create: (item: I) => Promise<R>): Promise<R[]> {
  const created: R[] = [];
  for (const [index, item] of items.entries()) {
    try {
      created.push(await create(item));
    } catch (error) {
      if (items.length === 1) throw error;
      const framework = ensureFrameworkError(error);
      const prefix = created.length > 0 ? `; items before it were created: ${created.map((record) => record.id).join(', ')}` : '';
      throw createFrameworkError(framework.code, `Item ${index}: ${framework.message}${prefix}`, {
        details: { ...framework.details, item: index, created: created.map((record) => record.id) },
        cause: error,
      });
    }
  }
  return created;
}
