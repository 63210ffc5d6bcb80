/**
 * The local-directory plugin's resource type, its parameter schemas and its manifest format.
 *
 * The manifest (`manifest.json` in the resource's section, written last by protect) is the
 * saved info of a protected directory: every regular file with its relative path, the object
 * key holding its bytes, size, mode, mtime, md5 and sha256; the directories (so empty ones and
 * their modes come back); the symbolic links (restored as links, never followed); what was
 * skipped (sockets, FIFOs, devices, files that vanished during the walk); and totals.
 *
 * @module
 */
import type { JsonSchema } from '../../core/schema.js';

/** The resource type the plugin protects. */
export const LOCAL_DIRECTORY_TYPE = 'OS::Local::Directory';

/** The manifest's key in the resource's section. */
export const MANIFEST_KEY = 'manifest.json';

/** The manifest format tag. */
export const MANIFEST_FORMAT = 'karbor-ts.local-directory/1';

/** One regular file of a manifest. */
export interface ManifestFile {
  /** Path relative to the protected directory, `/`-separated. */
  readonly path: string;
  /** The object holding its bytes (`files/<n>`). */
  readonly key: string;
  /** Bytes. */
  readonly size: number;
  /** Permission bits (`mode & 0o7777`). */
  readonly mode: number;
  /** Last modification (ISO 8601). */
  readonly mtime: string;
  /** Hex md5 of the content (what the bank reports as the object's etag). */
  readonly md5: string;
  /** Hex sha256 of the content (re-checked by full verification and by restore). */
  readonly sha256: string;
}

/** One directory of a manifest (the protected directory itself is not listed). */
export interface ManifestDirectory {
  /** Path relative to the protected directory. */
  readonly path: string;
  /** Permission bits. */
  readonly mode: number;
}

/** One symbolic link of a manifest. */
export interface ManifestSymlink {
  /** Path relative to the protected directory. */
  readonly path: string;
  /** The link's target, as stored in the link (not resolved). */
  readonly target: string;
}

/** Something the walk left out, and why. */
export interface ManifestSkipped {
  /** Path relative to the protected directory. */
  readonly path: string;
  /** `socket`, `fifo`, `block-device`, `character-device`, `vanished` or `unknown`. */
  readonly kind: string;
}

/** The manifest of one protected directory. */
export interface Manifest {
  /** {@link MANIFEST_FORMAT}. */
  readonly format: typeof MANIFEST_FORMAT;
  /** The resource: its id (the configured name) and the path protected. */
  readonly resource: { readonly id: string; readonly path: string };
  /** When protect wrote the manifest (ISO 8601). */
  readonly createdAt: string;
  /** Regular files, sorted by path. */
  readonly files: readonly ManifestFile[];
  /** Directories, sorted by path. */
  readonly directories: readonly ManifestDirectory[];
  /** Symbolic links, sorted by path. */
  readonly symlinks: readonly ManifestSymlink[];
  /** What was left out. */
  readonly skipped: readonly ManifestSkipped[];
  /** Counts and bytes. */
  readonly totals: { readonly files: number; readonly bytes: number; readonly directories: number; readonly symlinks: number };
}

const path = { type: 'string', minLength: 1 } as const;
const mode = { type: 'integer', minimum: 0, maximum: 0o7777 } as const;

/** JSON schema of {@link Manifest}; also the plugin's saved-info schema. */
export const MANIFEST_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['format', 'resource', 'createdAt', 'files', 'directories', 'symlinks', 'skipped', 'totals'],
  properties: {
    format: { const: MANIFEST_FORMAT },
    resource: { type: 'object', required: ['id', 'path'], properties: { id: { type: 'string' }, path: { type: 'string' } } },
    createdAt: { type: 'string' },
    files: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'key', 'size', 'mode', 'mtime', 'md5', 'sha256'],
        properties: {
          path,
          key: path,
          size: { type: 'integer', minimum: 0 },
          mode,
          mtime: { type: 'string' },
          md5: { type: 'string', pattern: '^[0-9a-f]{32}$' },
          sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        },
      },
    },
    directories: { type: 'array', items: { type: 'object', required: ['path', 'mode'], properties: { path, mode } } },
    symlinks: { type: 'array', items: { type: 'object', required: ['path', 'target'], properties: { path, target: path } } },
    skipped: { type: 'array', items: { type: 'object', required: ['path', 'kind'], properties: { path, kind: { type: 'string' } } } },
    totals: {
      type: 'object',
      required: ['files', 'bytes', 'directories', 'symlinks'],
      properties: {
        files: { type: 'integer', minimum: 0 },
        bytes: { type: 'integer', minimum: 0 },
        directories: { type: 'integer', minimum: 0 },
        symlinks: { type: 'integer', minimum: 0 },
      },
    },
  },
};

/** Protect options: glob patterns of paths to leave out. (A type, not an interface, so it fits `Record<string, unknown>`.) */
export type LocalDirectoryOptions = {
  /**
   * Globs matched against `/`-separated relative paths (`*` and `?` stay within a segment,
   * `**` crosses segments); a pattern without `/` matches a name at any depth. An excluded
   * directory is not descended into.
   */
  readonly exclude?: readonly string[];
};

/** JSON schema of {@link LocalDirectoryOptions}. */
export const OPTIONS_SCHEMA: JsonSchema = {
  type: 'object',
  properties: { exclude: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] } },
  additionalProperties: false,
};

/** Restore parameters. */
export type LocalDirectoryRestoreParameters = {
  /** The absolute directory to restore into (created if absent). */
  readonly target_path: string;
  /** Replace existing files (otherwise any existing file makes the restore fail before writing). */
  readonly overwrite?: boolean;
};

/** JSON schema of {@link LocalDirectoryRestoreParameters}. */
export const RESTORE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['target_path'],
  properties: {
    target_path: { type: 'string', pattern: '^/[^\\u0000]*$' },
    overwrite: { type: 'boolean', default: false },
  },
  additionalProperties: false,
};

/** JSON schema of verify parameters: none (the level comes with the request). */
export const VERIFY_SCHEMA: JsonSchema = { type: 'object', properties: {}, additionalProperties: false };

/** JSON schema of copy parameters: none. */
export const COPY_SCHEMA: JsonSchema = { type: 'object', properties: {}, additionalProperties: false };
