/**
 * Protectables (Karbor's global protectables view): the resource types the protectable plugins
 * of every provider can list, which types depend on which, and the instances of a type, with
 * their dependent resources. A type listed by several providers is one type here; instances
 * are gathered from each provider's plugin for the type and de-duplicated by id. Listing pages
 * for real (Karbor validated `marker` and `limit` and then ignored them), parameters are checked
 * against each plugin's `instanceParametersSchema`, and plugin failures become coded errors
 * naming the plugin.
 *
 * @module
 */
import { isCancellation, isFrameworkError, messageOf, NotFoundError, PluginError, ValidationError } from '../core/errors.js';
import { ErrorKind } from '../core/error-codes.js';
import type { Logger } from '../core/logger.js';
import type { ProtectableContext, ProtectablePlugin } from '../core/plugin.js';
import type { Resource } from '../core/resource.js';
import type { SchemaValidator } from '../core/schema.js';
import type { RequestContext } from './context.js';
import type { ProviderRegistry } from './providers.js';

/** A protectable type and the types whose instances may depend on it (Karbor's `protectable_type`). */
export interface ProtectableType {
  /** The resource type. */
  readonly name: string;
  /** Types whose protectable plugin lists this type among its parent types, sorted. */
  readonly dependentTypes: string[];
}

/** One instance of a protectable type (Karbor's protectable instance). */
export interface ProtectableInstance {
  /** The instance id. */
  readonly id: string;
  /** Its resource type. */
  readonly type: string;
  /** A display name. */
  readonly name?: string;
  /** Free-form facts the plugin attached. */
  readonly extraInfo?: Readonly<Record<string, unknown>>;
  /** The resources that depend on it (found by the plugins whose parent types include its type). */
  readonly dependentResources: Resource[];
}

/** Options of {@link ProtectableService.instances}. */
export interface InstanceQuery {
  /** Parameters for the plugins (checked against each plugin's `instanceParametersSchema`). */
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** The id of the last instance of the previous page (exclusive); it must be an instance id. */
  readonly marker?: string;
  /** At most this many instances (a positive integer). */
  readonly limit?: number;
  /** Cancels slow plugins. */
  readonly signal?: AbortSignal;
}

/** Options of {@link ProtectableService.instance}. */
export interface InstanceOptions {
  /** Parameters for the plugins (checked against each plugin's `instanceParametersSchema`). */
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** Cancels slow plugins. */
  readonly signal?: AbortSignal;
}

/** A page of instances, sorted by id. */
export interface InstancePage {
  /** The instances of this page. */
  readonly items: ProtectableInstance[];
  /** Pass as `marker` for the next page; absent on the last page. */
  readonly nextMarker?: string;
}

/** Lists protectable types and their instances across every provider. */
export class ProtectableService {
  readonly #providers: ProviderRegistry;
  readonly #validator: SchemaValidator;
  readonly #logger: Logger;

  /** Wires the service. */
  constructor(providers: ProviderRegistry, validator: SchemaValidator, logger: Logger) {
    this.#providers = providers;
    this.#validator = validator;
    this.#logger = logger;
  }

