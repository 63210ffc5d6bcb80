/**
 * Checkpoints in a bank: the checkpoint document, its per-resource sections and the indices
 * that list checkpoints — all inside one bank, so that bank alone can list, verify and restore
 * its checkpoints (a copy destination survives the loss of the main bank).
 *
 * Layout (relative to the section given):
 * - `checkpoints/<id>/index.json` — the document, written with compare-and-swap only;
 * - `checkpoints/<id>/resources/<Type>/<sha256(id)[:32]>/…` — each resource's section;
 * - `indices/by-project/<provider>/<project>/<time>@<id>`, `indices/by-provider/<provider>/<time>@<id>`
 *   and `indices/by-plan/<plan>/<time>@<id>` — empty JSON objects whose keys sort by creation
 *   time (`<time>` is `YYYYMMDDTHHmmssSSSZ`), so every listing is a bank listing with a marker,
 *   identical on every driver.
 *
 * Status changes go through the checkpoint transition table. Runs that read a checkpoint
 * claim it (`claim`), and a delete is refused while a live claim exists.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { BankSection } from '../core/bank-section.js';
import type { Checkpoint } from '../core/checkpoint.js';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.js';
import { resourceKey, type Resource } from '../core/resource.js';
import { assertTransition, type CheckpointStatus } from '../core/status.js';

/** Listing options of checkpoints. */
export interface CheckpointListOptions {
  /** The provider whose checkpoints to list. */
  readonly providerId: string;
  /** Only this project's; omit for every project (admins). */
  readonly projectId?: string;
  /** Only this plan's (plans belong to one project, so `projectId` is then checked per item). */
  readonly planId?: string;
  /** Created at or after (ISO 8601 or `YYYY-MM-DD`). */
  readonly startDate?: string;
  /** Created before (ISO 8601 or `YYYY-MM-DD`, which means the end of that day). */
  readonly endDate?: string;
  /** The id of the last checkpoint of the previous page. */
  readonly marker?: string;
  /** At most this many. */
  readonly limit?: number;
  /** Newest first (`desc`, the default) or oldest first. */
  readonly sortDir?: 'asc' | 'desc';
}

/** A page of checkpoints. */
export interface CheckpointPage {
  /** The checkpoints, in order. */
  readonly items: readonly Checkpoint[];
  /** The marker of the next page, when there is one. */
  readonly nextMarker?: string;
}

const PAGE = 200;

/** The time part of index keys: sortable and key-safe. */
export function indexTime(iso: string): string {
  return iso.replace(/[-:.]/g, '');
}

/** The checkpoints of one bank. */
export class CheckpointCollection {
  readonly #section: BankSection;
  readonly #clock: () => number;

  /** A collection kept in `section` (usually a bank's root). */
  constructor(section: BankSection, options: { clock?: () => number } = {}) {
    this.#section = section;
    this.#clock = options.clock ?? Date.now;
  }

  /** The section holding everything of checkpoint `id`. */
  sectionOf(id: string): BankSection {
    return this.#section.section(`checkpoints/${checkId(id)}`);
  }

  /** The section of `resource` inside checkpoint `id` (read-only when asked). */
  resourceSection(id: string, resource: Pick<Resource, 'type' | 'id'>, options: { readOnly?: boolean } = {}): BankSection {
    resourceKey(resource);
    const hashed = createHash('sha256').update(resource.id).digest('hex').slice(0, 32);
    return this.sectionOf(id).section(`resources/${resource.type}/${hashed}`, options);
  }

