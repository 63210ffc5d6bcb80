/**
 * Service nodes (Karbor's os-services). Every protection service registers itself when it
 * starts — binary `karbor-protection`, host = its `ownerId` — under a small integer id that it
 * keeps across restarts. Its state is `up` while its liveness lease (`node:<ownerId>`) is held.
 * An admin may disable a node: it then refuses new long work (checkpoint create and delete,
 * restores, verifications, copies) with `KTS_ERR_SERVICE_DISABLED`, while running work goes on.
 *
 * @module
 */
import { ConflictError, NotFoundError, UnavailableError, ValidationError } from '../core/errors.js';
import { KeyedMutex } from '../core/keyed-mutex.js';
import type { ServiceRecord, ServiceStatus } from '../store/records.js';
import { SERVICE_WIDE_PROJECT } from '../store/records.js';
import type { ListQuery, Store } from '../store/store.js';
import { assertAdmin, type RequestContext } from './context.js';
import { now, type NodeIdentity } from './environment.js';

/** The binary name protection-service nodes register under. */
export const PROTECTION_BINARY = 'karbor-protection';

/** One service as clients see it (Karbor's os-services entry). */
export interface ServiceInfo {
  /** The small integer id clients print and pass back. */
  readonly id: number;
  /** The program: `karbor-protection`. */
  readonly binary: string;
  /** The node's `ownerId`. */
  readonly host: string;
  /** Whether it takes new long work. */
  readonly status: ServiceStatus;
  /** `up` while the node holds its liveness lease, else `down`. */
  readonly state: 'up' | 'down';
  /** When the node last registered (started) or its status last changed (ISO 8601). */
  readonly updatedAt: string;
  /** Why it was disabled; `null` while enabled or when no reason was given. */
  readonly disabledReason: string | null;
}

/** Filters of {@link ServiceNodes.list}. */
export interface ServiceQuery {
  /** Only services on this host. */
  readonly host?: string;
  /** Only services of this binary. */
  readonly binary?: string;
}

/** A change of {@link ServiceNodes.update}. */
export interface ServiceChange {
  /** The new status. */
  readonly status: ServiceStatus;
  /** Why it is disabled (only with `disabled`; at most 255 characters). */
  readonly disabledReason?: string;
}

/** Options of {@link ServiceNodes}. */
export interface ServiceNodesOptions {
  /** How long this node trusts the status it last read, in ms (a change through this node applies at once). @default 1000 */
  readonly statusCacheMs?: number;
}

interface CachedStatus {
  readonly status: ServiceStatus;
  readonly reason: string | undefined;
  readonly readAt: number;
}

const MAX_REASON = 255;
const ALLOCATION_ATTEMPTS = 20;

/** Registers this node, lists the nodes, enables and disables them. */
export class ServiceNodes {
  readonly #store: Store;
  readonly #node: NodeIdentity;
  readonly #cacheMs: number;
  readonly #registering = new KeyedMutex();
  #id: number | undefined;
  #cached: CachedStatus | undefined;

  /** Wires the service nodes of `store` as seen by `node`. */
  constructor(store: Store, node: NodeIdentity, options: ServiceNodesOptions = {}) {
    const cacheMs = options.statusCacheMs ?? 1000;
    if (!Number.isFinite(cacheMs) || cacheMs < 0) throw new ValidationError(`Invalid statusCacheMs ${String(cacheMs)}: expected a number ≥ 0`);
    this.#store = store;
    this.#node = node;
    this.#cacheMs = cacheMs;
  }

  /** This node's service id, once registered. */
  get id(): number | undefined {
    return this.#id;
  }

