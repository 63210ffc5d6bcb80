/**
 * Metadata and version tokens shared by the Swift and S3 drivers.
 *
 * - User metadata travels as `X-Object-Meta-<key>` (Swift) or `x-amz-meta-<key>` (S3). The
 *   facade already restricts keys to `[a-z0-9-]` and values to printable ASCII; what HTTP still
 *   cannot carry faithfully are empty values and leading or trailing spaces (header values are
 *   trimmed). Such values, and values that themselves look encoded, are sent RFC 2047-encoded
 *   (`=?UTF-8?B?<base64>?=`, what S3 itself answers for non-ASCII metadata) and decoded on read.
 * - Keys starting with `kts-` are the drivers' own bookkeeping (whole-content md5 of a large
 *   object, the version token, the segments of a static large object) and are refused in user
 *   metadata, so a caller can never spoof an etag.
 * - The version token is a random id written with every put, so it changes on every rewrite
 *   (even of identical bytes) and is known before the write answers.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { invalidOption } from '../internal/errors.js';

/** The prefix of the drivers' own metadata keys. */
export const INTERNAL_META_PREFIX = 'kts-';

/** Internal metadata: the whole-content md5 of an object stored in parts. */
export const META_MD5 = 'kts-md5';

/** Internal metadata: the version token written with every put. */
export const META_VERSION = 'kts-version';

/** Internal metadata: the segment prefix of a Swift static large object (for clean-up). */
export const META_SEGMENTS = 'kts-segments';

const ENCODED = /^=\?utf-8\?b\?([A-Za-z0-9+/]*={0,2})\?=$/iu;

/** A fresh version token: 16 random bytes, hex. */
export function newVersionToken(): string {
  return randomBytes(16).toString('hex');
}

/** A header-safe form of a metadata value (RFC 2047 when plain text would not survive). */
export function encodeMetaValue(value: string): string {
  const plain = value !== '' && value === value.trim() && !value.startsWith('=?') && /^[\x20-\x7e]*$/u.test(value);
  return plain ? value : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/**
 * The value a metadata header stands for: RFC 2047 `B` words are decoded; other values that
 * carry bytes above ASCII (UTF-8 sent raw by other Swift clients) are read as UTF-8.
 */
export function decodeMetaValue(header: string): string {
  const encoded = ENCODED.exec(header);
  if (encoded !== null) return Buffer.from(encoded[1] ?? '', 'base64').toString('utf8');
  return /[^\x00-\x7f]/u.test(header) ? Buffer.from(header, 'latin1').toString('utf8') : header;
}

/** Refuses user metadata keys in the drivers' reserved `kts-` namespace. */
export function checkUserMetadata(metadata: Readonly<Record<string, string>> | undefined): void {
  for (const key of Object.keys(metadata ?? {})) {
    if (key.toLowerCase().startsWith(INTERNAL_META_PREFIX)) {
      throw invalidOption('metadata key', `not starting with "${INTERNAL_META_PREFIX}" (reserved for the driver)`, key);
    }
  }
}

/**
 * Splits raw metadata (lowercase keys without the protocol prefix, values as received) into
 * decoded user metadata and the internal `kts-*` entries.
 */
export function splitMetadata(raw: Iterable<readonly [string, string]>): {
  user: Record<string, string>;
  internal: Record<string, string>;
} {
  const user: Record<string, string> = {};
  const internal: Record<string, string> = {};
  for (const [key, value] of raw) {
    if (key.startsWith(INTERNAL_META_PREFIX)) internal[key] = value;
    else user[key] = decodeMetaValue(value);
  }
  return { user, internal };
}
