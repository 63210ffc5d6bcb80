/**
 * List and show answers of store records assembled from the API's {@link ViewCache}: the store
 * lists shared entries (ids and revisions, records only where needed), and the answer is the
 * page kept for the same URL when the store listed exactly the same ids at the same revisions,
 * or else the page assembled from each record's cached rendering — only records whose revision
 * has no rendering are viewed and serialised (and, on SQLite, read in full).
 *
 * @module
 */
import type { ListedEntry, ListEntriesOptions, ListResult, RecordEntry, StoredRecord } from '../store/index.js';
import { jsonListOf, jsonObjectOf } from './json-bodies.js';
import { collectionLinks } from './listing.js';
import type { ApiCall, ApiReply } from './route.js';
import type { RenderedPage, ViewCache } from './view-cache.js';

/**
 * The list answer `{"<collection>": [views…], "<collection>_links": […]}` for the page `list`
 * gives (called once, with the `known` option the store needs to skip reading records whose
 * rendering is at hand).
 */
export async function cachedListReply<T extends StoredRecord>(
  call: ApiCall,
  collection: string,
  view: (record: T) => unknown,
  list: (options: ListEntriesOptions) => Promise<ListResult<ListedEntry<T>>>,
): Promise<ApiReply> {
  const views: ViewCache = call.views;
  const key = call.url.href;
  const previous = views.page(key);
  let positions: Map<string, number> | undefined; // where each id is on the previous page, built on first need
  // Renderings at hand for the revisions the store lists, kept here as the store asks (so that
  // none can be evicted before the page is assembled).
  const held = new Map<string, string>();
  const known = (id: string, revision: string): boolean => {
    let text = views.get(collection, id, revision);
    if (text === undefined && previous !== undefined) {
      positions ??= new Map(previous.ids.map((previousId, at) => [previousId, at]));
      const at = positions.get(id);
      if (at !== undefined && previous.revisions[at] === revision) text = previous.items[at];
    }
    if (text !== undefined) held.set(id, text);
    return text !== undefined;
  };
  const page = await list({ known });
  if (previous !== undefined && samePage(previous, page)) return { json: previous.bytes };
  const items = page.items.map((entry) => (entry.record === undefined ? held.get(entry.id)! : views.render(collection, entry as RecordEntry<T>, view)));
  // Encoded once here, so that every answer of the kept page sends bytes as they are.
  const bytes = Buffer.from(jsonListOf(collection, items, collectionLinks(call.url, collection, page.nextMarker)));
  views.keepPage(key, {
    ids: page.items.map((entry) => entry.id),
    revisions: page.items.map((entry) => entry.revision),
    items,
    nextMarker: page.nextMarker,
    bytes,
  });
  return { json: bytes };
}

/** The show answer `{"<single>": view}` of `entry`, from its cached rendering when there is one. */
export function cachedShowReply<T extends StoredRecord>(call: ApiCall, collection: string, single: string, entry: RecordEntry<T>, view: (record: T) => unknown): ApiReply {
  return { json: jsonObjectOf(single, call.views.render(collection, entry, view)) };
}

/** Whether `page` lists exactly what `previous` was made of: the same ids, at the same revisions, with the same next marker. */
function samePage(previous: RenderedPage, page: ListResult<ListedEntry<StoredRecord>>): boolean {
  const items = page.items;
  if (items.length !== previous.ids.length || page.nextMarker !== previous.nextMarker) return false;
  for (let i = 0; i < items.length; i += 1) {
    if (items[i]!.id !== previous.ids[i] || items[i]!.revision !== previous.revisions[i]) return false;
  }
  return true;
}
