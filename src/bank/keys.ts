/**
 * The bank key grammar: how keys, section paths, list prefixes and markers are normalised and
 * validated, and the one order every driver lists in (UTF-8 byte order).
 *
 * A key is a `/`-separated path of segments. Normalisation is structural only:
 * - repeated `/` collapse (`a//b` → `a/b`) and `.` segments are dropped (`./a/./b` → `a/b`);
 * - nothing else changes: no Unicode normalisation (a listed key is byte-for-byte the key that
 *   was written) and no percent-decoding (`%41` stays `%41`).
 *
 * Validation runs on the normalised key and refuses, with `KTS_ERR_BANK_KEY_INVALID`:
 * - empty keys (also `.` or `./`, which normalise to nothing);
 * - absolute keys (a leading `/`) and keys ending with `/` (a key names an object, not a folder);
 * - any `..` segment, even one that would stay inside (`a/../b`): a key never means something
 *   other than what it reads as, so joining it to a section can never leave the section;
 * - percent-encoded dot segments and separators (`%2e%2e`, `%2E.`, `%2f`, `%5c`): keys are never
 *   decoded here, but a back-end or a proxy that decodes would turn them into traversal;
 * - control characters (C0, DEL, C1), backslashes, and lone UTF-16 surrogates;
 * - keys over {@link MAX_KEY_BYTES} or segments over {@link MAX_SEGMENT_BYTES} UTF-8 bytes;
 * - at the bank root, a first segment equal to {@link RESERVED_SEGMENT} (the bank's own
 *   bookkeeping, such as lease documents, lives there).
 *
 * @module
 */
import { ValidationError } from '../core/errors.js';

/** Longest key, in UTF-8 bytes, once joined to its section (Swift's and S3's limit). */
export const MAX_KEY_BYTES = 1024;

/** Longest segment, in UTF-8 bytes (leaves room below the 255-byte file-name limit of filesystems). */
export const MAX_SEGMENT_BYTES = 240;

/** The first segment reserved for the bank's own documents (lease documents); refused in user keys. */
export const RESERVED_SEGMENT = '.kts';

// C0 controls, DEL, C1 controls and the backslash.
const FORBIDDEN_CHARACTER = /[\u0000-\u001f\u007f-\u009f\\]/u;
// In a `u` regular expression a well-formed surrogate pair is one code point, so this only
// matches lone surrogates.
const LONE_SURROGATE = /[\ud800-\udfff]/u;
const ENCODED_SEPARATOR = /%(?:2f|5c)/iu;
const ENCODED_DOT = /%2e/giu;

function invalid(what: string, value: string, reason: string): ValidationError {
  return new ValidationError(`Invalid bank ${what} ${JSON.stringify(value)}: ${reason}`, {
    code: 'KTS_ERR_BANK_KEY_INVALID',
    details: { [what]: value, reason },
  });
}

