/**
 * Checks every record passes before any store keeps it, so that both implementations accept and
 * refuse the same records: a JSON object with a non-empty `id` and `projectId`, valid timestamps
 * (kept in canonical `toISOString()` form, so that they sort as text), the collection's required
 * fields as strings, and filterable fields as strings when present. Records are copied through
 * JSON, which is also what callers get back: `undefined` members disappear, `Date`s become text.
 *
 * @module
 */
import type { CollectionSpec } from './collections.js';
import { invalid } from './errors.js';
import type { StoredRecord } from './store.js';

/** A record as a JSON object. */
export type JsonRecord = StoredRecord & Record<string, unknown>;

/**
 * A deep copy through JSON text: what a store makes of a record on the way in (`undefined`
 * members disappear, `Date`s become text, `toJSON` applies). For values that are already plain
 * JSON data, {@link copyJson} gives the same result much faster.
 */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * A deep copy of plain JSON data — objects, arrays, strings, finite numbers, booleans and `null`,
 * as {@link cloneJson} or `JSON.parse` produce them — equal to what {@link cloneJson} would give,
 * at a fraction of its cost (no text in between). The copy a store hands out on every read.
 */
export function copyJson<T>(value: T): T {
  return (typeof value === 'object' && value !== null ? copyNode(value) : value) as T;
}

function copyNode(value: object): unknown {
  if (Array.isArray(value)) {
    const length = value.length;
    const copy: unknown[] = new Array(length);
    for (let i = 0; i < length; i += 1) {
      const item: unknown = value[i];
      copy[i] = typeof item === 'object' && item !== null ? copyNode(item) : item;
    }
    return copy;
  }
  const source = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  const keys = Object.keys(source);
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i]!;
    const item = source[key];
    const itemCopy = typeof item === 'object' && item !== null ? copyNode(item) : item;
    // JSON.parse makes `__proto__` an own member; plain assignment would set the prototype.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: itemCopy, enumerable: true, writable: true, configurable: true });
    else copy[key] = itemCopy;
  }
  return copy;
}

/** The canonical ISO 8601 form of a timestamp, or a validation error naming `field`. */
export function canonicalTime(value: unknown, field: string): string {
  const time = typeof value === 'string' && value !== '' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw invalid(`Expected \`${field}\` to be an ISO 8601 timestamp, got ${describe(value)}`, { field });
  return new Date(time).toISOString();
}

/**
 * Validates `record` for `spec`'s collection and returns the copy to keep (timestamps in
 * canonical form). `KTS_ERR_VALIDATION` names the first offending field.
 */
export function prepareRecord(spec: CollectionSpec, record: unknown): JsonRecord {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw invalid(`A ${spec.name} record must be an object, got ${describe(record)}`, { collection: spec.name });
  }
  let copy: Record<string, unknown>;
  try {
    copy = cloneJson(record as Record<string, unknown>);
  } catch (error) {
    throw invalid(`A ${spec.name} record must be JSON-serialisable`, { collection: spec.name, reason: String(error) });
  }
  for (const field of ['id', 'projectId']) requireString(spec, copy, field, false);
  for (const field of spec.required) requireString(spec, copy, field, true);
  for (const field of spec.filterable) {
    if (copy[field] !== undefined && typeof copy[field] !== 'string') {
      throw invalid(`Field \`${field}\` of a ${spec.name} record must be a string, got ${describe(copy[field])}`, { collection: spec.name, field });
    }
  }
  copy.createdAt = canonicalTime(copy.createdAt, 'createdAt');
  copy.updatedAt = canonicalTime(copy.updatedAt, 'updatedAt');
  if (copy.deletedAt !== undefined) copy.deletedAt = canonicalTime(copy.deletedAt, 'deletedAt');
  return copy as JsonRecord;
}

/**
 * Validates what an update's change function returned against the record it was given: the
 * same checks as {@link prepareRecord}, and `id`, `projectId` and `createdAt` must not change.
 * `updatedAt` is set to `now`.
 */
export function prepareChange(spec: CollectionSpec, current: JsonRecord, next: unknown, now: string): JsonRecord {
  if (typeof next !== 'object' || next === null || Array.isArray(next) || typeof (next as { then?: unknown }).then === 'function') {
    throw invalid(`An update's change function must return the new ${spec.name} record, got ${describe(next)}`, { collection: spec.name });
  }
  const prepared = prepareRecord(spec, { ...next, updatedAt: now });
  for (const field of ['id', 'projectId', 'createdAt'] as const) {
    if (prepared[field] !== current[field]) {
      throw invalid(`An update cannot change \`${field}\` of a ${spec.name} record`, { collection: spec.name, field, id: current.id });
    }
  }
  return prepared;
}

function requireString(spec: CollectionSpec, record: Record<string, unknown>, field: string, emptyAllowed: boolean): void {
  const value = record[field];
  if (typeof value !== 'string' || (!emptyAllowed && value === '')) {
    throw invalid(`Field \`${field}\` of a ${spec.name} record must be a ${emptyAllowed ? '' : 'non-empty '}string, got ${describe(value)}`, {
      collection: spec.name,
      field,
    });
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `${JSON.stringify(value)} (string)`;
  if (value === null) return 'null';
  if (typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function') return 'a promise';
  let shown: string;
  try {
    shown = typeof value === 'object' ? (JSON.stringify(value) ?? String(value)) : String(value);
  } catch {
    shown = String(value);
  }
  return `\`${shown.length > 80 ? `${shown.slice(0, 77)}...` : shown}\` (${typeof value})`;
}
