/**
 * Quotas (Karbor's `quotas` and `quota_classes`): how many plans and checkpoints a project may
 * have. Limits resolve in three layers — the built-in defaults (plans 50, checkpoints
 * unlimited), overridden by the `default` quota class, overridden by the project's own limits —
 * one resource at a time; `-1` means unlimited. Creates are checked against them: counting and
 * creating run under a lock per project and resource, so concurrent creates on one node never
 * overshoot (several nodes may, by the creates racing between them). Work that creates items
 * later — a copy's checkpoints — reserves room first (Karbor's copies bypassed the quota).
 *
 * @module
 */
import { ConflictError, LimitError, ValidationError } from '../core/errors.js';
import { KeyedMutex } from '../core/keyed-mutex.js';
import type { Bank } from '../bank/bank.js';
import type { QuotaRecord, QuotaResource, QuotaScope } from '../store/records.js';
import { SERVICE_WIDE_PROJECT } from '../store/records.js';
import type { Store } from '../store/store.js';
import { assertAdmin, type RequestContext } from './context.js';
import { now, type ServiceEnvironment } from './environment.js';

/** Effective limits, one per resource; `-1` means unlimited. */
export interface QuotaSet {
  /** Plans a project may have. */
  readonly plans: number;
  /** Checkpoints a project may have (not deleted, in every bank of every provider). */
  readonly checkpoints: number;
}

/** A limit with its use (Karbor's quota detail). */
export interface QuotaUsage {
  /** The effective limit; `-1` means unlimited. */
  readonly limit: number;
  /** How many the project has now. */
  readonly inUse: number;
  /** Held on this node for items running work will create (a copy's checkpoints). */
  readonly reserved: number;
}

/** Limits and use of every resource. */
export interface QuotaDetail {
  /** Plans. */
  readonly plans: QuotaUsage;
  /** Checkpoints. */
  readonly checkpoints: QuotaUsage;
}

/** Room held by {@link QuotaService.reserve}. */
export interface QuotaReservation {
  /** Gives back `count` of the held items (all that are left by default). */
  release(count?: number): void;
}

/** The resources a quota limits, in a stable order. */
export const QUOTA_RESOURCES: readonly QuotaResource[] = ['plans', 'checkpoints'];

/** Karbor's built-in defaults: 50 plans, unlimited checkpoints. */
export const DEFAULT_QUOTAS: QuotaSet = { plans: 50, checkpoints: -1 };

/** The quota class whose limits every project starts from. */
export const DEFAULT_QUOTA_CLASS = 'default';

const MAX_LIMIT = 2_147_483_647;
const MAX_NAME = 255;

/** Reads, changes and enforces quotas. */
export class QuotaService {
  readonly #env: ServiceEnvironment;
  readonly #store: Store;
  readonly #defaults: QuotaSet;
  readonly #locks = new KeyedMutex();
  readonly #reserved = new Map<string, number>();

  /** Wires the service; `defaults` replace the built-in defaults (the `default` class still overrides them). */
  constructor(env: ServiceEnvironment, defaults: Partial<QuotaSet> = {}) {
    this.#env = env;
    this.#store = env.store;
    this.#defaults = { ...DEFAULT_QUOTAS, ...checkChanges(defaults, 'quota defaults') };
  }

  /** The project's effective limits. Another project's need an admin (`KTS_ERR_FORBIDDEN`). */
  async get(context: RequestContext, projectId: string): Promise<QuotaSet> {
    assertReadable(context, checkName(projectId, 'project id'));
    return this.#effective(projectId);
  }

