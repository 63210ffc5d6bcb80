/**
 * The API's cache of rendered record views. Each record's view is kept as JSON text by
 * collection, id and store revision, so that a list page or a show is assembled from
 * renderings already made rather than viewed and stringified again; and each list page
 * answered is kept by its URL with the ids and revisions it was made of, so that a page whose
 * records have not changed is answered with the very same bytes.
 *
 * Nothing stale is ever served: a revision changes with every write of its record and never
 * repeats for an id (the store contract, `RecordEntry.revision`), so a rendering is used only
 * for the exact record it was made from, and a page only when the store lists exactly the same
 * ids at the same revisions (and the same next marker) again. A record that changed renders
 * again; a deleted one is simply never asked for.
 *
 * Bounded: each collection keeps at most `capacity` renderings, evicting the least recently used
 * first (second-chance eviction, so that a hit costs a flag write, not a reordering), and the
 * pages kept hold at most `capacity` items in all (least recently used pages go first).
 *
 * @module
 */
import { ValidationError } from '../core/index.js';
import type { StoredRecord } from '../store/index.js';

/** One cached rendering. */
interface Rendering {
  /** The revision it renders. */
  readonly revision: string;
  /** The view's JSON text. */
  readonly text: string;
  /** Used since it last came up for eviction. */
  referenced: boolean;
}

/** A list page as it was answered. */
export interface RenderedPage {
  /** The ids of its records, in order. */
  readonly ids: readonly string[];
  /** Their revisions. */
  readonly revisions: readonly string[];
  /** Their renderings. */
  readonly items: readonly string[];
  /** The next marker it linked to, if any. */
  readonly nextMarker: string | undefined;
  /** The whole body, as UTF-8. */
  readonly bytes: Uint8Array;
}

/** The default number of renderings a {@link ViewCache} keeps per collection. */
export const DEFAULT_VIEW_CACHE_SIZE = 4096;

/** The JSON text of `value` (`null` for a value JSON has no text for, as in an array). */
export function jsonText(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

/** Renderings of record views by collection, id and revision, and the list pages made of them; one per API. */
export class ViewCache {
  readonly #capacity: number;
  readonly #collections = new Map<string, Map<string, Rendering>>();
  readonly #pages = new Map<string, RenderedPage>();
  #pageItems = 0;

  /**
   * Keeps up to `capacity` renderings per collection (and pages of up to `capacity` items in all); 0 keeps none.
   * A capacity that is not an integer ≥ 0 is `KTS_ERR_INVALID_OPTION`, named as the API's `viewCacheSize`.
   */
  constructor(capacity: number = DEFAULT_VIEW_CACHE_SIZE) {
    if (!(Number.isSafeInteger(capacity) && capacity >= 0)) {
      throw new ValidationError(`viewCacheSize must be an integer ≥ 0, got ${String(capacity)}`, {
        code: 'KTS_ERR_INVALID_OPTION',
        details: { option: 'viewCacheSize', expected: 'an integer ≥ 0' },
      });
    }
    this.#capacity = capacity;
  }

  /** The rendering of record `id` of `collection` at `revision`, if cached (an older revision's is not). */
  get(collection: string, id: string, revision: string): string | undefined {
    const rendering = this.#collections.get(collection)?.get(id);
    if (rendering === undefined || rendering.revision !== revision) return undefined;
    rendering.referenced = true;
    return rendering.text;
  }

  /** The JSON of `view(entry.record)`: the cached rendering of `entry.revision`, or a new one (then cached). */
  render<T extends StoredRecord>(collection: string, entry: { readonly id: string; readonly revision: string; readonly record: T }, view: (record: T) => unknown): string {
    const cached = this.get(collection, entry.id, entry.revision);
    if (cached !== undefined) return cached;
    const text = jsonText(view(entry.record));
    if (this.#capacity > 0) this.#put(collection, entry.id, { revision: entry.revision, text, referenced: false });
    return text;
  }

  /** How many renderings are cached for `collection`. */
  size(collection: string): number {
    return this.#collections.get(collection)?.size ?? 0;
  }

  /** The page last answered for `key` (a request URL), if kept. */
  page(key: string): RenderedPage | undefined {
    const page = this.#pages.get(key);
    if (page !== undefined) {
      this.#pages.delete(key);
      this.#pages.set(key, page);
    }
    return page;
  }

  /** Keeps `page` as the page answered for `key`, dropping the least recently used pages beyond the bound. */
  keepPage(key: string, page: RenderedPage): void {
    this.#dropPage(key);
    if (page.items.length + 1 > this.#capacity) return;
    this.#pages.set(key, page);
    this.#pageItems += page.items.length + 1;
    while (this.#pageItems > this.#capacity) this.#dropPage(this.#pages.keys().next().value!);
  }

  #dropPage(key: string): void {
    const page = this.#pages.get(key);
    if (page === undefined) return;
    this.#pages.delete(key);
    this.#pageItems -= page.items.length + 1;
  }

  #put(collection: string, id: string, rendering: Rendering): void {
    let renderings = this.#collections.get(collection);
    if (renderings === undefined) this.#collections.set(collection, (renderings = new Map()));
    renderings.delete(id); // a new revision goes to the young end
    // Second chance: the oldest rendering goes unless used since it last came up, then it moves to the young end.
    while (renderings.size >= this.#capacity) {
      const [oldestId, oldest] = renderings.entries().next().value as [string, Rendering];
      renderings.delete(oldestId);
      if (!oldest.referenced) break;
      oldest.referenced = false;
      renderings.set(oldestId, oldest);
    }
    renderings.set(id, rendering);
  }
}
