/**
 * Restores: run the restore flow from a chosen bank — the main one or a copy destination —
 * with per-resource status and reason. Checked before a record exists: the provider, the
 * checkpoint (the caller's, `available`), the parameters against each plugin's restore schema.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { RestoreContext } from '../core/operation.js';
import { resourceKey, type Resource, type ResourceKey } from '../core/resource.js';
import type { RestoreRecord } from '../store/records.js';
import type { ListedEntry, ListEntriesOptions, ListResult, RecordEntry } from '../store/store.js';
import { graphOf, type CheckpointService } from './checkpoints.js';
import type { RequestContext } from './context.js';
import { now, type ServiceEnvironment } from './environment.js';
import { type ScopedQuery, cancelRun, checkParameters, getScoped, getScopedEntry, initialStatuses, launchRecordRun, listScoped, listScopedEntries, noProgressYet } from './run-records.js';
import { RESTORE_CREATE_SCHEMA } from './schemas.js';

/** Input of {@link RestoreService.create}. */
export interface RestoreInput {
  /** The provider. */
  readonly providerId: string;
  /** The checkpoint to restore from. */
  readonly checkpointId: string;
  /** Restore parameters keyed by type or `Type#id`. */
  readonly parameters?: Readonly<Record<string, Record<string, unknown>>>;
  /** Where to restore to, free-form (Karbor's `restore_target`). */
  readonly restoreTarget?: string;
  /** The bank to restore from (`main` or a destination); searched in order when omitted. */
  readonly bank?: string;
}

/** Creates, lists, shows and cancels restores. */
export class RestoreService {
  readonly #env: ServiceEnvironment;
  readonly #checkpoints: CheckpointService;
  readonly #validateInput;

  /** Wires the service. */
  constructor(env: ServiceEnvironment, checkpoints: CheckpointService) {
    this.#env = env;
    this.#checkpoints = checkpoints;
    this.#validateInput = env.validator.compile<RestoreInput>(RESTORE_CREATE_SCHEMA);
  }

  /**
   * Validates, writes the `in_progress` record and starts the flow; returns the record at once.
   * `KTS_ERR_SERVICE_DISABLED` when this node is disabled.
   */
  async create(context: RequestContext, input: RestoreInput): Promise<RestoreRecord> {
    this.#env.runs.assertOpen();
    await this.#env.assertAccepting();
    const request = this.#validateInput(structuredClone(input), 'restore');
    const provider = this.#env.providers.get(request.providerId);
    const { bank, checkpoint } = await this.#checkpoints.locateAvailable(context, provider, request.checkpointId, request.bank, 'restored');
    const graph = graphOf(checkpoint);
    const parameters = checkParameters(provider, graph, request.parameters ?? {}, 'restore');
    const collection = this.#env.checkpointsOf(provider.bankNamed(bank));
    const id = randomUUID();
    const time = now();
    const newResources = new Map<ResourceKey, Resource>();
    return launchRecordRun<RestoreRecord, RestoreContext>({
      env: this.#env,
      collection: this.#env.store.restores,
      record: {
        id,
        projectId: checkpoint.projectId,
        providerId: provider.id,
        checkpointId: checkpoint.id,
        bank,
        status: 'in_progress',
        ...(request.restoreTarget === undefined ? {} : { restoreTarget: request.restoreTarget }),
        parameters: request.parameters ?? {},
        resourcesStatus: initialStatuses(graph, 'restoring'),
        resourcesReason: {},
        progress: noProgressYet(graph.size),
        ownerId: this.#env.node.ownerId,
        incarnation: this.#env.node.incarnation,
        createdAt: time,
        updatedAt: time,
      },
      claim: { checkpoints: collection, checkpointId: checkpoint.id },
      log: { projectId: checkpoint.projectId, operationType: 'restore', providerId: provider.id, bank, checkpointId: checkpoint.id, planId: checkpoint.plan.id, restoreId: id },
      statuses: { done: 'success', failed: 'fail' },
      operation: {
        operation: 'restore',
        checkpoint,
        graph,
        resolve: (resource) => {
          const plugin = provider.registry.findPlugin(resource.type);
          return plugin ? plugin.getRestoreOperation(resource) : { skip: `no plugin of provider ${provider.name} handles ${resource.type}` };
        },
        sectionOf: (resource) => collection.resourceSection(checkpoint.id, resource, { readOnly: true }),
        parametersOf: (resource) => parameters.get(resourceKey(resource)) ?? {},
        extend: (base) => ({ ...base, newResources, ...(request.restoreTarget === undefined ? {} : { target: { restoreTarget: request.restoreTarget } }) }),
      },
    });
  }

  /** Lists the caller's restores (filters: status, providerId, checkpointId). */
  list(context: RequestContext, query: ScopedQuery = {}): Promise<ListResult<RestoreRecord>> {
    return listScoped(this.#env.store.restores, context, query);
  }

  /** One restore; `KTS_ERR_RESTORE_NOT_FOUND` when absent or another project's. */
  get(context: RequestContext, id: string): Promise<RestoreRecord> {
    return getScoped(this.#env.store.restores, context, id, 'KTS_ERR_RESTORE_NOT_FOUND', 'Restore');
  }

  /**
   * The caller's restores as `list` gives them, but as shared, read-only store entries (no
   * copies), for callers that only render them; entries whose revision `options.known` answers
   * true for may come without their record.
   */
  listEntries(context: RequestContext, query: ScopedQuery = {}, options: ListEntriesOptions = {}): Promise<ListResult<ListedEntry<RestoreRecord>>> {
    return listScopedEntries(this.#env.store.restores, context, query, options);
  }

  /** One restore as `get` gives it, but as a shared, read-only store entry (no copy). */
  getEntry(context: RequestContext, id: string): Promise<RecordEntry<RestoreRecord>> {
    return getScopedEntry(this.#env.store.restores, context, id, 'KTS_ERR_RESTORE_NOT_FOUND', 'Restore');
  }

  /** Cancels a running restore: its revert runs and it ends `fail` with reason "cancelled". */
  async cancel(context: RequestContext, id: string): Promise<RestoreRecord> {
    const record = await this.get(context, id);
    await cancelRun(this.#env.runs, id, record.status === 'in_progress', 'Restore');
    return this.get(context, id);
  }
}
