/**
 * Listing semantics shared by every driver, so that they cannot drift apart: keys are filtered
 * by prefix, the marker is exclusive (keys strictly after it ascending, strictly before it
 * descending), order is UTF-8 byte order, and `nextMarker` is set only when more keys remain
 * (it is then the last key of the page).
 *
 * @module
 */
import type { ListOptions, ListPage } from '../core/bank-section.js';
import { compareKeys } from './keys.js';

/** Whether `key` lies past `marker` in the listing `order` (always true without a marker). */
export function isPastMarker(key: string, marker: string | undefined, order: 'asc' | 'desc' = 'asc'): boolean {
  if (marker === undefined) return true;
  const compared = compareKeys(key, marker);
  return order === 'desc' ? compared < 0 : compared > 0;
}

/** Whether `key` belongs in a listing with these options (prefix and marker; not limit). */
export function matchesListOptions(key: string, options: ListOptions = {}): boolean {
  return key.startsWith(options.prefix ?? '') && isPastMarker(key, options.marker, options.order);
}

/**
 * One page from an unordered set of keys: filters, sorts and cuts it. Drivers that hold their
 * key set in memory (or get it whole from the back-end) use this as their whole listing.
 */
export function selectPage(keys: Iterable<string>, options: ListOptions = {}): ListPage {
  const selected: string[] = [];
  for (const key of keys) if (matchesListOptions(key, options)) selected.push(key);
  selected.sort(options.order === 'desc' ? (a, b) => compareKeys(b, a) : compareKeys);
  return pageOf(selected, options.limit);
}

/**
 * Cuts keys already filtered and in order into a page: when there are more than `limit`, the
 * page keeps `limit` of them and `nextMarker` is its last key.
 */
export function pageOf(ordered: readonly string[], limit?: number): ListPage {
  if (limit === undefined || ordered.length <= limit) return { keys: [...ordered] };
  const keys = ordered.slice(0, limit);
  const last = keys[keys.length - 1];
  return last === undefined ? { keys } : { keys, nextMarker: last };
}

/**
 * Takes a page from keys produced lazily, already filtered and in order: reads at most
 * `limit + 1` of them (the extra one only tells whether more remain) and stops the source.
 */
export async function takePage(ordered: AsyncIterable<string>, limit?: number): Promise<ListPage> {
  const keys: string[] = [];
  for await (const key of ordered) {
    keys.push(key);
    if (limit !== undefined && keys.length > limit) break;
  }
  return pageOf(keys, limit);
}