  /** The types any provider's protectable plugins can list, sorted. */
  types(_context: RequestContext): string[] {
    return [...new Set(this.#plugins().map((plugin) => plugin.resourceType))].sort();
  }

  /** A type with its dependent types; `KTS_ERR_PROTECTABLE_TYPE_NOT_FOUND` for a type no plugin lists. */
  type(_context: RequestContext, type: string): ProtectableType {
    this.#listersOf(type);
    const dependentTypes = this.#dependentPlugins(type).map((plugin) => plugin.resourceType);
    return { name: type, dependentTypes: [...new Set(dependentTypes)].sort() };
  }

  /**
   * The instances of `type` from every provider's plugin for it, de-duplicated by id (the first
   * provider's wins), sorted by id and paged; each with its dependent resources.
   * `KTS_ERR_VALIDATION` for bad parameters, an unknown marker or a bad limit.
   */
  async instances(context: RequestContext, type: string, query: InstanceQuery = {}): Promise<InstancePage> {
    const listers = this.#listersOf(type);
    const { marker, limit } = query;
    if (limit !== undefined && !(Number.isSafeInteger(limit) && limit > 0)) {
      throw new ValidationError(`Invalid limit ${JSON.stringify(limit)}: expected a positive integer`, { details: { limit } });
    }
    if (marker !== undefined && typeof marker !== 'string') throw new ValidationError(`Invalid marker ${JSON.stringify(marker)}: expected an instance id`, { details: { marker } });
    const checked = listers.map((plugin) => [plugin, this.#parameters(plugin, query.parameters)] as const);
    const plugins = this.#context(context, query.signal);
    const byId = new Map<string, Resource>();
    for (const [plugin, parameters] of checked) {
      const listed = await call(plugin, 'list instances', () => plugin.listResources(plugins, parameters));
      if (!Array.isArray(listed)) throw pluginFailure(plugin, 'list instances', new TypeError('listResources did not return an array'));
      for (const resource of listed) {
        checkResource(plugin, resource, 'list instances');
        if (resource.type === type && !byId.has(resource.id)) byId.set(resource.id, resource);
      }
    }
    const all = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    let start = 0;
    if (marker !== undefined) {
      start = all.findIndex((resource) => resource.id === marker) + 1;
      if (start === 0) throw new ValidationError(`Marker ${JSON.stringify(marker)} names no instance of ${type}`, { details: { marker, type } });
    }
    const page = limit === undefined ? all.slice(start) : all.slice(start, start + limit);
    const items = await Promise.all(page.map((resource) => this.#withDependents(plugins, resource)));
    const more = start + page.length < all.length;
    return { items, ...(more && page.length > 0 ? { nextMarker: page.at(-1)!.id } : {}) };
  }

  /**
   * One instance of `type`, asked of each provider's plugin for it in turn, with its dependent
   * resources. `KTS_ERR_PROTECTABLE_NOT_FOUND` when none knows it; a plugin failure is a
   * `PluginError` naming the plugin (when no other plugin knows the instance).
   */
  async instance(context: RequestContext, type: string, id: string, options: InstanceOptions = {}): Promise<ProtectableInstance> {
    const listers = this.#listersOf(type);
    if (typeof id !== 'string' || id.length === 0) throw new ValidationError(`Invalid instance id ${JSON.stringify(id)}`, { details: { id } });
    const checked = listers.map((plugin) => [plugin, this.#parameters(plugin, options.parameters)] as const);
    const plugins = this.#context(context, options.signal);
    let failure: unknown;
    for (const [plugin, parameters] of checked) {
      let resource: Resource;
      try {
        resource = await plugin.showResource(plugins, id, parameters);
      } catch (error) {
        if (isFrameworkError(error) && error.kind === ErrorKind.NOT_FOUND) continue;
        if (isCancellation(error)) throw error;
        failure ??= pluginFailure(plugin, 'show an instance', error);
        this.#logger.warn('a protectable plugin could not show an instance', { plugin: plugin.name, type, id, error: messageOf(error) });
        continue;
      }
      checkResource(plugin, resource, 'show an instance');
      if (resource.type === type && resource.id === id) return this.#withDependents(plugins, resource);
    }
    if (failure !== undefined) throw failure;
    throw new NotFoundError(`No ${type} instance ${JSON.stringify(id)} is known`, { code: 'KTS_ERR_PROTECTABLE_NOT_FOUND', details: { type, id } });
  }

  /** Every protectable plugin of every provider, each once. */
  #plugins(): ProtectablePlugin[] {
    return [...new Set(this.#providers.list().flatMap((provider) => provider.registry.protectables()))];
  }

  /** The plugins listing `type`; `KTS_ERR_PROTECTABLE_TYPE_NOT_FOUND` when there are none. */
  #listersOf(type: string): ProtectablePlugin[] {
    const listers = this.#plugins().filter((plugin) => plugin.resourceType === type);
    if (listers.length === 0) {
      throw new NotFoundError(`No provider can list protectable type ${JSON.stringify(type)}`, { code: 'KTS_ERR_PROTECTABLE_TYPE_NOT_FOUND', details: { type } });
    }
    return listers;
  }

  #dependentPlugins(type: string): ProtectablePlugin[] {
    return this.#plugins().filter((plugin) => plugin.parentResourceTypes.includes(type));
  }

  /** The parameters for `plugin`, checked against its schema (defaults filled into a copy). */
  #parameters(plugin: ProtectablePlugin, parameters: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> | undefined {
    if (parameters === undefined) return undefined;
    if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
      throw new ValidationError('Invalid instance parameters: expected an object', { details: { plugin: plugin.name } });
    }
    const copy = structuredClone(parameters) as Record<string, unknown>;
    if (!plugin.instanceParametersSchema) return copy;
    return this.#validator.compile<Record<string, unknown>>(plugin.instanceParametersSchema, { details: { plugin: plugin.name } })(
      copy,
      `instance parameters of ${plugin.resourceType} (protectable ${plugin.name})`,
    );
  }

  #context(context: RequestContext, signal: AbortSignal | undefined): ProtectableContext {
    return { projectId: context.projectId, logger: this.#logger, ...(signal ? { signal } : {}) };
  }

  async #withDependents(plugins: ProtectableContext, resource: Resource): Promise<ProtectableInstance> {
    const dependents = new Map<string, Resource>();
    for (const plugin of this.#dependentPlugins(resource.type)) {
      const found = await call(plugin, `list the dependents of ${resource.type}#${resource.id}`, () => plugin.getDependentResources(plugins, resource));
      if (!Array.isArray(found)) throw pluginFailure(plugin, 'list dependents', new TypeError('getDependentResources did not return an array'));
      for (const dependent of found) {
        checkResource(plugin, dependent, 'list dependents');
        dependents.set(`${dependent.type}#${dependent.id}`, dependent);
      }
    }
    return {
      id: resource.id,
      type: resource.type,
      ...(resource.name === undefined ? {} : { name: resource.name }),
      ...(resource.extraInfo === undefined ? {} : { extraInfo: resource.extraInfo }),
      dependentResources: [...dependents.values()],
    };
  }
}

async function call<T>(plugin: ProtectablePlugin, what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    // A cancelled request stays a cancellation, not a plugin failure.
    if (isCancellation(error)) throw error;
    throw pluginFailure(plugin, what, error);
  }
}

function pluginFailure(plugin: ProtectablePlugin, what: string, cause: unknown): PluginError {
  return new PluginError(`Protectable plugin ${plugin.name} could not ${what}: ${messageOf(cause)}`, {
    cause,
    details: { plugin: plugin.name, type: plugin.resourceType },
  });
}

function checkResource(plugin: ProtectablePlugin, resource: unknown, what: string): asserts resource is Resource {
  const candidate = resource as Partial<Resource> | null;
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.type !== 'string' || typeof candidate.id !== 'string' || candidate.id === '') {
    throw pluginFailure(plugin, what, new TypeError(`it returned ${JSON.stringify(resource)}, not a resource with a type and an id`));
  }
}
