/**
 * Lists the filesystem bank in key order without reading the whole tree: a lazy walk that
 * visits only directories that can hold keys matching the prefix and lying past the marker.
 *
 * Order: inside a directory, the object named by an entry `s` sorts as `s`, and everything
 * below it as `s/…`; sorting those sort keys in UTF-8 byte order and walking depth-first gives
 * the keys in UTF-8 byte order (`a`, `a!`, `a-c`, `a/b`, and not `a`, `a/b`, `a!`).
 *
 * @module
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ListOptions } from '../../core/bank-section.js';
import { compareKeys } from '../keys.js';
import { isPastMarker } from '../listing.js';
import { META_FILE, decodeName, encodeSegment } from './fs-layout.js';

interface Item {
  /** What the item sorts by: the key for an object, `key/` for what lies below it. */
  readonly sortKey: string;
  readonly key: string;
  readonly directory: string;
  readonly below: boolean;
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function entriesOf(directory: string): Promise<Dirent[]> {
  try {
    return await readdir(directory, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

async function holdsObject(directory: string): Promise<boolean> {
  try {
    return (await stat(join(directory, META_FILE))).isFile();
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

/** Whether keys starting with `below` (`key/`) can still lie past the marker. */
function belowMayPassMarker(below: string, marker: string | undefined, order: 'asc' | 'desc'): boolean {
  if (marker === undefined) return true;
  const compared = compareKeys(below, marker);
  return order === 'desc' ? compared <= 0 : compared >= 0 || marker.startsWith(below);
}

/** Yields the keys under `root` that match `options` (prefix, marker, order), in order. */
export async function* walkKeys(root: string, options: ListOptions = {}): AsyncGenerator<string> {
  const prefix = options.prefix ?? '';
  const order = options.order ?? 'asc';
  const cut = prefix.lastIndexOf('/');
  const base = cut < 0 ? '' : prefix.slice(0, cut);
  const baseDirectory = base === '' ? root : join(root, ...base.split('/').map(encodeSegment));
  yield* walk(baseDirectory, base === '' ? '' : `${base}/`);

  async function* walk(directory: string, keyPrefix: string): AsyncGenerator<string> {
    const items: Item[] = [];
    for (const entry of await entriesOf(directory)) {
      if (!entry.isDirectory()) continue;
      const segment = decodeName(entry.name);
      if (segment === undefined) continue;
      const key = keyPrefix + segment;
      const child = join(directory, entry.name);
      items.push({ sortKey: key, key, directory: child, below: false });
      items.push({ sortKey: `${key}/`, key, directory: child, below: true });
    }
    items.sort(order === 'desc' ? (a, b) => compareKeys(b.sortKey, a.sortKey) : (a, b) => compareKeys(a.sortKey, b.sortKey));
    for (const item of items) {
      if (item.below) {
        const below = item.sortKey;
        if (!below.startsWith(prefix) && !prefix.startsWith(below)) continue;
        if (!belowMayPassMarker(below, options.marker, order)) continue;
        yield* walk(item.directory, below);
      } else if (item.key.startsWith(prefix) && isPastMarker(item.key, options.marker, order) && (await holdsObject(item.directory))) {
        yield item.key;
      }
    }
  }
}
