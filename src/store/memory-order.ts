/**
 * The memory store's sorted orders. For each sort key a listing has asked for, the collection
 * keeps its records ordered by `(value, id)` ascending — one order for every project together and
 * one per project — built on first use and kept up to date by every later write, so no listing
 * ever re-sorts. A page is then a binary search for where it starts (after the marker, within the
 * `createdAt` bounds when sorting on `createdAt`) and a walk in the asked direction that stops as
 * soon as the page is full.
 *
 * An order is a list of small sorted chunks rather than one array, so that a write moves at most
 * a chunk's worth of entries (one array would move half the collection on every insert, delete
 * or change of a sort value).
 *
 * @module
 */
import { compareText, matchesQuery, sortValue, type NormalisedQuery } from './listing.js';
import type { JsonRecord } from './validate.js';

/** The most records one chunk holds; a fuller chunk splits in two. */
const CHUNK_SIZE = 512;

/**
 * A place in an order: record `index` of chunk `chunk`, always inside that chunk, or
 * `{ chunk: chunks.length, index: 0 }` for the end.
 */
interface Position {
  readonly chunk: number;
  readonly index: number;
}

/** Whether `a` comes before `b`. */
const isBefore = (a: Position, b: Position): boolean => a.chunk < b.chunk || (a.chunk === b.chunk && a.index < b.index);

/** Records in ascending `(value of key, id)` order, in chunks of at most {@link CHUNK_SIZE}. */
class SortedRecords {
  readonly #key: string;
  readonly #chunks: JsonRecord[][] = [];

  /** Holds `sorted`, already in order. */
  constructor(key: string, sorted: readonly JsonRecord[]) {
    this.#key = key;
    for (let i = 0; i < sorted.length; i += CHUNK_SIZE / 2) this.#chunks.push(sorted.slice(i, i + CHUNK_SIZE / 2));
  }

  /** Whether it holds no record. */
  get empty(): boolean {
    return this.#chunks.length === 0;
  }

