/**
 * Plans: the resources a provider protects together and their protect parameters. Resources
 * are checked against the provider's plugins and parameters against their options schemas
 * before anything is stored.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { isFrameworkError, NotFoundError, ValidationError } from '../core/errors.js';
import { isResourceKey, parseResourceKey, resourceKey, resourceParameters, type Resource } from '../core/resource.js';
import type { SchemaValidator } from '../core/schema.js';
import type { PlanRecord, PlanStatus } from '../store/records.js';
import type { ListQuery, ListResult, Store } from '../store/store.js';
import { listingScope, visibleTo, type RequestContext } from './context.js';
import type { Provider } from './provider.js';
import type { ProviderRegistry } from './providers.js';
import type { QuotaService } from './quotas.js';
import { PLAN_CREATE_SCHEMA, PLAN_UPDATE_SCHEMA } from './schemas.js';

/** Input of {@link PlanService.create}. */
export interface PlanInput {
  /** Display name. */
  readonly name: string;
  /** Free text. */
  readonly description?: string;
  /** The provider. */
  readonly providerId: string;
  /** The resources to protect (at least one). */
  readonly resources: readonly Resource[];
  /** Protect parameters keyed by type or `Type#id`. */
  readonly parameters?: Readonly<Record<string, Record<string, unknown>>>;
}

/** Input of {@link PlanService.update}: any of the fields. */
export interface PlanChanges {
  /** New name. */
  readonly name?: string;
  /** New description. */
  readonly description?: string;
  /** New status. */
  readonly status?: PlanStatus;
  /** New resources. */
  readonly resources?: readonly Resource[];
  /** New parameters. */
  readonly parameters?: Readonly<Record<string, Record<string, unknown>>>;
}

/** Listing options of plans. */
export type PlanListOptions = Pick<ListQuery, 'marker' | 'limit' | 'sortKey' | 'sortDir'> & {
  /** Filters: name, status, providerId, description. */
  readonly filters?: ListQuery['filters'];
  /** Admins: every project. */
  readonly allProjects?: boolean;
};

/** Creates, lists, shows, updates and deletes plans. */
export class PlanService {
  readonly #store: Store;
  readonly #providers: ProviderRegistry;
  readonly #quotas: QuotaService | undefined;
  readonly #validateCreate;
  readonly #validateUpdate;

  /** Wires the service; with `quotas`, creates are refused beyond the project's plan quota. */
  constructor(store: Store, providers: ProviderRegistry, validator: SchemaValidator, quotas?: QuotaService) {
    this.#store = store;
    this.#providers = providers;
    this.#quotas = quotas;
    this.#validateCreate = validator.compile<PlanInput>(PLAN_CREATE_SCHEMA);
    this.#validateUpdate = validator.compile<PlanChanges>(PLAN_UPDATE_SCHEMA);
  }

