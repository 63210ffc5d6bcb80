/**
 * The Glance image plugin's resource type, its parameter schemas and its manifest format.
 *
 * The manifest (`manifest.json` in the resource's section, written last by protect) is the
 * saved info of a protected image: the image's metadata needed to recreate it, Glance's
 * digests (`checksum`, `os_hash_algo`, `os_hash_value`), the digests computed while streaming
 * (the whole image's md5 and, when Node knows the algorithm, its `os_hash_algo` hash), and per
 * chunk object its key, offset, size, md5 (what the bank reports as its etag) and sha256.
 *
 * @module
 */
import type { JsonSchema } from '../../core/schema.js';

/** The resource type the plugin protects. */
export const GLANCE_IMAGE_TYPE = 'OS::Glance::Image';

/** The parent type whose instances list images as dependents (a server boots from an image). */
export const NOVA_SERVER_TYPE = 'OS::Nova::Server';

/** The manifest's key in the resource's section. */
export const MANIFEST_KEY = 'manifest.json';

/** The manifest format tag. */
export const MANIFEST_FORMAT = 'karbor-ts.glance-image/1';

/** The key prefix of chunk objects: `chunks/000000`, `chunks/000001`, … */
export const CHUNK_PREFIX = 'chunks/';

const MiB = 1024 * 1024;

/**
 * The default chunk size: 8 MiB. It equals the Swift bank driver's default `sloThreshold`, so
 * on Swift every chunk is one plain object whose ETag is Swift's own md5 of the bytes (checked
 * by Swift on upload and by its auditor at rest) — the etag the checksum level compares; larger
 * chunks would become static large objects, whose ETag is not the content's md5. Memory stays
 * near two chunks (the one being filled, the one being stored).
 */
export const DEFAULT_CHUNK_SIZE = 8 * MiB;

/** The smallest chunk size accepted (64 KiB). */
export const MIN_CHUNK_SIZE = 64 * 1024;

/** The largest chunk size accepted (1 GiB; memory holds up to two chunks). */
export const MAX_CHUNK_SIZE = 1024 * MiB;

/** One chunk object of a manifest. */
export interface ManifestChunk {
  /** The chunk's position, from 0. */
  readonly index: number;
  /** The object holding its bytes (`chunks/<index, 6 digits>`). */
  readonly key: string;
  /** Its first byte's offset in the image. */
  readonly offset: number;
  /** Bytes. */
  readonly size: number;
  /** Hex md5 of the chunk (the bank's etag of the object). */
  readonly md5: string;
  /** Hex sha256 of the chunk (re-checked by full verification and by restore). */
  readonly sha256: string;
}

/** The image metadata a restore needs, and Glance's digests of its data. */
export interface ManifestImage {
  /** The protected image's id. */
  readonly id: string;
  /** Its name (`null` when it had none). */
  readonly name: string | null;
  /** Disk format (`raw`, `qcow2`, …). */
  readonly disk_format: string | null;
  /** Container format (`bare`, `ovf`, …). */
  readonly container_format: string | null;
  /** Visibility (`private`, `shared`, `community`, `public`). */
  readonly visibility: string;
  /** Minimum disk (GiB). */
  readonly min_disk: number;
  /** Minimum RAM (MiB). */
  readonly min_ram: number;
  /** Whether it was protected from deletion (recorded, not restored). */
  readonly protected: boolean;
  /** Tags. */
  readonly tags: readonly string[];
  /** Custom properties (string values; Glance's own fields left out). */
  readonly properties: Readonly<Record<string, string>>;
  /** Data size in bytes, as Glance reported it. */
  readonly size: number;
  /** Glance's md5 of the data (hex). */
  readonly checksum: string;
  /** Glance's secure-hash algorithm (`sha512` by default), or `null`. */
  readonly os_hash_algo: string | null;
  /** Glance's secure hash of the data (hex), or `null`. */
  readonly os_hash_value: string | null;
}

