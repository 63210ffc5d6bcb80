/**
 * Checkpoints: create runs the protect flow over the plan's resource graph, delete runs the
 * delete flow, reset-state rescues a checkpoint no run holds, list and show read the bank.
 * Both flows answer at once; the caller polls the checkpoint.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { CheckpointPage } from '../bank/checkpoints.js';
import type { Checkpoint, CheckpointResource } from '../core/checkpoint.js';
import { ConflictError, messageOf, NotFoundError, PluginError, ValidationError } from '../core/errors.js';
import type { ProtectableContext } from '../core/plugin.js';
import { toFailureSnapshot } from '../core/failure.js';
import { ResourceGraph } from '../core/graph.js';
import { resourceParameters, type Resource, type ResourceKey } from '../core/resource.js';
import type { CheckpointStatus } from '../core/status.js';
import { listingScope, visibleTo, type RequestContext } from './context.js';
import { now, type ServiceEnvironment } from './environment.js';
import { CoalescedWriter } from './coalesced-writer.js';
import type { OperationLogRecord } from '../store/records.js';
import { closeOperationLog, openOperationLog } from './operation-logs.js';
import type { PlanService } from './plans.js';
import { ProgressTracker } from './progress.js';
import { MAIN_BANK, type Provider } from './provider.js';
import type { QuotaService } from './quotas.js';
import { runOperation } from './run-operation.js';
import { cancelRun } from './run-records.js';
import { CHECKPOINT_CREATE_SCHEMA } from './schemas.js';

/** Input of {@link CheckpointService.create}. */
export interface CheckpointInput {
  /** The plan to protect. */
  readonly planId: string;
  /** Free-form facts stored with the checkpoint. */
  readonly extraInfo?: Readonly<Record<string, unknown>>;
}

/** Listing options of checkpoints. */
export interface CheckpointQuery {
  /** Only this plan's. */
  readonly planId?: string;
  /** Created at or after (`YYYY-MM-DD` or ISO 8601). */
  readonly startDate?: string;
  /** Created before (`YYYY-MM-DD` means the end of that day). */
  readonly endDate?: string;
  /** The last id of the previous page. */
  readonly marker?: string;
  /** At most this many. */
  readonly limit?: number;
  /** Newest first by default. */
  readonly sortDir?: 'asc' | 'desc';
  /** List the checkpoints of a copy destination instead of the main bank. */
  readonly bank?: string;
  /** Admins: every project. */
  readonly allProjects?: boolean;
}

/** A checkpoint found in a bank of its provider. */
export interface LocatedCheckpoint {
  /** The bank's name (`main` or a destination). */
  readonly bank: string;
  /** The checkpoint. */
  readonly checkpoint: Checkpoint;
}

/** Creates, lists, shows, deletes and resets checkpoints. */
export class CheckpointService {
  readonly #env: ServiceEnvironment;
  readonly #plans: PlanService;
  readonly #quotas: QuotaService | undefined;
  readonly #validateInput;

  /** Wires the service; with `quotas`, creates are refused beyond the project's checkpoint quota. */
  constructor(env: ServiceEnvironment, plans: PlanService, quotas?: QuotaService) {
    this.#env = env;
    this.#plans = plans;
    this.#quotas = quotas;
    this.#validateInput = env.validator.compile<CheckpointInput>(CHECKPOINT_CREATE_SCHEMA);
  }

