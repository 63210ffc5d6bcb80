/**
 * Assertion and listing helpers of the record-store conformance suite: refusals by error code,
 * the contract's sort order, and every page of a listing.
 *
 * @module
 */
import { expect } from 'vitest';
import type { ErrorCode } from '../../core/error-codes.js';
import type { RecordCollection, StoredRecord } from '../../store/index.js';

/** Rejects with a framework error carrying `code`. */
export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}

/** The ids of `records`. */
export const ids = (records: readonly StoredRecord[]): string[] => records.map((record) => record.id);

/** `records` sorted as the contract says: by `key` (missing = ''), then id, in `dir`. */
export function sorted<T extends StoredRecord>(records: readonly T[], key: string, dir: 'asc' | 'desc'): T[] {
  const value = (record: T): string => String((record as unknown as Record<string, unknown>)[key] ?? '');
  const order = (a: T, b: T): number => (value(a) < value(b) ? -1 : value(a) > value(b) ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return [...records].sort((a, b) => (dir === 'asc' ? order(a, b) : order(b, a)));
}

/** Every page of a listing, following `nextMarker`. */
export async function allPages<T extends StoredRecord>(collection: RecordCollection<T>, query: Parameters<RecordCollection<T>['list']>[0]): Promise<T[][]> {
  const pages: T[][] = [];
  let marker: string | undefined;
  do {
    const page = await collection.list({ ...query, ...(marker === undefined ? {} : { marker }) });
    pages.push([...page.items]);
    marker = page.nextMarker;
    if (pages.length > 100) throw new Error('listing does not end');
  } while (marker !== undefined);
  return pages;
}