  /** The project's limits with what it uses now. Another project's need an admin. */
  async detail(context: RequestContext, projectId: string): Promise<QuotaDetail> {
    assertReadable(context, checkName(projectId, 'project id'));
    const [limits, plans, checkpoints] = await Promise.all([this.#effective(projectId), this.#inUse(projectId, 'plans'), this.#inUse(projectId, 'checkpoints')]);
    const reserved = (resource: QuotaResource): number => this.#reserved.get(lockKey(projectId, resource)) ?? 0;
    return {
      plans: { limit: limits.plans, inUse: plans, reserved: reserved('plans') },
      checkpoints: { limit: limits.checkpoints, inUse: checkpoints, reserved: reserved('checkpoints') },
    };
  }

  /** The limits every project starts from: the `default` class over the built-in defaults. */
  async defaults(_context: RequestContext): Promise<QuotaSet> {
    return this.#classLimits(DEFAULT_QUOTA_CLASS);
  }

  /**
   * Sets some of a project's own limits (admins only); the others keep falling back. Values are
   * integers ≥ -1 (`KTS_ERR_VALIDATION` otherwise). Lowering a limit below what the project uses
   * is allowed: it only refuses further creates. Returns the project's effective limits.
   */
  async update(context: RequestContext, projectId: string, changes: Partial<QuotaSet>): Promise<QuotaSet> {
    assertAdmin(context, 'update quotas');
    checkName(projectId, 'project id');
    await this.#upsert('project', projectId, projectId, checkChanges(changes, 'quota'));
    return this.#effective(projectId);
  }

  /** Drops a project's own limits, so it falls back to the `default` class (admins only). */
  async delete(context: RequestContext, projectId: string): Promise<void> {
    assertAdmin(context, 'delete quotas');
    await this.#store.quotas.delete(recordId('project', checkName(projectId, 'project id')));
  }

  /** A quota class's limits: its own over the `default` class over the built-in defaults. */
  async getClass(_context: RequestContext, name: string): Promise<QuotaSet> {
    return this.#classLimits(checkName(name, 'quota class name'));
  }

  /** Sets some limits of a quota class (admins only); returns its limits after the change. */
  async updateClass(context: RequestContext, name: string, changes: Partial<QuotaSet>): Promise<QuotaSet> {
    assertAdmin(context, 'update quota classes');
    checkName(name, 'quota class name');
    await this.#upsert('class', name, SERVICE_WIDE_PROJECT, checkChanges(changes, 'quota class'));
    return this.#classLimits(name);
  }

  /**
   * Runs `create` only if the project may have one more `resource`: the count and `create` run
   * under a lock per project and resource, so `create` must have made the new item countable
   * when it resolves. `KTS_ERR_QUOTA_EXCEEDED` (details `resource`, `limit`, `inUse`) otherwise.
   */
  async withinQuota<T>(projectId: string, resource: QuotaResource, create: () => Promise<T>): Promise<T> {
    // Unlimited: nothing to count, so nothing to serialise.
    if ((await this.#effective(projectId))[resource] === -1) return create();
    return this.#locks.run(lockKey(projectId, resource), async () => {
      await this.#check(projectId, resource, 1);
      return create();
    });
  }

  /**
   * Holds room for `count` more `resource`s that running work will create later (a copy's
   * checkpoints), so that creates meanwhile cannot take it. The work releases each item once it
   * exists (it then counts by itself) or will not be made, and the rest when it ends. Held on
   * this node only; shown as `reserved` by {@link QuotaService.detail}.
   * `KTS_ERR_QUOTA_EXCEEDED` when the room is not there.
   */
  async reserve(projectId: string, resource: QuotaResource, count: number): Promise<QuotaReservation> {
    if (!Number.isSafeInteger(count) || count < 0) throw new ValidationError(`Invalid reservation of ${String(count)} ${resource}`);
    const key = lockKey(projectId, resource);
    await this.#locks.run(key, async () => {
      await this.#check(projectId, resource, count);
      this.#reserved.set(key, (this.#reserved.get(key) ?? 0) + count);
    });
    let left = count;
    return {
      release: (n = left) => {
        const released = Math.min(Math.max(0, n), left);
        left -= released;
        const remaining = (this.#reserved.get(key) ?? 0) - released;
        if (remaining > 0) this.#reserved.set(key, remaining);
        else this.#reserved.delete(key);
      },
    };
  }

  /** Throws `KTS_ERR_QUOTA_EXCEEDED` unless `count` more fit (call under the project's lock). */
  async #check(projectId: string, resource: QuotaResource, count: number): Promise<void> {
    const limit = (await this.#effective(projectId))[resource];
    if (limit === -1 || count === 0) return;
    const inUse = await this.#inUse(projectId, resource);
    const reserved = this.#reserved.get(lockKey(projectId, resource)) ?? 0;
    if (inUse + reserved + count > limit) {
      const held = reserved > 0 ? ` (${reserved} more reserved)` : '';
      throw new LimitError(`Quota exceeded for ${resource}: project ${projectId} has ${inUse} of ${limit}${held}, and ${count} more would not fit`, {
        details: { resource, limit, inUse, ...(reserved > 0 ? { reserved } : {}), ...(count === 1 ? {} : { requested: count }) },
      });
    }
  }

  async #effective(projectId: string): Promise<QuotaSet> {
    const [base, own] = await Promise.all([this.#classLimits(DEFAULT_QUOTA_CLASS), this.#store.quotas.get(recordId('project', projectId))]);
    return { ...base, ...own?.limits };
  }

  async #classLimits(name: string): Promise<QuotaSet> {
    const ids = name === DEFAULT_QUOTA_CLASS ? [DEFAULT_QUOTA_CLASS] : [DEFAULT_QUOTA_CLASS, name];
    const records = await Promise.all(ids.map((id) => this.#store.quotas.get(recordId('class', id))));
    return records.reduce<QuotaSet>((limits, record) => ({ ...limits, ...record?.limits }), this.#defaults);
  }

  /** Creates or changes the record of `scope`/`name`, under the lock of that record. */
  async #upsert(scope: QuotaScope, name: string, projectId: string, limits: Partial<QuotaSet>): Promise<void> {
    if (Object.keys(limits).length === 0) return;
    const id = recordId(scope, name);
    await this.#locks.run(`record\u0000${id}`, async () => {
      // A few rounds settle any race with another node creating or deleting the same record.
      for (let attempt = 0; ; attempt++) {
        if (attempt === 5) throw new ConflictError(`Quota record ${id} kept changing; try again`, { details: { quota: id } });
        if (await this.#store.quotas.get(id)) {
          try {
            await this.#store.quotas.update(id, (current) => ({ ...current, limits: { ...current.limits, ...limits } }));
            return;
          } catch (error) {
            // Deleted meanwhile (by another node): create it instead.
            if ((error as { code?: string }).code !== 'KTS_ERR_NOT_FOUND') throw error;
          }
        }
        const time = now();
        const record: QuotaRecord = { id, projectId, scope, name, limits, createdAt: time, updatedAt: time };
        try {
          await this.#store.quotas.insert(record);
          return;
        } catch (error) {
          // Created meanwhile (by another node): change it instead.
          if ((error as { code?: string }).code !== 'KTS_ERR_CONFLICT') throw error;
        }
      }
    });
  }

  async #inUse(projectId: string, resource: QuotaResource): Promise<number> {
    return resource === 'plans' ? this.#plansOf(projectId) : this.#checkpointsOf(projectId);
  }

