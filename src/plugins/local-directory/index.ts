/**
 * The local-directory plugin (`OS::Local::Directory`): named local directories protected into
 * the bank as one object per file plus a manifest, verified at presence, checksum or full
 * level, copied between banks, restored with every file's sha256 checked.
 *
 * @module
 */
/** The factory and its options. */
export { createLocalDirectoryPlugin, type LocalDirectoryPluginOptions, type LocalDirectoryPlugins } from './plugin.js';
/** The resource type, the schemas and the manifest format. */
export {
  COPY_SCHEMA,
  LOCAL_DIRECTORY_TYPE,
  MANIFEST_FORMAT,
  MANIFEST_KEY,
  MANIFEST_SCHEMA,
  OPTIONS_SCHEMA,
  RESTORE_SCHEMA,
  VERIFY_SCHEMA,
  type LocalDirectoryOptions,
  type LocalDirectoryRestoreParameters,
  type Manifest,
  type ManifestDirectory,
  type ManifestFile,
  type ManifestSkipped,
  type ManifestSymlink,
} from './schemas.js';
/** Reading a manifest back, checked. */
export { readManifest, type ReadManifestOptions } from './manifest.js';
/** What verification reports about a damaged file. */
export { damageError, describeDamage, type Damage } from './verify.js';
