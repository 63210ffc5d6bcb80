/**
 * The list, show and cancel routes that restores, verifications and copies share: one
 * definition, three collections.
 *
 * @module
 */
import type { ListedEntry, ListEntriesOptions, ListResult, RecordEntry, RunRecord } from '../../store/index.js';
import type { ProtectionService, RequestContext, ScopedQuery } from '../../protection/index.js';
import { parseListQuery, type ListShape } from '../listing.js';
import { cachedListReply, cachedShowReply } from '../record-pages.js';
import { defineRoutes, type ApiCall, type ApiRoute } from '../route.js';
import { CANCEL_ACTION } from '../schemas.js';
import { LIST_QUERY, listingContext, storeQuery } from './common.js';

/** A record service as the routes use it. */
interface RecordService<T extends RunRecord> {
  listEntries(context: RequestContext, query?: ScopedQuery, options?: ListEntriesOptions): Promise<ListResult<ListedEntry<T>>>;
  getEntry(context: RequestContext, id: string): Promise<RecordEntry<T>>;
  cancel(context: RequestContext, id: string): Promise<T>;
}

/** What differs between the record collections. */
export interface RecordRoutesSpec<T extends RunRecord> {
  /** The collection (`restores`) — its path and list key. */
  readonly collection: string;
  /** The single key (`restore`) and policy prefix. */
  readonly single: string;
  /** The service of the collection. */
  readonly service: (service: ProtectionService) => RecordService<T>;
  /** The record's view. */
  readonly view: (record: T) => unknown;
  /** Sortable and filterable keys. */
  readonly shape: ListShape;
}

/**
 * List, show and cancel routes for a run-record collection. Lists and shows read the store's
 * shared entries and answer JSON assembled from the API's cache of rendered views
 * ({@link ApiCall.views}, see `record-pages.ts`).
 */
export function recordRoutes<T extends RunRecord>(spec: RecordRoutesSpec<T>): readonly ApiRoute[] {
  const { collection, single } = spec;
  const idParam = `${single}_id`;
  return defineRoutes([
    {
      method: 'GET',
      path: `/${collection}`,
      action: `${single}:get_all`,
      tag: collection,
      summary: `List ${collection} (filters: ${Object.keys(spec.shape.filters).join(', ')}), newest first.`,
      query: [...LIST_QUERY, ...Object.keys(spec.shape.filters).map((name) => ({ name, description: `Exact ${name}.` }))],
      responseKey: collection,
      async handle(call) {
        const list = parseListQuery(call.query, spec.shape, call.maxLimit, call.context.isAdmin === true);
        const { context, allProjects } = listingContext(call, list);
        const service = spec.service(call.service);
        return cachedListReply(call, collection, spec.view, (options) => service.listEntries(context, storeQuery(list, allProjects), options));
      },
    },
    {
      method: 'GET',
      path: `/${collection}/:${idParam}`,
      action: `${single}:get`,
      tag: collection,
      summary: `Show a ${single}, with per-resource status and reason and its progress.`,
      responseKey: single,
      async handle(call) {
        const entry = await spec.service(call.service).getEntry(call.context, call.params[idParam]!);
        return cachedShowReply(call, collection, single, entry, spec.view);
      },
    },
    {
      method: 'POST',
      path: `/${collection}/:${idParam}/action`,
      action: `${single}:update`,
      tag: collection,
      summary: `Cancel a running ${single} (\`{"cancel": {}}\`): its revert runs and it ends in error.`,
      body: CANCEL_ACTION,
      responseKey: single,
      async handle(call) {
        return { body: { [single]: spec.view(await spec.service(call.service).cancel(call.context, call.params[idParam]!)) } };
      },
    },
  ]);
}

/** Sort keys every run-record collection offers. */
export const RUN_SORT_KEYS = { id: 'id', status: 'status', created_at: 'createdAt', updated_at: 'updatedAt' } as const;
