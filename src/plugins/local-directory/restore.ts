/**
 * Restore: recreate the protected directory under `target_path` from the manifest —
 * directories first (owner-writable while filling), then files (each verified by sha256 while
 * written, see `restore-file.ts`), then symbolic links (created as links, never followed),
 * then directory modes, deepest first. Without `overwrite`, a target that already holds any
 * path to restore is refused before anything is written. The restored directory is recorded
 * in `ctx.newResources`; a revert removes what this restore created (files, links, and
 * directories it made that are empty again), never what was there before.
 *
 * @module
 */
import { chmod, lstat, mkdir, realpath, rmdir, symlink, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PluginError, ValidationError, createFrameworkError, isCancellation, isFrameworkError, messageOf } from '../../core/errors.js';
import type { Operation, RestoreContext } from '../../core/operation.js';
import { resourceKey } from '../../core/resource.js';
import { forEachLimit } from '../bank-copy/index.js';
import { readManifest } from './manifest.js';
import type { LocalDirectorySettings } from './protect.js';
import { assertInside, exists, restoreFile, safeJoin, type RestoreTarget } from './restore-file.js';
import { LOCAL_DIRECTORY_TYPE, type LocalDirectoryRestoreParameters, type Manifest } from './schemas.js';

/** What one restore created, for its revert. */
interface Created {
  readonly paths: string[];
  readonly directories: string[];
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

async function refuseExisting(target: RestoreTarget, manifest: Manifest, signal: AbortSignal): Promise<void> {
  const clashes: string[] = [];
  const paths = [...manifest.files, ...manifest.symlinks].map((entry) => entry.path);
  await forEachLimit(paths, { concurrency: 16, signal }, async (path) => {
    if (await exists(safeJoin(target.path, path))) clashes.push(path);
  });
  if (clashes.length === 0) return;
  clashes.sort();
  const shown = clashes.slice(0, 10).join(', ');
  throw new ValidationError(
    `The restore target ${target.path} already holds ${clashes.length} of the paths to restore (${shown}${clashes.length > 10 ? ', …' : ''}); pass overwrite: true to replace them`,
    { details: { target: target.path, existing: clashes } },
  );
}

async function makeDirectories(target: RestoreTarget, manifest: Manifest, created: Created): Promise<void> {
  for (const directory of manifest.directories) {
    const path = safeJoin(target.path, directory.path);
    try {
      await mkdir(path, { mode: 0o700 });
      created.directories.push(path);
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') throw error;
      if (!(await lstat(path)).isDirectory()) throw new PluginError(`Cannot restore directory ${directory.path}: something else is in the way`, { details: { path: directory.path } });
    }
  }
}

async function makeSymlinks(target: RestoreTarget, manifest: Manifest, created: Created): Promise<void> {
  for (const link of manifest.symlinks) {
    const path = safeJoin(target.path, link.path);
    await assertInside(target, dirname(path), link.path);
    let replaced = false;
    if (target.overwrite && (await exists(path))) {
      if ((await lstat(path)).isDirectory()) throw new PluginError(`Cannot restore link ${link.path}: a directory is in the way`, { details: { path: link.path } });
      await unlink(path);
      replaced = true;
    }
    await symlink(link.target, path);
    if (!replaced) created.paths.push(path);
  }
}

/** Names the file in an error that does not already (cancellations pass through). */
function explain(error: unknown, path: string, key: string): unknown {
  if (isCancellation(error) || (isFrameworkError(error) && (error.details as { path?: unknown }).path === path)) return error;
  const code = isFrameworkError(error) ? error.code : 'KTS_ERR_PLUGIN_OPERATION_FAILED';
  return createFrameworkError(code, `File ${path} (${key}) could not be restored: ${messageOf(error)}`, { details: { path, key }, cause: error });
}

/** The directories from `ancestor` down to `path` (both included), parents first. */
function chain(ancestor: string, path: string): string[] {
  const paths = [path];
  for (let current = path; current !== ancestor && dirname(current) !== current; ) paths.unshift((current = dirname(current)));
  return paths;
}

/** The restore operation of one directory resource. */
export function createRestoreOperation(settings: LocalDirectorySettings): Operation<RestoreContext<LocalDirectoryRestoreParameters>> {
  const runs = new Map<string, Created>();
  return {
    async onMain(context) {
      const { signal, progress } = context;
      const targetPath = context.parameters.target_path;
      if (typeof targetPath !== 'string' || !targetPath.startsWith('/')) {
        throw new ValidationError('Restore parameter target_path must be an absolute path', { details: { target_path: targetPath } });
      }
      const manifest = await readManifest(context.bank, { resourceId: context.resource.id });
      const created: Created = { paths: [], directories: [] };
      runs.set(targetPath, created);
      const firstMade = await mkdir(targetPath, { recursive: true });
      if (firstMade !== undefined) created.directories.push(...chain(firstMade, targetPath));
      const target: RestoreTarget = { path: targetPath, real: await realpath(targetPath), overwrite: context.parameters.overwrite === true };
      if (!target.overwrite) await refuseExisting(target, manifest, signal);
      await makeDirectories(target, manifest, created);
      progress.addTotalBytes(manifest.files.reduce((sum, file) => sum + file.size, 0));
      let done = 0;
      await forEachLimit(manifest.files, { concurrency: settings.concurrency, signal }, async (file, _index, stop) => {
        const made = await restoreFile(context.bank, target, file, { signal: stop, onBytes: (bytes) => progress.addBytes(bytes) }).catch((error: unknown) => {
          throw explain(error, file.path, file.key);
        });
        if (made) created.paths.push(safeJoin(target.path, file.path));
        progress.fraction(++done / manifest.files.length);
      });
      await makeSymlinks(target, manifest, created);
      for (const directory of [...manifest.directories].reverse()) await chmod(safeJoin(target.path, directory.path), directory.mode);
      context.newResources.set(resourceKey(context.resource), {
        type: LOCAL_DIRECTORY_TYPE,
        id: targetPath,
        name: context.resource.name ?? context.resource.id,
        extraInfo: { path: targetPath, restoredFrom: context.resource.id, files: manifest.files.length, bytes: manifest.totals.bytes },
      });
      context.logger.info('Directory restored', { target: targetPath, files: manifest.files.length, bytes: manifest.totals.bytes });
    },

    async onRevert(context) {
      const targetPath = context.parameters.target_path;
      const created = runs.get(targetPath);
      if (created === undefined) return;
      for (const directory of created.directories) await chmod(directory, 0o700).catch(() => undefined);
      for (const path of created.paths) {
        await unlink(path).catch((error: unknown) => {
          if (errnoOf(error) !== 'ENOENT') throw error;
        });
      }
      for (const directory of [...created.directories].reverse()) {
        await rmdir(directory).catch((error: unknown) => {
          if (!['ENOENT', 'ENOTEMPTY', 'EEXIST'].includes(errnoOf(error) ?? '')) throw error;
        });
      }
      runs.delete(targetPath);
    },
  };
}
