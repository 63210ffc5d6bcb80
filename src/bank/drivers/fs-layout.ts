/**
 * The on-disk layout of the filesystem bank driver.
 *
 * Every object is a directory named by its key's segments, holding the driver's own files,
 * whose names start with a single `%` (a key segment that starts with `%` is stored with one
 * more `%`, so the two can never meet):
 *
 * ```text
 * <root>/checkpoints/abc/index.json/%meta.json        the sidecar: the commit point of a write
 * <root>/checkpoints/abc/index.json/%v-<version>      the content of that version
 * <root>/checkpoints/abc/index.json/%tmp-<random>     a write in progress (never listed)
 * <root>/checkpoints/abc/index.json/resource-data/…   deeper keys live beside them
 * ```
 *
 * Because an object is a directory, a key and a longer key below it (`a` and `a/b`) can both
 * exist, as on Swift and S3. The sidecar is JSON:
 * `{"format":1,"key","version","size","etag","sha256","seal","metadata","lastModified"}`; a
 * write renames its content to `%v-<version>` and then atomically replaces `%meta.json`, so a
 * reader always sees a whole, matching (sidecar, content) pair.
 *
 * **Two digests.** `etag` is the content's md5, the one every bank driver reports (Swift and
 * S3 speak it, and copies between banks compare it). `sha256` is the driver's own digest of
 * the same bytes, recorded by the same write: a copy between fs drivers checks the bytes it
 * moves against it instead of against the md5, which costs 2.4× less CPU here (sha256 has CPU
 * instructions, md5 none). `seal` binds the two ({@link sealOf}): a sidecar whose etag (or
 * size, or sha256) was damaged after the write no longer matches its seal, so a copy never
 * vouches for an etag by a sha256 it was not recorded with. Sidecars written before the
 * digest existed have neither field; copies from them check the md5.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { join, resolve, sep } from 'node:path';
import type { ObjectInfo } from '../../core/bank-section.js';
import { BankError, ValidationError } from '../../core/errors.js';
import { isNormalisedKey } from '../keys.js';

/** The sidecar's file name inside an object directory. */
export const META_FILE = '%meta.json';
/** The prefix of content files (`%v-<version>`). */
export const DATA_PREFIX = '%v-';
/** The prefix of files being written (`%tmp-<random>`). */
export const TEMP_PREFIX = '%tmp-';

/** The sidecar as stored (format 1). */
export interface Sidecar {
  readonly format: 1;
  readonly key: string;
  readonly version: string;
  readonly size: number;
  readonly etag: string;
  /**
   * sha256 of the content, hex (absent from sidecars written before it was recorded). Not
   * checked when parsed: a malformed one only fails the seal, and a copy then hashes md5.
   */
  readonly sha256?: string;
  /** {@link sealOf} `(etag, size, sha256)`; present with `sha256`. */
  readonly seal?: string;
  readonly metadata: Record<string, string>;
  readonly lastModified: string;
}

/**
 * The seal of a sidecar's digests: the first 32 hex digits of the sha256 of
 * `"<etag> <size> <sha256>"`. The copy worker computes the same (`fs-copy-worker.ts`).
 */
export function sealOf(etag: string, size: number, sha256: string): string {
  return createHash('sha256').update(`${etag} ${size} ${sha256}`).digest('hex').slice(0, 32);
}

/** The directory entry name of a key segment. */
export function encodeSegment(segment: string): string {
  return segment.startsWith('%') ? `%${segment}` : segment;
}

/** The key segment of a directory entry name, or `undefined` for the driver's own files. */
export function decodeName(name: string): string | undefined {
  if (name.startsWith('%%')) return name.slice(1);
  return name.startsWith('%') ? undefined : name;
}

/**
 * The object directory of `key` under `root`. Refuses, as a second line of defence behind the
 * facade, any key that is not normalised or whose path would not stay strictly inside `root`.
 */
export function objectDirectory(root: string, key: string): string {
  const refuse = (reason: string): ValidationError =>
    new ValidationError(`Invalid bank key ${JSON.stringify(key)} for the filesystem driver: ${reason}`, {
      code: 'KTS_ERR_BANK_KEY_INVALID',
      details: { key, reason },
    });
  if (!isNormalisedKey(key)) throw refuse('not a valid normalised key');
  const directory = resolve(root, ...key.split('/').map(encodeSegment));
  if (!isInside(root, directory)) throw refuse('leaves the bank root');
  return directory;
}

/** Whether `path` lies strictly inside `root` (both absolute and resolved). */
export function isInside(root: string, path: string): boolean {
  return path.startsWith(root.endsWith(sep) ? root : root + sep) && path !== root;
}

/** The content file of `version` inside an object directory. */
export function dataFile(directory: string, version: string): string {
  return join(directory, `${DATA_PREFIX}${version}`);
}

/** Parses a sidecar's text, refusing anything that is not a format-1 sidecar. */
export function parseSidecar(text: string, path: string): Sidecar {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw unreadableSidecar(path, error);
  }
  const sidecar = value as Partial<Sidecar> | null;
  const valid =
    typeof sidecar === 'object' && sidecar !== null &&
    sidecar.format === 1 &&
    typeof sidecar.key === 'string' &&
    typeof sidecar.version === 'string' && /^[0-9a-f-]+$/u.test(sidecar.version) &&
    typeof sidecar.size === 'number' &&
    typeof sidecar.etag === 'string' &&
    typeof sidecar.lastModified === 'string' &&
    typeof sidecar.metadata === 'object' && sidecar.metadata !== null;
  if (!valid) throw unreadableSidecar(path);
  return sidecar as Sidecar;
}

/** `KTS_ERR_BANK_INTEGRITY`: the sidecar at `path` is not a format-1 sidecar. */
export function unreadableSidecar(path: string, cause?: unknown): BankError {
  return new BankError(`Unreadable filesystem bank sidecar ${path}`, {
    code: 'KTS_ERR_BANK_INTEGRITY',
    details: { path },
    cause,
  });
}

/** `KTS_ERR_BANK_INTEGRITY`: `key` has a sidecar but its content file stays missing. */
export function contentMissing(key: string): BankError {
  return new BankError(`The content of ${JSON.stringify(key)} is missing from the filesystem bank`, {
    code: 'KTS_ERR_BANK_INTEGRITY',
    details: { key },
  });
}

/** The {@link ObjectInfo} a sidecar describes. */
export function infoOf(sidecar: Sidecar): ObjectInfo {
  return {
    key: sidecar.key,
    size: sidecar.size,
    etag: sidecar.etag,
    version: sidecar.version,
    metadata: Object.freeze({ ...sidecar.metadata }),
    lastModified: new Date(sidecar.lastModified),
  };
}