/** The manifest of one protected image. */
export interface Manifest {
  /** {@link MANIFEST_FORMAT}. */
  readonly format: typeof MANIFEST_FORMAT;
  /** The image. */
  readonly image: ManifestImage;
  /** When protect wrote the manifest (ISO 8601). */
  readonly createdAt: string;
  /** The chunk size used (every chunk but the last has this size). */
  readonly chunkSize: number;
  /** The chunk objects, in image order. */
  readonly chunks: readonly ManifestChunk[];
  /** The digests of the whole image, computed while streaming it from Glance. */
  readonly digests: {
    /** Hex md5 (equal to `image.checksum`, or protect failed). */
    readonly md5: string;
    /** Hex `image.os_hash_algo` hash, when Node supports the algorithm (equal to `image.os_hash_value`, or protect failed). */
    readonly osHashValue?: string;
  };
  /** Counts and bytes. */
  readonly totals: { readonly chunks: number; readonly bytes: number };
}

const hex32 = { type: 'string', pattern: '^[0-9a-f]{32}$' } as const;
const hex64 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const count = { type: 'integer', minimum: 0 } as const;
const nullableString = { type: ['string', 'null'] } as const;

/** JSON schema of {@link Manifest}; also the plugin's saved-info schema. */
export const MANIFEST_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['format', 'image', 'createdAt', 'chunkSize', 'chunks', 'digests', 'totals'],
  properties: {
    format: { const: MANIFEST_FORMAT },
    image: {
      type: 'object',
      required: ['id', 'name', 'disk_format', 'container_format', 'visibility', 'min_disk', 'min_ram', 'protected', 'tags', 'properties', 'size', 'checksum', 'os_hash_algo', 'os_hash_value'],
      properties: {
        id: { type: 'string', minLength: 1 },
        name: nullableString,
        disk_format: nullableString,
        container_format: nullableString,
        visibility: { type: 'string' },
        min_disk: count,
        min_ram: count,
        protected: { type: 'boolean' },
        tags: { type: 'array', items: { type: 'string' } },
        properties: { type: 'object', additionalProperties: { type: 'string' } },
        size: count,
        checksum: hex32,
        os_hash_algo: nullableString,
        os_hash_value: nullableString,
      },
    },
    createdAt: { type: 'string' },
    chunkSize: { type: 'integer', minimum: MIN_CHUNK_SIZE, maximum: MAX_CHUNK_SIZE },
    chunks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'key', 'offset', 'size', 'md5', 'sha256'],
        properties: {
          index: count,
          key: { type: 'string', pattern: '^chunks/[0-9]{6,}$' },
          offset: count,
          size: count,
          md5: hex32,
          sha256: hex64,
        },
      },
    },
    digests: { type: 'object', required: ['md5'], properties: { md5: hex32, osHashValue: { type: 'string' } } },
    totals: { type: 'object', required: ['chunks', 'bytes'], properties: { chunks: count, bytes: count } },
  },
};

/** Protect options. (A type, not an interface, so it fits `Record<string, unknown>`.) */
export type GlanceImageOptions = {
  /** Bytes per chunk object. @default {@link DEFAULT_CHUNK_SIZE} */
  readonly chunk_size?: number;
};

/** JSON schema of {@link GlanceImageOptions}. */
export const OPTIONS_SCHEMA: JsonSchema = {
  type: 'object',
  properties: { chunk_size: { type: 'integer', minimum: MIN_CHUNK_SIZE, maximum: MAX_CHUNK_SIZE, default: DEFAULT_CHUNK_SIZE } },
  additionalProperties: false,
};

/** Restore parameters. */
export type GlanceImageRestoreParameters = {
  /** The new image's name; when absent, the saved name followed by `name_suffix`. */
  readonly name?: string;
  /** Appended to the saved name when `name` is absent. @default `-restored` */
  readonly name_suffix?: string;
  /** The new image's visibility. @default the saved one */
  readonly visibility?: 'public' | 'private' | 'shared' | 'community';
};

/** JSON schema of {@link GlanceImageRestoreParameters}. */
export const RESTORE_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255 },
    name_suffix: { type: 'string', maxLength: 64, default: '-restored' },
    visibility: { enum: ['public', 'private', 'shared', 'community'] },
  },
  additionalProperties: false,
};

/** JSON schema of verify parameters: none (the level comes with the request). */
export const VERIFY_SCHEMA: JsonSchema = { type: 'object', properties: {}, additionalProperties: false };

/** JSON schema of copy parameters: none. */
export const COPY_SCHEMA: JsonSchema = { type: 'object', properties: {}, additionalProperties: false };

/** The key of chunk `index`. */
export function chunkKey(index: number): string {
  return `${CHUNK_PREFIX}${String(index).padStart(6, '0')}`;
}
