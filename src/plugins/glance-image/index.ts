/**
 * The Glance image plugin (`OS::Glance::Image`): images streamed from Glance into the bank as
 * fixed-size chunk objects plus a manifest with each chunk's md5 and sha256 and Glance's
 * digests; verified at presence, checksum (the bank's etags — Swift's ETags on a Swift bank)
 * or full level (re-read and re-hashed against Glance's `checksum` and `os_hash_value`); copied
 * between banks; restored into a new image whose Glance checksum is checked.
 *
 * @module
 */
/** The factory and its options. */
export { createGlanceImagePlugin, imageResource, type GlanceImagePluginOptions, type GlanceImagePlugins } from './plugin.js';
/** The resource type, the schemas and the manifest format. */
export {
  CHUNK_PREFIX,
  COPY_SCHEMA,
  DEFAULT_CHUNK_SIZE,
  GLANCE_IMAGE_TYPE,
  MANIFEST_FORMAT,
  MANIFEST_KEY,
  MANIFEST_SCHEMA,
  MAX_CHUNK_SIZE,
  MIN_CHUNK_SIZE,
  NOVA_SERVER_TYPE,
  OPTIONS_SCHEMA,
  RESTORE_SCHEMA,
  VERIFY_SCHEMA,
  chunkKey,
  type GlanceImageOptions,
  type GlanceImageRestoreParameters,
  type Manifest,
  type ManifestChunk,
  type ManifestImage,
} from './schemas.js';
/** Reading a manifest back, checked. */
export { canHash, readImageManifest, type ReadImageManifestOptions } from './manifest.js';
/** What verification reports about a damaged chunk. */
export { chunkDamageError, describeChunkDamage, type ChunkDamage } from './verify.js';
/** Chunking and custom properties (for tools built on the same layout). */
export { customProperties, fixedChunks, type GlanceImageSettings } from './protect.js';
