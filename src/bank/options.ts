/**
 * Validation of the options the bank facade accepts, so that drivers only ever receive sane
 * values: metadata, expected etags and conditions on writes; byte ranges on reads; prefix,
 * marker, limit and order on listings. Bad values throw `KTS_ERR_INVALID_OPTION` (or
 * `KTS_ERR_BANK_KEY_INVALID` for a prefix or marker that breaks the key grammar).
 *
 * @module
 */
import type { GetObjectOptions, ListOptions, PutObjectOptions } from '../core/bank-section.js';
import { invalidOption } from './internal/errors.js';
import { normalisePrefix, validateMarker } from './keys.js';

/** Most bytes of user metadata (keys and values) on one object: S3's limit, the smallest. */
export const MAX_METADATA_BYTES = 2048;

const METADATA_KEY = /^[a-z0-9][a-z0-9-]*$/u;
const METADATA_VALUE = /^[\u0020-\u007e]*$/u;
const MD5_HEX = /^[0-9a-f]{32}$/u;

/**
 * Normalises user metadata: keys are lowercased and must then be `[a-z0-9-]` (what survives
 * Swift headers and S3 alike); values are printable ASCII; the total stays under
 * {@link MAX_METADATA_BYTES}.
 */
export function normaliseMetadata(metadata: Readonly<Record<string, string>> | undefined): Record<string, string> | undefined {
  if (metadata === undefined) return undefined;
  if (typeof metadata !== 'object' || metadata === null) throw invalidOption('metadata', 'an object of strings', metadata);
  const normalised: Record<string, string> = {};
  let bytes = 0;
  for (const [rawKey, value] of Object.entries(metadata)) {
    const key = rawKey.toLowerCase();
    if (!METADATA_KEY.test(key)) throw invalidOption(`metadata key`, 'letters, digits and "-" (starting with a letter or digit)', rawKey);
    if (typeof value !== 'string' || !METADATA_VALUE.test(value)) throw invalidOption(`metadata.${key}`, 'a printable ASCII string', value);
    if (Object.hasOwn(normalised, key)) throw invalidOption('metadata key', 'unique once lowercased', rawKey);
    normalised[key] = value;
    bytes += key.length + value.length;
  }
  if (bytes > MAX_METADATA_BYTES) throw invalidOption('metadata', `at most ${MAX_METADATA_BYTES} bytes of keys and values`, `${bytes} bytes`);
  return normalised;
}

/** Whether the options ask for a conditional write. */
export function isConditional(options: Pick<PutObjectOptions, 'ifMatch' | 'ifNoneMatch'>): boolean {
  return options.ifMatch !== undefined || options.ifNoneMatch !== undefined;
}

/** Validates and normalises write options (metadata, expected etag, conditions). */
export function normalisePutOptions(options: PutObjectOptions = {}): PutObjectOptions {
  const { ifMatch, ifNoneMatch, etag, durable, signal } = options;
  if (ifNoneMatch !== undefined && ifNoneMatch !== '*') throw invalidOption('ifNoneMatch', '"*"', ifNoneMatch);
  if (ifMatch !== undefined && (typeof ifMatch !== 'string' || ifMatch === '')) throw invalidOption('ifMatch', 'a version string', ifMatch);
  if (etag !== undefined && (typeof etag !== 'string' || !MD5_HEX.test(etag.toLowerCase()))) {
    throw invalidOption('etag', 'a 32-digit hex md5', etag);
  }
  if (durable !== undefined && typeof durable !== 'boolean') throw invalidOption('durable', 'a boolean', durable);
  const metadata = normaliseMetadata(options.metadata);
  return {
    ...(metadata === undefined ? {} : { metadata }),
    ...(etag === undefined ? {} : { etag: etag.toLowerCase() }),
    ...(ifMatch === undefined ? {} : { ifMatch }),
    ...(ifNoneMatch === undefined ? {} : { ifNoneMatch }),
    ...(durable === undefined ? {} : { durable }),
    ...(signal === undefined ? {} : { signal }),
  };
}

function checkOffset(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) throw invalidOption(name, 'an integer ≥ 0', value);
}

/** Validates a byte range: non-negative integers, `end ≥ start` when both are given. */
export function normaliseGetOptions(options: GetObjectOptions = {}): GetObjectOptions {
  checkOffset('start', options.start);
  checkOffset('end', options.end);
  if (options.start !== undefined && options.end !== undefined && options.end < options.start) {
    throw invalidOption('end', `an integer ≥ start (${options.start})`, options.end);
  }
  return options;
}

/** A listing's options, validated, with the prefix normalised and defaults filled in. */
export interface NormalisedListOptions {
  readonly prefix: string;
  readonly marker?: string;
  readonly limit?: number;
  readonly order: 'asc' | 'desc';
}

/** Validates listing options; an empty marker counts as none. */
export function normaliseListOptions(options: ListOptions = {}): NormalisedListOptions {
  const { limit, order = 'asc' } = options;
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) throw invalidOption('limit', 'an integer ≥ 1', limit);
  if (order !== 'asc' && order !== 'desc') throw invalidOption('order', '"asc" or "desc"', order);
  const prefix = normalisePrefix(options.prefix ?? '');
  const marker = options.marker === undefined || options.marker === '' ? undefined : validateMarker(options.marker);
  return { prefix, order, ...(marker === undefined ? {} : { marker }), ...(limit === undefined ? {} : { limit }) };
}