  /**
   * Creates a plan (status `suspended`) after checking it against the provider's plugins;
   * `KTS_ERR_QUOTA_EXCEEDED` when the caller's project has as many plans as its quota allows.
   */
  async create(context: RequestContext, input: PlanInput): Promise<PlanRecord> {
    const plan = this.#validateCreate(structuredClone(input), 'plan');
    const provider = this.#providers.get(plan.providerId);
    const resources = plan.resources.map(normaliseResource);
    const parameters = checkPlan(provider, resources, plan.parameters ?? {});
    const insert = (): Promise<PlanRecord> => {
      const now = new Date().toISOString();
      return this.#store.plans.insert({
        id: randomUUID(),
        projectId: context.projectId,
        name: plan.name,
        description: plan.description ?? '',
        providerId: provider.id,
        status: 'suspended',
        resources,
        parameters,
        createdAt: now,
        updatedAt: now,
      });
    };
    return this.#quotas ? this.#quotas.withinQuota(context.projectId, 'plans', insert) : insert();
  }

  /** The plan `id` in the caller's project; `KTS_ERR_PLAN_NOT_FOUND` otherwise. */
  async get(context: RequestContext, id: string): Promise<PlanRecord> {
    const plan = await this.#store.plans.get(id);
    if (!plan || !visibleTo(context, plan.projectId)) throw planNotFound(id);
    return plan;
  }

  /** Lists the caller's plans (every project's for an admin asking for all). */
  list(context: RequestContext, options: PlanListOptions = {}): Promise<ListResult<PlanRecord>> {
    const { allProjects, ...query } = options;
    const projectId = listingScope(context, allProjects);
    return this.#store.plans.list({ ...query, ...(projectId === undefined ? {} : { projectId }) });
  }

  /**
   * Updates a plan. Resources and parameters are checked again; changing them is allowed only
   * while the plan is `suspended` (Karbor's rule).
   */
  async update(context: RequestContext, id: string, changes: PlanChanges): Promise<PlanRecord> {
    const patch = this.#validateUpdate(structuredClone(changes), 'plan update');
    await this.get(context, id);
    return this.#store.plans.update(id, (current) => {
      if ((patch.resources || patch.parameters) && current.status !== 'suspended') {
        throw new ValidationError(`Plan ${id} is ${current.status}: its resources and parameters can change only while it is suspended`, {
          code: 'KTS_ERR_PLAN_INVALID',
          details: { plan: id, status: current.status },
        });
      }
      const resources = patch.resources ? patch.resources.map(normaliseResource) : current.resources;
      const parameters = patch.resources || patch.parameters ? checkPlan(this.#providers.get(current.providerId), resources, patch.parameters ?? current.parameters) : current.parameters;
      return {
        ...current,
        ...(patch.name === undefined ? {} : { name: patch.name }),
        ...(patch.description === undefined ? {} : { description: patch.description }),
        ...(patch.status === undefined ? {} : { status: patch.status }),
        resources,
        parameters,
      };
    });
  }

  /** Deletes a plan. Its checkpoints stay: each keeps a snapshot of the plan. */
  async delete(context: RequestContext, id: string): Promise<void> {
    await this.get(context, id);
    await this.#store.plans.delete(id);
  }
}

function planNotFound(id: string): NotFoundError {
  return new NotFoundError(`Plan ${id} not found`, { code: 'KTS_ERR_PLAN_NOT_FOUND', details: { plan: id } });
}

function invalidPlan(message: string, details: Record<string, unknown>, cause?: unknown): ValidationError {
  return new ValidationError(message, { code: 'KTS_ERR_PLAN_INVALID', details, cause });
}

function normaliseResource(resource: Resource): Resource {
  return { type: resource.type, id: resource.id, name: resource.name ?? resource.id, ...(resource.extraInfo ? { extraInfo: resource.extraInfo } : {}) };
}

/**
 * Checks resources and parameters against the provider's plugins; returns the parameters with
 * schema defaults filled in.
 */
export function checkPlan(provider: Provider, resources: readonly Resource[], parameters: Readonly<Record<string, unknown>>): Record<string, Record<string, unknown>> {
  const keys = new Set<string>();
  for (const resource of resources) {
    const key = resourceKey(resource);
    if (keys.has(key)) throw invalidPlan(`Resource ${key} appears twice in the plan`, { resource: key });
    keys.add(key);
    if (!provider.registry.findPlugin(resource.type)) {
      throw invalidPlan(`Provider ${provider.name} has no plugin for resource type ${resource.type}`, { resource: key, type: resource.type });
    }
  }
  const result: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(parameters)) {
    const type = isResourceKey(key) ? parseResourceKey(key).type : key;
    if (isResourceKey(key) ? !keys.has(key) : !provider.registry.findPlugin(type)) {
      throw invalidPlan(`Parameters given for ${key}, which is not a resource type of the provider nor a resource of the plan`, { key });
    }
    result[key] = { ...(value as Record<string, unknown>) };
  }
  for (const resource of resources) {
    try {
      provider.registry.validate(resource.type, 'options', resourceParameters(result, resource), `options of ${resourceKey(resource)}`);
    } catch (error) {
      if (!isFrameworkError(error, 'KTS_ERR_VALIDATION')) throw error;
      throw invalidPlan(error.message, { resource: resourceKey(resource), ...error.details }, error);
    }
  }
  return result;
}