function byteLength(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/** Checks the characters and size of one string of the key grammar (any kind of key-like input). */
function checkCharacters(what: string, value: string): void {
  if (typeof value !== 'string') throw invalid(what, String(value), 'not a string');
  if (LONE_SURROGATE.test(value)) throw invalid(what, value, 'contains a lone UTF-16 surrogate');
  if (FORBIDDEN_CHARACTER.test(value)) throw invalid(what, value, 'contains a control character or a backslash');
  if (ENCODED_SEPARATOR.test(value)) throw invalid(what, value, 'contains a percent-encoded separator');
  if (byteLength(value) > MAX_KEY_BYTES) throw invalid(what, value, `longer than ${MAX_KEY_BYTES} UTF-8 bytes`);
}

/** Checks one complete segment (after `.` and empty segments were dropped). */
function checkSegment(what: string, value: string, segment: string): void {
  const decoded = segment.replace(ENCODED_DOT, '.');
  if (decoded === '..') throw invalid(what, value, 'contains a ".." segment');
  if (decoded === '.') throw invalid(what, value, 'contains a percent-encoded "." segment');
  if (byteLength(segment) > MAX_SEGMENT_BYTES) throw invalid(what, value, `has a segment longer than ${MAX_SEGMENT_BYTES} UTF-8 bytes`);
}

/** Splits into complete segments, dropping empty and `.` ones, checking each. */
function segmentsOf(what: string, value: string): string[] {
  const segments = value.split('/').filter((segment) => segment !== '' && segment !== '.');
  for (const segment of segments) checkSegment(what, value, segment);
  return segments;
}

/**
 * Normalises and validates a key relative to a section; returns the normalised key or throws
 * `KTS_ERR_BANK_KEY_INVALID`. The reserved first segment is checked by {@link joinKey}, where
 * the full key is known.
 */
export function normaliseKey(key: string): string {
  checkCharacters('key', key);
  if (key.startsWith('/')) throw invalid('key', key, 'is absolute (starts with "/")');
  if (key.endsWith('/')) throw invalid('key', key, 'ends with "/"');
  const normalised = segmentsOf('key', key).join('/');
  if (normalised === '') throw invalid('key', key, 'is empty');
  return normalised;
}

/** Normalises and validates a section path: the same grammar as a key. */
export function normaliseSectionPath(path: string): string {
  checkCharacters('section', path);
  if (path.startsWith('/')) throw invalid('section', path, 'is absolute (starts with "/")');
  const normalised = segmentsOf('section', path).join('/');
  if (normalised === '') throw invalid('section', path, 'is empty');
  return normalised;
}

/**
 * Normalises and validates a list prefix. Its complete segments follow the key grammar; its
 * last, partial segment (after the last `/`) is kept as written, so `a/.h` still matches
 * `a/.hidden`. A trailing `/` is kept. `''` lists everything.
 */
export function normalisePrefix(prefix: string): string {
  checkCharacters('prefix', prefix);
  if (prefix.startsWith('/')) throw invalid('prefix', prefix, 'is absolute (starts with "/")');
  const cut = prefix.lastIndexOf('/');
  const tail = prefix.slice(cut + 1);
  const head = segmentsOf('prefix', prefix.slice(0, Math.max(cut, 0)));
  return head.length === 0 ? tail : `${head.join('/')}/${tail}`;
}

/** Validates a list marker: any key-like string without forbidden characters (it need not exist). */
export function validateMarker(marker: string): string {
  checkCharacters('marker', marker);
  return marker;
}

/**
 * Joins a normalised section prefix (`''` for the root) and a normalised relative key, and
 * checks the full key: its length, and that it does not enter the reserved first segment.
 */
export function joinKey(prefix: string, key: string): string {
  const full = prefix === '' ? key : `${prefix}/${key}`;
  if (byteLength(full) > MAX_KEY_BYTES) throw invalid('key', full, `longer than ${MAX_KEY_BYTES} UTF-8 bytes`);
  if (isReservedKey(full)) throw invalid('key', full, `the first segment "${RESERVED_SEGMENT}" is reserved for the bank`);
  return full;
}

/** Whether a full key lies in the bank's reserved area (its first segment is {@link RESERVED_SEGMENT}). */
export function isReservedKey(fullKey: string): boolean {
  return fullKey === RESERVED_SEGMENT || fullKey.startsWith(`${RESERVED_SEGMENT}/`);
}

/**
 * Whether `key` is already a valid, normalised key (what drivers may receive). Drivers can use
 * it as a second line of defence; the facade never hands them anything else.
 */
export function isNormalisedKey(key: string): boolean {
  try {
    return normaliseKey(key) === key;
  } catch {
    return false;
  }
}

/**
 * Compares two strings in UTF-8 byte order (the order of every listing), without encoding:
 * code-point order equals UTF-8 byte order, while JavaScript's `<` compares UTF-16 code units.
 */
export function compareKeys(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (0xd800–0xdfff) starts a code point above 0xffff: it sorts after every
    // other UTF-16 unit except itself.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