  /**
   * Starts protecting the plan; returns the `protecting` checkpoint at once.
   * `KTS_ERR_QUOTA_EXCEEDED` when the plan's project has as many checkpoints as its quota
   * allows; `KTS_ERR_SERVICE_DISABLED` when this node is disabled.
   */
  async create(context: RequestContext, providerId: string, input: CheckpointInput): Promise<Checkpoint> {
    this.#env.runs.assertOpen();
    await this.#env.assertAccepting();
    const request = this.#validateInput(structuredClone(input), 'checkpoint');
    const provider = this.#env.providers.get(providerId);
    const plan = await this.#plans.get(context, request.planId);
    if (plan.providerId !== provider.id) {
      throw new ValidationError(`Plan ${plan.id} belongs to provider ${plan.providerId}, not ${provider.id}`, { code: 'KTS_ERR_PLAN_INVALID', details: { plan: plan.id } });
    }
    const graph = await planGraph(provider, plan.resources, { projectId: plan.projectId, logger: this.#env.logger });
    const time = now();
    const checkpoint: Checkpoint = {
      id: randomUUID(),
      projectId: plan.projectId,
      providerId: provider.id,
      status: 'protecting',
      plan: { id: plan.id, name: plan.name, providerId: plan.providerId, resources: plan.resources, parameters: plan.parameters },
      createdAt: time,
      updatedAt: time,
      extraInfo: { created_by: 'manual', ...request.extraInfo },
      graph: graph.toJSON(),
      resources: Object.fromEntries(graph.keys().map((key) => [key, { status: 'protecting' }])),
    };
    const collection = this.#env.checkpointsOf(provider.bank);
    const write = async (): Promise<OperationLogRecord> => {
      // The log first: a crash after it leaves work the reaper finds; a crash before it, nothing.
      const log = await openOperationLog(this.#env.store, this.#env.node, {
        projectId: checkpoint.projectId,
        operationType: 'protect',
        providerId: provider.id,
        bank: MAIN_BANK,
        checkpointId: checkpoint.id,
        planId: plan.id,
      });
      try {
        await collection.create(checkpoint);
      } catch (error) {
        await closeOperationLog(this.#env.store, log.id, error).catch(() => undefined);
        throw error;
      }
      return log;
    };
    // Counted and written under the project's checkpoint-quota lock, so creates never overshoot.
    const log = this.#quotas ? await this.#quotas.withinQuota(checkpoint.projectId, 'checkpoints', write) : await write();
    const writer = new CoalescedWriter<Checkpoint>((change) => collection.update(checkpoint.id, change));
    this.#env.runs.start(checkpoint.id, (signal) =>
      runOperation({
        env: this.#env,
        name: `protect-${checkpoint.id}`,
        operation: 'protect',
        checkpoint,
        graph,
        signal,
        progress: new ProgressTracker(graph.size, (progress) => writer.apply((current) => ({ ...current, progress })), this.#env.progressIntervalMs),
        resolve: (resource) => provider.registry.pluginFor(resource.type).getProtectOperation(resource),
        sectionOf: (resource) => collection.resourceSection(checkpoint.id, resource),
        parametersOf: (resource) => provider.registry.validate(resource.type, 'options', resourceParameters(plan.parameters, resource)),
        extend: (base) => base,
        setResourceStatus: (key, status, reason) => writer.apply(withResourceStatus(key, status, reason)),
        initiate: async () => {},
        complete: async () => {
          await collection.moveFrom(checkpoint.id, 'protecting', 'available');
          await closeOperationLog(this.#env.store, log.id);
        },
        fail: async (error, reason) => {
          await collection.moveFrom(checkpoint.id, 'protecting', 'error', { failure: { ...toFailureSnapshot(error, { stack: false }), message: reason } });
          await closeOperationLog(this.#env.store, log.id, error);
        },
      }),
    );
    return checkpoint;
  }

  /** Lists checkpoints of a provider's bank (the main one unless `query.bank` names a destination). */
  list(context: RequestContext, providerId: string, query: CheckpointQuery = {}): Promise<CheckpointPage> {
    const provider = this.#env.providers.get(providerId);
    const bank = provider.bankNamed(query.bank ?? MAIN_BANK);
    const projectId = listingScope(context, query.allProjects);
    const { bank: _bank, allProjects: _all, ...rest } = query;
    return this.#env.checkpointsOf(bank).list({ ...rest, providerId: provider.id, ...(projectId === undefined ? {} : { projectId }) });
  }

  /**
   * Finds checkpoint `id` of the caller's project in the bank named `bank`, or — when no bank
   * is named — in the main bank, then in each copy destination (so a copy is found even when
   * the main bank is lost). `KTS_ERR_CHECKPOINT_NOT_FOUND` otherwise.
   */
  async locate(context: RequestContext, provider: Provider, id: string, bank?: string): Promise<LocatedCheckpoint> {
    const candidates = bank === undefined ? provider.banks() : [[bank, provider.bankNamed(bank)] as const];
    let unreachable: unknown;
    for (const [name, candidate] of candidates) {
      let checkpoint: Checkpoint | undefined;
      try {
        checkpoint = await this.#env.checkpointsOf(candidate).find(id);
      } catch (error) {
        if (bank !== undefined || (error as { code?: string }).code === 'KTS_ERR_VALIDATION') throw error;
        this.#env.logger.warn('a bank could not be searched', { bank: name, error: String(error) });
        unreachable ??= error;
        continue;
      }
      if (checkpoint && checkpoint.providerId === provider.id && visibleTo(context, checkpoint.projectId) && checkpoint.status !== 'deleted') {
        return { bank: name, checkpoint };
      }
    }
    // Not found anywhere reachable: if a bank could not be searched, say that, not "not found".
    if (unreachable !== undefined) throw unreachable;
    throw new NotFoundError(`Checkpoint ${id} not found`, { code: 'KTS_ERR_CHECKPOINT_NOT_FOUND', details: { checkpoint: id } });
  }

  /** Like {@link CheckpointService.locate}, and the checkpoint must be `available` for `purpose` (`KTS_ERR_CHECKPOINT_NOT_AVAILABLE`). */
  async locateAvailable(context: RequestContext, provider: Provider, id: string, bank: string | undefined, purpose: string): Promise<LocatedCheckpoint> {
    const located = await this.locate(context, provider, id, bank);
    const { checkpoint } = located;
    if (checkpoint.status !== 'available') {
      throw new ConflictError(`Checkpoint ${checkpoint.id} is ${checkpoint.status}; only available checkpoints can be ${purpose}`, {
        code: 'KTS_ERR_CHECKPOINT_NOT_AVAILABLE',
        details: { checkpoint: checkpoint.id, status: checkpoint.status },
      });
    }
    return located;
  }

  /** Shows a checkpoint (searched as {@link CheckpointService.locate} does). */
  async get(context: RequestContext, providerId: string, id: string, bank?: string): Promise<Checkpoint> {
    return (await this.locate(context, this.#env.providers.get(providerId), id, bank)).checkpoint;
  }

  /**
   * Starts deleting a checkpoint (`available` or `error`, and no running restore, verification
   * or copy reading it); returns the `deleting` checkpoint at once. `KTS_ERR_SERVICE_DISABLED`
   * when this node is disabled.
   */
  async delete(context: RequestContext, providerId: string, id: string, bank?: string): Promise<Checkpoint> {
    this.#env.runs.assertOpen();
    await this.#env.assertAccepting();
    const provider = this.#env.providers.get(providerId);
    const located = await this.locate(context, provider, id, bank);
    const collection = this.#env.checkpointsOf(provider.bankNamed(located.bank));
    const checkpoint = await collection.beginDelete(id);
    const graph = graphOf(checkpoint);
    let log: OperationLogRecord;
    try {
      log = await openOperationLog(this.#env.store, this.#env.node, {
        projectId: checkpoint.projectId,
        operationType: 'delete',
        providerId: provider.id,
        bank: located.bank,
        checkpointId: id,
        planId: checkpoint.plan.id,
      });
    } catch (error) {
      // No run will delete it: say so on the checkpoint rather than leave it deleting.
      await collection.setStatus(id, 'error-deleting', { failure: toFailureSnapshot(error, { stack: false }) }).catch(() => undefined);
      throw error;
    }
    const writer = new CoalescedWriter<Checkpoint>((change) => collection.update(id, change));
    this.#env.runs.start(`delete-${id}`, (signal) =>
      runOperation({
        env: this.#env,
        name: `delete-${id}`,
        operation: 'delete',
        checkpoint,
        graph,
        signal,
        progress: new ProgressTracker(graph.size, async () => {}, this.#env.progressIntervalMs),
        resolve: (resource) => {
          const plugin = provider.registry.findPlugin(resource.type);
          return plugin ? plugin.getDeleteOperation(resource) : { skip: `no plugin of provider ${provider.name} handles ${resource.type}` };
        },
        sectionOf: (resource) => collection.resourceSection(id, resource),
        parametersOf: () => ({}),
        extend: (base) => base,
        setResourceStatus: (key, status, reason) => writer.apply(withResourceStatus(key, status, reason)),
        initiate: async () => {},
        complete: async () => {
          await collection.unindex(id);
          await collection.purgeData(id);
          await collection.moveFrom(id, 'deleting', 'deleted');
          if (checkpoint.copyOf) await this.#forgetCopy(provider, located.bank, checkpoint);
          await closeOperationLog(this.#env.store, log.id);
        },
        fail: async (error, reason) => {
          await collection.moveFrom(id, 'deleting', 'error-deleting', { failure: { ...toFailureSnapshot(error, { stack: false }), message: reason } });
          await closeOperationLog(this.#env.store, log.id, error);
        },
      }),
    );
    return checkpoint;
  }

  /**
   * A deleted copy no longer counts: its source may be copied to that destination again. Best
   * effort — the copy is gone either way; if the source's bank is down the mark stays.
   */
  async #forgetCopy(provider: Provider, bank: string, copy: Checkpoint): Promise<void> {
    const origin = copy.copyOf!;
    try {
      const sources = this.#env.checkpointsOf(provider.bankNamed(origin.bank));
      if (!(await sources.find(origin.checkpointId))) return;
      await sources.update(origin.checkpointId, (source) => {
        if (source.copiedTo?.[bank]?.checkpointId !== copy.id) return source;
        const { [bank]: _forgotten, ...rest } = source.copiedTo;
        return { ...source, copiedTo: rest };
      });
    } catch (error) {
      this.#env.logger.warn('could not clear the source of a deleted copy', { copy: copy.id, source: origin.checkpointId, error: String(error) });
    }
  }

  /** Cancels a running protect: its revert runs and the checkpoint ends `error` with reason "cancelled". */
  async cancel(context: RequestContext, providerId: string, id: string): Promise<Checkpoint> {
    const checkpoint = await this.get(context, providerId, id, MAIN_BANK);
    await cancelRun(this.#env.runs, id, checkpoint.status === 'protecting', 'Checkpoint protect');
    return this.get(context, providerId, id, MAIN_BANK);
  }

  /**
   * Resets a checkpoint to `available` or `error` (Karbor's os-resetState). Refused while an
   * operation of this service runs on it or a run holds a live claim on it.
   */
  async resetState(context: RequestContext, providerId: string, id: string, state: CheckpointStatus, bank?: string): Promise<Checkpoint> {
    if (state !== 'available' && state !== 'error') {
      throw new ValidationError(`A checkpoint can be reset to available or error, not ${JSON.stringify(state)}`, { details: { state } });
    }
    const provider = this.#env.providers.get(providerId);
    const located = await this.locate(context, provider, id, bank);
    if (this.#env.runs.has(id) || this.#env.runs.has(`delete-${id}`)) {
      throw new ConflictError(`Checkpoint ${id} has an operation running`, { code: 'KTS_ERR_CHECKPOINT_IN_USE', details: { checkpoint: id } });
    }
    const collection = this.#env.checkpointsOf(provider.bankNamed(located.bank));
    return collection.update(id, (current) => {
      if (Object.values(current.inUse ?? {}).some((expiresAt) => expiresAt > Date.now())) {
        throw new ConflictError(`Checkpoint ${id} is in use by a running operation`, { code: 'KTS_ERR_CHECKPOINT_IN_USE', details: { checkpoint: id } });
      }
      return current.status === state ? current : { ...current, status: state };
    });
  }
}

/** A change recording one resource's status (and reason) in a checkpoint document. */
export function withResourceStatus(key: ResourceKey, status: CheckpointResource['status'], reason?: string): (current: Checkpoint) => Checkpoint {
  return (current) => ({
    ...current,
    resources: { ...current.resources, [key]: { ...current.resources[key], status, ...(reason === undefined ? {} : { reason }) } },
  });
}

/**
 * The plan's resource graph: its resources, linked parent → child where a protectable plugin
 * reports one plan resource as a dependent of another (a server and its volumes). Dependents
 * outside the plan are not added (Karbor silently protected them); a discovery error refuses
 * the checkpoint before anything is written.
 */
export async function planGraph(provider: Provider, resources: readonly Resource[], context: ProtectableContext): Promise<ResourceGraph> {
  const graph = ResourceGraph.from(resources);
  const protectables = provider.registry.protectables();
  for (const parent of resources) {
    for (const protectable of protectables.filter((candidate) => candidate.parentResourceTypes.includes(parent.type))) {
      let dependents: Resource[];
      try {
        dependents = await protectable.getDependentResources(context, parent);
      } catch (cause) {
        throw new PluginError(`Protectable ${protectable.name} could not list the dependents of ${parent.type}#${parent.id}: ${messageOf(cause)}`, { cause, details: { plugin: protectable.name } });
      }
      for (const child of dependents) if (graph.has(`${child.type}#${child.id}`)) graph.link(`${parent.type}#${parent.id}`, `${child.type}#${child.id}`);
    }
  }
  return graph;
}

/** The resources of a checkpoint's stored graph. */
export function graphOf(checkpoint: Checkpoint): ResourceGraph {
  return checkpoint.graph ? ResourceGraph.fromJSON(checkpoint.graph) : ResourceGraph.from(checkpoint.plan.resources as Resource[]);
}