  /**
   * Registers this node (the service does it at start): reuses its row when it has one (keeping
   * its id and status), else takes the next free id (the highest + 1).
   */
  async register(): Promise<ServiceInfo> {
    return this.#registering.run('register', async () => {
      const host = this.#node.ownerId;
      let row = await this.#rowOf(host);
      if (row) {
        // Touch it: updatedAt says when the node last started.
        row = await this.#store.services.update(row.id, (current) => current);
      } else {
        row = await this.#insertRow(host);
      }
      this.#id = Number(row.id);
      this.#remember(row);
      return this.#info(row);
    });
  }

  /** Lists the services, by id (admins only; Karbor's `service:get_all`). */
  async list(context: RequestContext, query: ServiceQuery = {}): Promise<ServiceInfo[]> {
    assertAdmin(context, 'list services');
    const filters: Record<string, string> = {};
    for (const field of ['host', 'binary'] as const) {
      const value = query?.[field];
      if (value === undefined) continue;
      if (typeof value !== 'string') throw new ValidationError(`Invalid ${field} filter ${JSON.stringify(value)}: expected a string`, { details: { [field]: value } });
      filters[field] = value;
    }
    const rows = await this.#all({ filters });
    return Promise.all(rows.sort((a, b) => Number(a.id) - Number(b.id)).map((row) => this.#info(row)));
  }

  /**
   * Enables or disables service `id` (admins only). `KTS_ERR_SERVICE_NOT_FOUND` for an unknown
   * id; `KTS_ERR_VALIDATION` for a bad status, or a reason given with `enabled`. Enabling clears
   * the reason. A change of this node applies to it at once; other nodes see it within their
   * status cache time.
   */
  async update(context: RequestContext, id: number, change: ServiceChange): Promise<ServiceInfo> {
    assertAdmin(context, 'update services');
    if (!Number.isSafeInteger(id) || id <= 0) throw new ValidationError(`Invalid service id ${JSON.stringify(id)}: expected a positive integer`, { details: { service: id } });
    const { status, disabledReason } = change ?? ({} as Partial<ServiceChange>);
    if (status !== 'enabled' && status !== 'disabled') {
      throw new ValidationError(`Invalid service status ${JSON.stringify(status)}: expected "enabled" or "disabled"`, { details: { status } });
    }
    if (disabledReason !== undefined && disabledReason !== null) {
      if (status === 'enabled') throw new ValidationError('A disabled reason can only be given when disabling a service', { details: { status } });
      if (typeof disabledReason !== 'string' || disabledReason.length > MAX_REASON) {
        throw new ValidationError(`Invalid disabled reason: expected a string of at most ${MAX_REASON} characters`, { details: { status } });
      }
    }
    let row: ServiceRecord;
    try {
      row = await this.#store.services.update(String(id), ({ disabledReason: _previous, ...current }) => ({
        ...current,
        status,
        ...(status === 'disabled' && disabledReason ? { disabledReason } : {}),
      }));
    } catch (error) {
      if ((error as { code?: string }).code !== 'KTS_ERR_NOT_FOUND') throw error;
      throw new NotFoundError(`Service ${id} not found`, { code: 'KTS_ERR_SERVICE_NOT_FOUND', details: { service: id } });
    }
    if (Number(row.id) === this.#id) this.#remember(row);
    return this.#info(row);
  }

  /**
   * Throws `KTS_ERR_SERVICE_DISABLED` when this node is disabled. Reads its status from the
   * store at most once per cache period; an unregistered node accepts work.
   */
  async assertAccepting(): Promise<void> {
    if (this.#id === undefined) return;
    let cached = this.#cached;
    if (cached === undefined || Date.now() - cached.readAt >= this.#cacheMs) {
      const row = await this.#store.services.get(String(this.#id));
      cached = row ? this.#remember(row) : { status: 'enabled', reason: undefined, readAt: Date.now() };
      this.#cached = cached;
    }
    if (cached.status === 'disabled') {
      throw new UnavailableError(`This protection service (service ${this.#id}, host ${this.#node.ownerId}) is disabled${cached.reason ? `: ${cached.reason}` : ''}`, {
        details: { service: this.#id, host: this.#node.ownerId, ...(cached.reason ? { reason: cached.reason } : {}) },
      });
    }
  }

  #remember(row: ServiceRecord): CachedStatus {
    this.#cached = { status: row.status, reason: row.disabledReason, readAt: Date.now() };
    return this.#cached;
  }

  /** This node's row: the lowest id registered for its binary and host. */
  async #rowOf(host: string): Promise<ServiceRecord | undefined> {
    const rows = await this.#all({ filters: { binary: PROTECTION_BINARY, host } });
    return rows.sort((a, b) => Number(a.id) - Number(b.id))[0];
  }

  /**
   * Inserts this node's row under the highest id + 1; the id is the primary key, so a node
   * taking the same id at once makes one insert fail, and that one tries the next id. Should a
   * second process with the same ownerId have registered meanwhile, the lowest id wins.
   */
  async #insertRow(host: string): Promise<ServiceRecord> {
    for (let attempt = 0; attempt < ALLOCATION_ATTEMPTS; attempt++) {
      const highest = (await this.#all({})).reduce((max, row) => Math.max(max, Number(row.id) || 0), 0);
      const time = now();
      try {
        const row = await this.#store.services.insert({
          id: String(highest + 1),
          projectId: SERVICE_WIDE_PROJECT,
          binary: PROTECTION_BINARY,
          host,
          status: 'enabled',
          createdAt: time,
          updatedAt: time,
        });
        const winner = (await this.#rowOf(host)) ?? row;
        if (winner.id !== row.id) await this.#store.services.delete(row.id);
        return winner;
      } catch (error) {
        if ((error as { code?: string }).code !== 'KTS_ERR_CONFLICT') throw error;
      }
    }
    throw new ConflictError(`Could not allocate a service id for ${host} after ${ALLOCATION_ATTEMPTS} attempts`, { details: { host } });
  }

  async #all(query: Pick<ListQuery, 'filters'>): Promise<ServiceRecord[]> {
    const rows: ServiceRecord[] = [];
    let marker: string | undefined;
    do {
      const page = await this.#store.services.list({ ...query, limit: 500, sortKey: 'id', sortDir: 'asc', ...(marker === undefined ? {} : { marker }) });
      rows.push(...page.items);
      marker = page.nextMarker;
    } while (marker !== undefined);
    return rows;
  }

  async #info(row: ServiceRecord): Promise<ServiceInfo> {
    const holder = await this.#store.leases.holder(`node:${row.host}`);
    return {
      id: Number(row.id),
      binary: row.binary,
      host: row.host,
      status: row.status,
      state: holder !== undefined && holder.owner === row.host ? 'up' : 'down',
      updatedAt: row.updatedAt,
      disabledReason: row.disabledReason ?? null,
    };
  }
}
