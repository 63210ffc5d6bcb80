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

/** Whether a directory with these entries holds an object (its sidecar, a regular file). */
function listsSidecar(entries: readonly Dirent[]): boolean {
  return entries.some((entry) => entry.name === META_FILE && entry.isFile());
}

/** Whether `directory` holds an object, without reading the whole directory. */
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

/**
 * Calls `visit` with the keys under `root` that match `options` (prefix, marker, order), in
 * order, until it answers `false`. An object directory the walk descends into is read once: its
 * entries tell whether it holds an object (its sidecar) and what lies below it (before, a `stat`
 * of the sidecar came on top of that `readdir`). A plain recursive function,
 * not an async generator: a key passes no chain of `yield*` on its way out.
 */
export async function walkKeys(root: string, options: ListOptions, visit: (key: string) => boolean): Promise<void> {
  const prefix = options.prefix ?? '';
  const order = options.order ?? 'asc';
  const cut = prefix.lastIndexOf('/');
  const base = cut < 0 ? '' : prefix.slice(0, cut);
  const baseDirectory = base === '' ? root : join(root, ...base.split('/').map(encodeSegment));
  const mayDescend = (below: string): boolean =>
    (below.startsWith(prefix) || prefix.startsWith(below)) && belowMayPassMarker(below, options.marker, order);
  await walk(baseDirectory, base === '' ? '' : `${base}/`, await entriesOf(baseDirectory));

  /** Walks `directory` (whose entries are given); false once `visit` asked to stop. */
  async function walk(directory: string, keyPrefix: string, entries: readonly Dirent[]): Promise<boolean> {
    const items: Item[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const segment = decodeName(entry.name);
      if (segment === undefined) continue;
      const key = keyPrefix + segment;
      const child = join(directory, entry.name);
      items.push({ sortKey: key, key, directory: child, below: false });
      items.push({ sortKey: `${key}/`, key, directory: child, below: true });
    }
    items.sort(order === 'desc' ? (a, b) => compareKeys(b.sortKey, a.sortKey) : (a, b) => compareKeys(a.sortKey, b.sortKey));
    // Entries read for an object, kept for the walk below it (which comes later in the order).
    const read = new Map<string, Dirent[]>();
    for (const item of items) {
      if (item.below) {
        if (!mayDescend(item.sortKey)) continue;
        const children = read.get(item.directory) ?? (await entriesOf(item.directory));
        read.delete(item.directory);
        if (!(await walk(item.directory, item.sortKey, children))) return false;
      } else if (item.key.startsWith(prefix) && isPastMarker(item.key, options.marker, order)) {
        let holds: boolean;
        if (mayDescend(`${item.key}/`)) {
          const children = await entriesOf(item.directory);
          read.set(item.directory, children);
          holds = listsSidecar(children);
        } else {
          holds = await holdsObject(item.directory);
        }
        if (holds && !visit(item.key)) return false;
      }
    }
    return true;
  }
}