  /** The first place whose record does not sort before `(value, id)` (`id` undefined: whose value is not below `value`). */
  lowerBound(value: string, id?: string): Position {
    const key = this.#key;
    const before = (record: JsonRecord): boolean => {
      const order = compareText(sortValue(record, key), value);
      return order < 0 || (order === 0 && id !== undefined && compareText(record.id, id) < 0);
    };
    const chunks = this.#chunks;
    // The first chunk whose last record is not before the probe holds the place.
    let lo = 0;
    let hi = chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = chunks[mid]!;
      if (before(chunk[chunk.length - 1]!)) lo = mid + 1;
      else hi = mid;
    }
    if (lo === chunks.length) return { chunk: lo, index: 0 };
    const chunk = chunks[lo]!;
    let first = 0;
    let last = chunk.length - 1; // not before the probe
    while (first < last) {
      const mid = (first + last) >>> 1;
      if (before(chunk[mid]!)) first = mid + 1;
      else last = mid;
    }
    return { chunk: lo, index: first };
  }

  /** The end: the place after the last record. */
  end(): Position {
    return { chunk: this.#chunks.length, index: 0 };
  }

  /** The record at `at` (undefined at the end). */
  at(at: Position): JsonRecord | undefined {
    return this.#chunks[at.chunk]?.[at.index];
  }

  /** The place after `at` (which must not be the end). */
  next(at: Position): Position {
    return at.index + 1 < this.#chunks[at.chunk]!.length ? { chunk: at.chunk, index: at.index + 1 } : { chunk: at.chunk + 1, index: 0 };
  }

  /** Adds `record` at its place. */
  add(record: JsonRecord): void {
    const chunks = this.#chunks;
    if (chunks.length === 0) {
      chunks.push([record]);
      return;
    }
    let { chunk, index } = this.lowerBound(sortValue(record, this.#key), record.id);
    if (chunk === chunks.length) {
      chunk -= 1;
      index = chunks[chunk]!.length;
    }
    const target = chunks[chunk]!;
    target.splice(index, 0, record);
    if (target.length > CHUNK_SIZE) chunks.splice(chunk, 1, target.slice(0, target.length >> 1), target.slice(target.length >> 1));
  }

  /** The place of `record` (found by its sort value and id), or undefined. */
  find(record: JsonRecord): Position | undefined {
    const at = this.lowerBound(sortValue(record, this.#key), record.id);
    return this.at(at)?.id === record.id ? at : undefined;
  }

  /** Removes the record at `at`. */
  removeAt(at: Position): void {
    const chunk = this.#chunks[at.chunk]!;
    if (chunk.length === 1) this.#chunks.splice(at.chunk, 1);
    else chunk.splice(at.index, 1);
  }

  /** Puts `record` at `at`, in the place of the record there (which must sort the same). */
  setAt(at: Position, record: JsonRecord): void {
    this.#chunks[at.chunk]![at.index] = record;
  }

  /**
   * Up to `wanted` records from `[from, to)` that pass `keep` (all when it is undefined), walking
   * up from `from` (`asc`) or down from just before `to` (`desc`).
   */
  collect(from: Position, to: Position, direction: 'asc' | 'desc', wanted: number, keep: ((record: JsonRecord) => boolean) | undefined): JsonRecord[] {
    const chunks = this.#chunks;
    const rows: JsonRecord[] = [];
    if (!isBefore(from, to)) return rows;
    if (direction === 'asc') {
      for (let c = from.chunk; c <= to.chunk && c < chunks.length; c += 1) {
        const chunk = chunks[c]!;
        const end = c === to.chunk ? to.index : chunk.length;
        for (let i = c === from.chunk ? from.index : 0; i < end; i += 1) {
          const record = chunk[i]!;
          if ((keep === undefined || keep(record)) && rows.push(record) >= wanted) return rows;
        }
      }
    } else {
      for (let c = Math.min(to.chunk, chunks.length - 1); c >= from.chunk; c -= 1) {
        const chunk = chunks[c]!;
        const start = c === from.chunk ? from.index : 0;
        for (let i = (c === to.chunk ? to.index : chunk.length) - 1; i >= start; i -= 1) {
          const record = chunk[i]!;
          if ((keep === undefined || keep(record)) && rows.push(record) >= wanted) return rows;
        }
      }
    }
    return rows;
  }
}

const NONE = new SortedRecords('id', []);

/** Whether `record` is soft-deleted (listings hide it unless asked). */
const isSoftDeleted = (record: JsonRecord): boolean => record['deletedAt'] !== undefined && record['deletedAt'] !== null;

/** Every record of a collection in ascending order of one sort key, overall and per project. */
export class SortedOrder {
  readonly #key: string;
  readonly #all: SortedRecords;
  readonly #byProject = new Map<string, SortedRecords>();
  /** How many of its records are soft-deleted (while none is, listings need not check). */
  #softDeleted = 0;

  /** Orders `records` on `key` (ties on `id`). */
  constructor(key: string, records: Iterable<JsonRecord>) {
    this.#key = key;
    const keyed = Array.from(records, (record) => ({ value: sortValue(record, key), record }));
    keyed.sort((a, b) => compareText(a.value, b.value) || compareText(a.record.id, b.record.id));
    const all = keyed.map((entry) => entry.record);
    const byProject = new Map<string, JsonRecord[]>();
    for (const record of all) {
      const project = byProject.get(record.projectId);
      if (project === undefined) byProject.set(record.projectId, [record]);
      else project.push(record);
    }
    this.#all = new SortedRecords(key, all);
    for (const [projectId, sorted] of byProject) this.#byProject.set(projectId, new SortedRecords(key, sorted));
    for (const record of all) if (isSoftDeleted(record)) this.#softDeleted += 1;
  }

  /**
   * The records of one page, in page order, up to `limit + 1` of them (one more than the page,
   * to tell whether another follows; all when there is no limit). `query.sortKey` must be this
   * order's key; `marker` is the current version of the marker record, if any.
   */
  page(query: NormalisedQuery, marker: JsonRecord | undefined): JsonRecord[] {
    const records = query.projectId === undefined ? this.#all : (this.#byProject.get(query.projectId) ?? NONE);
    if (records.empty) return [];
    const key = this.#key;
    let from: Position = { chunk: 0, index: 0 };
    let to = records.end();
    if (key === 'createdAt') {
      // The bounds are contiguous in this order: skip what lies outside them.
      if (query.createdAfter !== undefined) from = records.lowerBound(query.createdAfter);
      if (query.createdBefore !== undefined) to = records.lowerBound(query.createdBefore);
    }
    if (marker !== undefined) {
      const at = records.lowerBound(sortValue(marker, key), marker.id);
      if (query.sortDir === 'asc') {
        const after = records.at(at)?.id === marker.id ? records.next(at) : at;
        if (isBefore(from, after)) from = after;
      } else if (isBefore(at, to)) to = at;
    }
    const wanted = query.limit === undefined ? Number.POSITIVE_INFINITY : query.limit + 1;
    // Every record of [from, to) is in scope (the project's own order) and, sorting on
    // createdAt, within the time bounds; check each only for what the range does not settle.
    const settled =
      query.filters.length === 0 &&
      (key === 'createdAt' || (query.createdAfter === undefined && query.createdBefore === undefined)) &&
      (query.includeDeleted || this.#softDeleted === 0);
    return records.collect(from, to, query.sortDir, wanted, settled ? undefined : (record) => matchesQuery(record, query));
  }

  /** Adds a new record. */
  add(record: JsonRecord): void {
    if (isSoftDeleted(record)) this.#softDeleted += 1;
    this.#all.add(record);
    const project = this.#byProject.get(record.projectId);
    if (project === undefined) this.#byProject.set(record.projectId, new SortedRecords(this.#key, [record]));
    else project.add(record);
  }

  /** Removes `record` (the version held); false if it was not found (the order is then unusable). */
  remove(record: JsonRecord): boolean {
    const project = this.#byProject.get(record.projectId);
    const at = this.#all.find(record);
    const atProject = project?.find(record);
    if (at === undefined || atProject === undefined) return false;
    this.#all.removeAt(at);
    project!.removeAt(atProject);
    if (project!.empty) this.#byProject.delete(record.projectId);
    if (isSoftDeleted(record)) this.#softDeleted -= 1;
    return true;
  }

  /**
   * Puts `next` in the place of `previous` (the same id and project); in place when the sort
   * value is unchanged. False if `previous` was not found (the order is then unusable).
   */
  replace(previous: JsonRecord, next: JsonRecord): boolean {
    if (sortValue(previous, this.#key) !== sortValue(next, this.#key)) {
      if (!this.remove(previous)) return false;
      this.add(next);
      return true;
    }
    const project = this.#byProject.get(previous.projectId);
    const at = this.#all.find(previous);
    const atProject = project?.find(previous);
    if (at === undefined || atProject === undefined) return false;
    this.#all.setAt(at, next);
    project!.setAt(atProject, next);
    this.#softDeleted += Number(isSoftDeleted(next)) - Number(isSoftDeleted(previous));
    return true;
  }
}
