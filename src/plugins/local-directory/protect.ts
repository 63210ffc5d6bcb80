/**
 * Protect: walk the directory, stream every regular file into the resource's bank section as
 * `files/<n>` (n = the file's position in the sorted walk) while computing its md5 and sha256
 * in the same pass (on a worker thread, see `hash-worker.ts`), then write `manifest.json` last. A backup without a manifest is
 * incomplete by definition, so an interrupted protect never looks done.
 *
 * Key scheme: positional keys (`files/<n>`) rather than content addresses (`data/<sha256>`),
 * because a content address is only known once the file was read — it would cost a second
 * read or a server-side rename the bank does not have. The manifest maps paths to keys, so
 * restore and verify never depend on listing order. (Identical files are stored once each.)
 *
 * @module
 */
import { createReadStream } from 'node:fs';
import { BankError, PluginError, isCancellation, isFrameworkError, messageOf, rootCause } from '../../core/errors.js';
import type { Operation, ProtectContext } from '../../core/operation.js';
import { asCancelled, deleteKeys, forEachLimit, lazyBody, listAllKeys } from '../bank-copy/index.js';
import { hashOffThread } from './hash-worker.js';
import { MANIFEST_FORMAT, MANIFEST_KEY, type LocalDirectoryOptions, type Manifest, type ManifestFile, type ManifestSkipped } from './schemas.js';
import { walkDirectory, type WalkedFile } from './walk.js';

/** What protect, verify, restore and delete share. */
export interface LocalDirectorySettings {
  /** Resource id (configured name) → absolute path. */
  readonly directories: Readonly<Record<string, string>>;
  /** Files moved at once. */
  readonly concurrency: number;
  /** Read size for files, in bytes. */
  readonly chunkSize: number;
}

/** The path configured for a resource id; a `KTS_ERR_PLUGIN_OPERATION_FAILED` error when none is. */
export function directoryOf(settings: LocalDirectorySettings, id: string): string {
  const path = Object.hasOwn(settings.directories, id) ? settings.directories[id] : undefined;
  if (path === undefined) throw new PluginError(`No local directory is configured under the name ${JSON.stringify(id)}`, { details: { id } });
  return path;
}

/** Streams one file into the bank; `undefined` if it vanished since the walk. */
async function storeFile(context: ProtectContext, settings: LocalDirectorySettings, file: WalkedFile, key: string, signal: AbortSignal): Promise<ManifestFile | undefined> {
  const source = lazyBody(() => createReadStream(file.absolute, { highWaterMark: settings.chunkSize, signal }));
  const hashing = hashOffThread(source.body, { onBytes: (bytes) => context.progress.addBytes(bytes) });
  let stored;
  try {
    stored = await context.bank.putObject(key, hashing.stream, { signal });
  } catch (error) {
    if (isCancellation(error) || signal.aborted) throw asCancelled(signal.reason ?? error);
    const errno = (isFrameworkError(error) ? rootCause(error) : error) as NodeJS.ErrnoException | undefined;
    if (errno?.code === 'ENOENT') return undefined;
    throw new PluginError(`File ${file.path} (${key}) could not be stored: ${messageOf(error)}`, { cause: error, details: { path: file.path, key } });
  } finally {
    // Whatever the bank did with the body, end both stages so the file and the hashing job close.
    void hashing.stream.return(undefined).catch(() => undefined);
    source.close();
  }
  const digest = await hashing.result();
  if (stored.etag !== digest.md5 || stored.size !== digest.size) {
    throw new BankError(`File ${file.path} (${key}): read ${digest.size} bytes with md5 ${digest.md5}, but the bank recorded ${stored.size} bytes with md5 ${stored.etag}`, {
      code: 'KTS_ERR_BANK_INTEGRITY',
      details: { path: file.path, key, expected: digest.md5, found: stored.etag },
    });
  }
  if (digest.size !== file.size) context.logger.warn('File changed size while it was backed up', { path: file.path, walked: file.size, stored: digest.size });
  return { path: file.path, key, size: digest.size, mode: file.mode, mtime: new Date(file.mtimeMs).toISOString(), md5: digest.md5, sha256: digest.sha256 };
}

/** The protect operation of one directory resource. */
export function createProtectOperation(settings: LocalDirectorySettings): Operation<ProtectContext<LocalDirectoryOptions>> {
  return {
    async onMain(context) {
      const root = directoryOf(settings, context.resource.id);
      const { signal } = context;
      const walk = await walkDirectory(root, { exclude: context.parameters.exclude ?? [], signal });
      context.progress.addTotalBytes(walk.files.reduce((sum, file) => sum + file.size, 0));
      const stored: (ManifestFile | undefined)[] = new Array(walk.files.length);
      let done = 0;
      await forEachLimit(walk.files, { concurrency: settings.concurrency, signal }, async (file, index, stop) => {
        stored[index] = await storeFile(context, settings, file, `files/${index}`, stop);
        context.progress.fraction(++done / walk.files.length);
      });
      const files: ManifestFile[] = [];
      const skipped: ManifestSkipped[] = [...walk.skipped];
      stored.forEach((file, index) => (file === undefined ? skipped.push({ path: walk.files[index]!.path, kind: 'vanished' }) : files.push(file)));
      const manifest: Manifest = {
        format: MANIFEST_FORMAT,
        resource: { id: context.resource.id, path: root },
        createdAt: new Date().toISOString(),
        files,
        directories: walk.directories,
        symlinks: walk.symlinks,
        skipped,
        totals: {
          files: files.length,
          bytes: files.reduce((sum, file) => sum + file.size, 0),
          directories: walk.directories.length,
          symlinks: walk.symlinks.length,
        },
      };
      if (signal.aborted) throw asCancelled(signal.reason);
      await context.bank.putJson(MANIFEST_KEY, manifest);
      context.logger.info('Directory protected', { path: root, ...manifest.totals, skipped: skipped.length });
    },

    async onRevert(context) {
      const keys = await listAllKeys(context.bank);
      await deleteKeys(context.bank, keys, { concurrency: settings.concurrency, isMetadata: (key) => key === MANIFEST_KEY });
    },
  };
}