  async #plansOf(projectId: string): Promise<number> {
    let count = 0;
    let marker: string | undefined;
    do {
      const page = await this.#store.plans.list({ projectId, limit: 500, sortKey: 'id', sortDir: 'asc', ...(marker === undefined ? {} : { marker }) });
      count += page.items.length;
      marker = page.nextMarker;
    } while (marker !== undefined);
    return count;
  }

  /** Checkpoints of the project in every bank of every provider, from the banks' index keys. */
  async #checkpointsOf(projectId: string): Promise<number> {
    const counts: Promise<number>[] = [];
    for (const provider of this.#env.providers.list()) {
      const banks = new Set<Bank>(provider.banks().map(([, bank]) => bank));
      for (const bank of banks) counts.push(this.#env.checkpointsOf(bank).countByProject(provider.id, projectId));
    }
    return (await Promise.all(counts)).reduce((sum, count) => sum + count, 0);
  }
}

function lockKey(projectId: string, resource: QuotaResource): string {
  return `${projectId}\u0000${resource}`;
}

function recordId(scope: QuotaScope, name: string): string {
  return `${scope}:${name}`;
}

function assertReadable(context: RequestContext, projectId: string): void {
  if (context?.projectId !== projectId) assertAdmin(context, "read another project's quotas");
}

function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME) {
    throw new ValidationError(`Invalid ${what} ${JSON.stringify(name)}: expected 1 to ${MAX_NAME} characters`, { details: { [what]: name } });
  }
  return name;
}

/** Checks a partial quota set: known resources only, each an integer from -1 (unlimited) up. */
function checkChanges(changes: unknown, what: string): Partial<QuotaSet> {
  if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) {
    throw new ValidationError(`Invalid ${what}: expected an object with plans and/or checkpoints`);
  }
  const checked: { -readonly [K in QuotaResource]?: number } = {};
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    if (!(QUOTA_RESOURCES as readonly string[]).includes(key)) {
      throw new ValidationError(`Invalid ${what}: unknown resource ${JSON.stringify(key)} (expected ${QUOTA_RESOURCES.join(' or ')})`, { details: { resource: key } });
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < -1 || value > MAX_LIMIT) {
      throw new ValidationError(`Invalid ${what}: ${key} must be an integer from -1 (unlimited) to ${MAX_LIMIT}, got ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`, {
        details: { resource: key, value },
      });
    }
    checked[key as QuotaResource] = value;
  }
  return checked;
}
