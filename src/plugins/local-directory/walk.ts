/**
 * Walking a protected directory: regular files (with size, mode and mtime), directories,
 * symbolic links (never followed) and what cannot be backed up (sockets, FIFOs, devices), with
 * exclude globs. Entries are `lstat`ed, so nothing outside the directory is ever reached.
 *
 * @module
 */
import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PluginError } from '../../core/errors.js';
import { asCancelled, forEachLimit } from '../bank-copy/index.js';
import type { ManifestDirectory, ManifestSkipped, ManifestSymlink } from './schemas.js';

/** A regular file found by the walk. */
export interface WalkedFile {
  /** Path relative to the root, `/`-separated. */
  readonly path: string;
  /** Absolute path. */
  readonly absolute: string;
  /** Size when the walk saw it. */
  readonly size: number;
  /** Permission bits. */
  readonly mode: number;
  /** Modification time, epoch milliseconds. */
  readonly mtimeMs: number;
}

/** What a walk found, each list sorted by path. */
export interface WalkResult {
  /** Regular files. */
  readonly files: WalkedFile[];
  /** Directories below the root. */
  readonly directories: ManifestDirectory[];
  /** Symbolic links. */
  readonly symlinks: ManifestSymlink[];
  /** Entries left out because they cannot be backed up. */
  readonly skipped: ManifestSkipped[];
}

/** Options of {@link walkDirectory}. */
export interface WalkOptions {
  /** Exclude globs (see `LocalDirectoryOptions.exclude`). */
  readonly exclude?: readonly string[];
  /** Stops the walk. */
  readonly signal?: AbortSignal;
}

/** Compiles a glob to a regular expression: `**` crosses `/`, `*` and `?` do not. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let at = 0; at < glob.length; at++) {
    const char = glob[at]!;
    if (char === '*' && glob[at + 1] === '*') {
      at++;
      if (glob[at + 1] === '/') {
        at++;
        source += '(?:.*/)?';
      } else {
        source += '.*';
      }
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/gu, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 'u');
}

/** A predicate for exclude globs; a glob without `/` matches the last segment at any depth. */
export function excludeMatcher(globs: readonly string[]): (path: string) => boolean {
  const compiled = globs.map((glob) => ({ regexp: globToRegExp(glob), onName: !glob.includes('/') }));
  return (path) => {
    const name = path.slice(path.lastIndexOf('/') + 1);
    return compiled.some(({ regexp, onName }) => regexp.test(onName ? name : path));
  };
}

function kindOf(stats: Stats): string {
  if (stats.isSocket()) return 'socket';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isBlockDevice()) return 'block-device';
  if (stats.isCharacterDevice()) return 'character-device';
  return 'unknown';
}

const byPath = (a: { path: string }, b: { path: string }): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** Walks `root` (which must be a directory; it may be reached through a symbolic link). */
export async function walkDirectory(root: string, options: WalkOptions = {}): Promise<WalkResult> {
  const rootStats = await stat(root).catch((error: unknown) => {
    throw new PluginError(`Directory ${root} cannot be read: ${(error as Error).message}`, { cause: error, details: { path: root } });
  });
  if (!rootStats.isDirectory()) throw new PluginError(`${root} is not a directory`, { details: { path: root } });
  const excluded = excludeMatcher(options.exclude ?? []);
  const result: WalkResult = { files: [], directories: [], symlinks: [], skipped: [] };
  const pending: string[] = [''];
  while (pending.length > 0) {
    if (options.signal?.aborted) throw asCancelled(options.signal.reason);
    const relative = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = await readdir(join(root, relative), { withFileTypes: true });
    } catch (error) {
      throw new PluginError(`Directory ${relative === '' ? root : relative} cannot be listed: ${(error as Error).message}`, { cause: error, details: { path: relative } });
    }
    const wanted = entries.map((entry) => (relative === '' ? entry.name : `${relative}/${entry.name}`)).filter((path) => !excluded(path));
    await forEachLimit(wanted, { concurrency: 16, ...(options.signal === undefined ? {} : { signal: options.signal }) }, async (path) => {
      const absolute = join(root, path);
      let stats: Stats;
      try {
        stats = await lstat(absolute);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return void result.skipped.push({ path, kind: 'vanished' });
        throw error;
      }
      const mode = stats.mode & 0o7777;
      if (stats.isFile()) result.files.push({ path, absolute, size: stats.size, mode, mtimeMs: stats.mtimeMs });
      else if (stats.isDirectory()) {
        result.directories.push({ path, mode });
        pending.push(path);
      } else if (stats.isSymbolicLink()) result.symlinks.push({ path, target: await readlink(absolute) });
      else result.skipped.push({ path, kind: kindOf(stats) });
    });
  }
  for (const list of [result.files, result.directories, result.symlinks, result.skipped]) list.sort(byPath);
  return result;
}