  /** Stores a new checkpoint and its index entries; `KTS_ERR_CONFLICT` if the id exists. */
  async create(checkpoint: Checkpoint): Promise<Checkpoint> {
    try {
      await this.#section.putJson(documentKey(checkpoint.id), checkpoint, { ifNoneMatch: '*' });
    } catch (error) {
      if ((error as { code?: string }).code === 'KTS_ERR_BANK_PRECONDITION_FAILED') {
        throw new ConflictError(`Checkpoint ${checkpoint.id} already exists`, { details: { checkpoint: checkpoint.id } });
      }
      throw error;
    }
    await Promise.all(indexKeys(checkpoint).map((key) => this.#section.putJson(key, {})));
    return checkpoint;
  }

  /** The checkpoint `id`, or `undefined`. */
  async find(id: string): Promise<Checkpoint | undefined> {
    return (await this.#section.getJson<Checkpoint>(documentKey(checkId(id))))?.value;
  }

  /** The checkpoint `id`; `KTS_ERR_CHECKPOINT_NOT_FOUND` otherwise. */
  async get(id: string): Promise<Checkpoint> {
    const checkpoint = await this.find(id);
    if (!checkpoint) throw notFound(id);
    return checkpoint;
  }

  /**
   * Changes a checkpoint with compare-and-swap: `change` gets the current document and returns
   * the new one (it may throw to abort). A status change must be allowed by the transition table.
   */
  async update(id: string, change: (current: Checkpoint) => Checkpoint): Promise<Checkpoint> {
    const { value } = await this.#section.updateJson<Checkpoint>(documentKey(checkId(id)), (current) => {
      if (!current) throw notFound(id);
      const next = change(current);
      if (next.id !== current.id) throw new ValidationError('A checkpoint update may not change its id');
      if (next.status !== current.status) assertTransition('checkpoint', current.status, next.status);
      return { ...next, updatedAt: new Date(this.#clock()).toISOString() };
    });
    return value;
  }

  /** Moves checkpoint `id` to `status` (and applies `extra` changes) if the table allows it. */
  setStatus(id: string, status: CheckpointStatus, extra: Partial<Checkpoint> = {}): Promise<Checkpoint> {
    return this.update(id, (current) => ({ ...current, ...extra, status }));
  }

  /**
   * Moves checkpoint `id` from `from` to `to` only while it is still in `from` (a run's last
   * word must not overwrite what the reaper or a reset decided meanwhile).
   */
  moveFrom(id: string, from: CheckpointStatus, to: CheckpointStatus, extra: Partial<Checkpoint> = {}): Promise<Checkpoint> {
    return this.update(id, (current) => (current.status === from ? { ...current, ...extra, status: to } : current));
  }

  /**
   * Claims checkpoint `id` for run `runId` until `ttlMs` from now: it must be `available`.
   * Renewing is claiming again. `KTS_ERR_CHECKPOINT_NOT_AVAILABLE` otherwise.
   */
  claim(id: string, runId: string, ttlMs: number): Promise<Checkpoint> {
    return this.update(id, (current) => {
      if (current.status !== 'available') {
        throw new ConflictError(`Checkpoint ${id} is ${current.status}, not available`, {
          code: 'KTS_ERR_CHECKPOINT_NOT_AVAILABLE',
          details: { checkpoint: id, status: current.status },
        });
      }
      return { ...current, inUse: { ...this.#liveClaims(current), [runId]: this.#clock() + ttlMs } };
    });
  }

  /** Drops run `runId`'s claim on checkpoint `id` (no-op when absent). */
  async release(id: string, runId: string): Promise<void> {
    const current = await this.find(id);
    if (!current?.inUse?.[runId]) return;
    await this.update(id, (latest) => {
      const { [runId]: _dropped, ...rest } = latest.inUse ?? {};
      return { ...latest, inUse: rest };
    });
  }

  /**
   * Starts deleting checkpoint `id`: moves it to `deleting` unless a live claim holds it
   * (`KTS_ERR_CHECKPOINT_IN_USE`) or its status forbids (`KTS_ERR_CHECKPOINT_NOT_AVAILABLE`).
   */
  beginDelete(id: string): Promise<Checkpoint> {
    return this.update(id, (current) => {
      if (!['available', 'error', 'error-deleting'].includes(current.status)) {
        throw new ConflictError(`Checkpoint ${id} is ${current.status}; only available or error checkpoints can be deleted`, {
          code: 'KTS_ERR_CHECKPOINT_NOT_AVAILABLE',
          details: { checkpoint: id, status: current.status },
        });
      }
      const claims = Object.keys(this.#liveClaims(current));
      if (claims.length > 0) {
        throw new ConflictError(`Checkpoint ${id} is in use by ${claims.length} running operation(s)`, {
          code: 'KTS_ERR_CHECKPOINT_IN_USE',
          details: { checkpoint: id, runs: claims },
        });
      }
      return { ...current, status: 'deleting', inUse: {} };
    });
  }

  /** Removes checkpoint `id` from every index (it stays readable by id as a tombstone). */
  async unindex(id: string): Promise<void> {
    const checkpoint = await this.find(id);
    if (checkpoint) await Promise.all(indexKeys(checkpoint).map((key) => this.#section.delete(key)));
  }

  /** Deletes every object of checkpoint `id` but its document (which stays as a tombstone). */
  async purgeData(id: string): Promise<void> {
    const section = this.sectionOf(id);
    let marker: string | undefined;
    do {
      const page = await section.list({ limit: 1000, ...(marker === undefined ? {} : { marker }) });
      for (const key of page.keys) if (key !== 'index.json') await section.delete(key);
      marker = page.nextMarker;
    } while (marker !== undefined);
  }

  /** Deletes everything of checkpoint `id`: index entries, objects and document. */
  async purge(id: string): Promise<void> {
    await this.unindex(id);
    await this.purgeData(id);
    await this.sectionOf(id).delete('index.json');
  }

  /**
   * How many checkpoints of project `projectId` under provider `providerId` this bank holds:
   * every one not yet deleted (a finished delete removes its index entries; a `deleting` one
   * still counts). Reads the by-project index keys only, never a document.
   */
  async countByProject(providerId: string, projectId: string): Promise<number> {
    const prefix = `indices/by-project/${checkId(providerId)}/${checkId(projectId)}/`;
    let count = 0;
    let marker: string | undefined;
    do {
      const page = await this.#section.list({ prefix, limit: 1000, ...(marker === undefined ? {} : { marker }) });
      count += page.keys.length;
      marker = page.nextMarker;
    } while (marker !== undefined);
    return count;
  }

  /** Lists checkpoints by provider, with plan and date filters, marker, limit and sort. */
  async list(options: CheckpointListOptions): Promise<CheckpointPage> {
    const sortDir = options.sortDir ?? 'desc';
    if (sortDir !== 'asc' && sortDir !== 'desc') throw new ValidationError(`Invalid sort direction ${JSON.stringify(sortDir)}: expected "asc" or "desc"`);
    const desc = sortDir === 'desc';
    const limit = options.limit ?? Infinity;
    if (!(limit === Infinity || (Number.isSafeInteger(limit) && limit > 0))) throw new ValidationError(`Invalid limit ${String(options.limit)}: expected a positive integer`);
    const prefix = options.planId
      ? `indices/by-plan/${checkId(options.planId)}/`
      : options.projectId
        ? `indices/by-project/${checkId(options.providerId)}/${checkId(options.projectId)}/`
        : `indices/by-provider/${checkId(options.providerId)}/`;
    const start = options.startDate ? indexTime(toIso(options.startDate, false)) : undefined;
    const end = options.endDate ? indexTime(toIso(options.endDate, true)) : undefined;
    let marker = await this.#markerKey(options, prefix);
    if (marker === undefined) marker = desc ? (end === undefined ? undefined : prefix + end) : start === undefined ? undefined : prefix + start;
    const items: Checkpoint[] = [];
    let more = true;
    while (items.length < limit && more) {
      const page = await this.#section.list({ prefix, order: desc ? 'desc' : 'asc', limit: PAGE, ...(marker === undefined ? {} : { marker }) });
      more = page.nextMarker !== undefined;
      for (const key of page.keys) {
        marker = key;
        const time = key.slice(prefix.length, key.indexOf('@', prefix.length));
        if ((desc && start !== undefined && time < start) || (!desc && end !== undefined && time >= end)) {
          more = false;
          break;
        }
        const checkpoint = await this.find(key.slice(key.indexOf('@', prefix.length) + 1));
        if (!checkpoint || checkpoint.providerId !== options.providerId) continue;
        if (options.projectId !== undefined && checkpoint.projectId !== options.projectId) continue;
        items.push(checkpoint);
        if (items.length === limit) {
          return { items, ...(more || key !== page.keys.at(-1) ? { nextMarker: checkpoint.id } : {}) };
        }
      }
    }
    return { items };
  }

  async #markerKey(options: CheckpointListOptions, prefix: string): Promise<string | undefined> {
    if (options.marker === undefined) return undefined;
    const checkpoint = await this.find(options.marker);
    if (!checkpoint) throw new ValidationError(`Marker ${options.marker} names no checkpoint`, { details: { marker: options.marker } });
    return `${prefix}${indexTime(checkpoint.createdAt)}@${checkpoint.id}`;
  }

  #liveClaims(checkpoint: Checkpoint): Record<string, number> {
    const now = this.#clock();
    return Object.fromEntries(Object.entries(checkpoint.inUse ?? {}).filter(([, expiresAt]) => expiresAt > now));
  }
}

function documentKey(id: string): string {
  return `checkpoints/${id}/index.json`;
}

function indexKeys(checkpoint: Checkpoint): string[] {
  const leaf = `${indexTime(checkpoint.createdAt)}@${checkpoint.id}`;
  return [
    `indices/by-project/${checkpoint.providerId}/${checkpoint.projectId}/${leaf}`,
    `indices/by-provider/${checkpoint.providerId}/${leaf}`,
    `indices/by-plan/${checkpoint.plan.id}/${leaf}`,
  ];
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function checkId(id: string): string {
  if (typeof id !== 'string' || !SAFE_ID.test(id)) {
    throw new ValidationError(`Invalid id ${JSON.stringify(id)}: expected letters, digits, '.', '_' or '-'`, { details: { id } });
  }
  return id;
}

function toIso(date: string, endOfDay: boolean): string {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(date);
  const parsed = new Date(day ? `${date}T00:00:00.000Z` : date);
  if (Number.isNaN(parsed.getTime())) throw new ValidationError(`Invalid date ${JSON.stringify(date)}: expected YYYY-MM-DD or ISO 8601`);
  if (day && endOfDay) parsed.setUTCDate(parsed.getUTCDate() + 1);
  return parsed.toISOString();
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(`Checkpoint ${id} not found`, { code: 'KTS_ERR_CHECKPOINT_NOT_FOUND', details: { checkpoint: id } });
}
