/**
 * The local-directory plugin: protects named directories of the local filesystem into the
 * bank, for the embedded default service and as a complete example of a bank-backed plugin
 * with every optional operation — verify at three levels and copy.
 *
 * Resource type `OS::Local::Directory`; resource id = the configured name, name = the name,
 * `extraInfo.path` = the path. Only configured directories can be protected: the path always
 * comes from the plugin's configuration, never from a request.
 *
 * What is backed up: regular files (content, mode, mtime), directories (including empty ones,
 * with their modes), symbolic links (as links). Out of scope: owners and groups, extended
 * attributes and ACLs, hard-link identity (each link is stored as its own file), sparse
 * regions, and special files (sockets, FIFOs, devices — listed in the manifest as skipped).
 *
 * @module
 */
import { isAbsolute } from 'node:path';
import { NotFoundError } from '../../core/errors.js';
import type { CopyOperation, ProtectablePlugin, ProtectionPlugin, VerificationOperation } from '../../core/plugin.js';
import type { Resource } from '../../core/resource.js';
import { invalidOption } from '../../core/errors.js';
import { deleteAndCopyOperations } from '../manifest-backup/plugin.js';
import { createProtectOperation, type LocalDirectorySettings } from './protect.js';
import { createRestoreOperation } from './restore.js';
import { COPY_SCHEMA, LOCAL_DIRECTORY_TYPE, MANIFEST_KEY, MANIFEST_SCHEMA, OPTIONS_SCHEMA, RESTORE_SCHEMA, VERIFY_SCHEMA } from './schemas.js';
import { createVerifyOperation } from './verify.js';

/** Options of {@link createLocalDirectoryPlugin}. */
export interface LocalDirectoryPluginOptions {
  /** The directories that may be protected: name (the resource id) → absolute path. */
  readonly directories: Readonly<Record<string, string>>;
  /** Files (or objects) moved at once by every operation. @default 4 */
  readonly concurrency?: number;
  /** Read size for files, in bytes (memory stays near `concurrency × chunkSize`). @default 1 MiB */
  readonly chunkSize?: number;
  /** The protection plugin's name. @default `local-directory` */
  readonly name?: string;
}

/** The two plugins {@link createLocalDirectoryPlugin} returns. */
export interface LocalDirectoryPlugins {
  /** Protect, restore, delete, verify (presence, checksum, full) and copy. */
  readonly protection: ProtectionPlugin & VerificationOperation & CopyOperation;
  /** Lists the configured directories. */
  readonly protectable: ProtectablePlugin;
}

function settingsOf(options: LocalDirectoryPluginOptions): LocalDirectorySettings {
  const { directories, concurrency = 4, chunkSize = 1024 * 1024 } = options ?? {};
  if (typeof directories !== 'object' || directories === null) throw invalidOption('directories', 'an object of name → absolute path', directories);
  for (const [name, path] of Object.entries(directories)) {
    if (name === '') throw invalidOption('directories', 'keyed by non-empty names', name);
    if (typeof path !== 'string' || !isAbsolute(path)) throw invalidOption(`directories.${name}`, 'an absolute path', path);
  }
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw invalidOption('concurrency', 'an integer ≥ 1', concurrency);
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1024) throw invalidOption('chunkSize', 'an integer ≥ 1024 (bytes)', chunkSize);
  return { directories: Object.freeze({ ...directories }), concurrency, chunkSize };
}

/** Creates the local-directory protection and protectable plugins over `options.directories`. */
export function createLocalDirectoryPlugin(options: LocalDirectoryPluginOptions): LocalDirectoryPlugins {
  const settings = settingsOf(options);
  const name = options.name ?? 'local-directory';
  const resourceOf = (id: string): Resource => ({ type: LOCAL_DIRECTORY_TYPE, id, name: id, extraInfo: { path: settings.directories[id] } });

  const protection: ProtectionPlugin & VerificationOperation & CopyOperation = {
    name,
    version: '0.1.0',
    description: 'Backs up named local directories into the bank; verifies at presence, checksum or full level; copies between banks.',
    resourceTypes: {
      [LOCAL_DIRECTORY_TYPE]: { options: OPTIONS_SCHEMA, restore: RESTORE_SCHEMA, verify: VERIFY_SCHEMA, copy: COPY_SCHEMA, savedInfo: MANIFEST_SCHEMA },
    },
    verificationLevels: ['presence', 'checksum', 'full'],
    getProtectOperation: () => createProtectOperation(settings),
    getRestoreOperation: () => createRestoreOperation(settings),
    getVerifyOperation: () => createVerifyOperation(settings),
    ...deleteAndCopyOperations({ manifestKey: MANIFEST_KEY, concurrency: settings.concurrency, deletedMessage: 'Directory backup deleted' }),
  };

  const protectable: ProtectablePlugin = {
    name,
    resourceType: LOCAL_DIRECTORY_TYPE,
    parentResourceTypes: [],
    async listResources() {
      return Object.keys(settings.directories).sort().map(resourceOf);
    },
    async showResource(_context, id) {
      if (!Object.hasOwn(settings.directories, id)) {
        throw new NotFoundError(`No local directory is configured under the name ${JSON.stringify(id)}`, { details: { type: LOCAL_DIRECTORY_TYPE, id } });
      }
      return resourceOf(id);
    },
    async getDependentResources() {
      return [];
    },
  };
  return { protection, protectable };
}
