/**
 * Copies (seed 000): copy every `available` checkpoint of a plan not yet copied to a
 * destination bank. Each source checkpoint is its own flow, so one failure never touches
 * another's result. The copy checkpoint — document, graph, per-resource metadata and data —
 * lives in the destination bank (so that bank alone can list, verify and restore it); it moves
 * `wait_copying` → `copying` → `available`, or is removed entirely when its copy fails (a
 * revert deletes only what this copy wrote). The source is marked as copied to that
 * destination, so repeating the request copies nothing twice.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { CheckpointCollection } from '../bank/checkpoints.js';
import type { Checkpoint } from '../core/checkpoint.js';
import { PluginError, ValidationError } from '../core/errors.js';
import type { CopyContext, Operation } from '../core/operation.js';
import { supportsCopy } from '../core/plugin.js';
import { resourceKey, type ResourceKey } from '../core/resource.js';
import type { ResourceStatus } from '../core/status.js';
import type { CopyPair, CopyRecord } from '../store/records.js';
import type { ListedEntry, ListEntriesOptions, ListResult, RecordEntry } from '../store/store.js';
import { graphOf } from './checkpoints.js';
import { holdClaim } from './claims.js';
import type { RequestContext } from './context.js';
import { now, type ServiceEnvironment } from './environment.js';
import { closeOperationLog, openOperationLog } from './operation-logs.js';
import type { PlanService } from './plans.js';
import { ProgressTracker } from './progress.js';
import { MAIN_BANK, type Provider } from './provider.js';
import type { QuotaReservation, QuotaService } from './quotas.js';
import { reasonOf, runOperation } from './run-operation.js';
import { checkParameters, failureFields, noProgressYet, type ScopedQuery, listScoped, listScopedEntries, getScoped, getScopedEntry, cancelRun } from './run-records.js';
import { CoalescedWriter } from './coalesced-writer.js';
import { KeyedMutex } from '../core/keyed-mutex.js';
import { COPY_CREATE_SCHEMA } from './schemas.js';

/** Input of {@link CopyService.create}. */
export interface CopyInput {
  /** The provider. */
  readonly providerId: string;
  /** The plan whose checkpoints to copy. */
  readonly planId: string;
  /** Copy parameters keyed by type or `Type#id`. */
  readonly parameters?: Readonly<Record<string, Record<string, unknown>>>;
  /** The destination bank's name; the provider's default when omitted. */
  readonly destination?: string;
}

const RANK: Partial<Record<ResourceStatus, number>> = { copying: 0, finished: 1, skipped: 1, error: 2 };

/** Creates, lists, shows and cancels copies. */
export class CopyService {
  readonly #env: ServiceEnvironment;
  readonly #plans: PlanService;
  readonly #quotas: QuotaService | undefined;
  readonly #validateInput;
  readonly #choosing = new KeyedMutex();

  /** Wires the service; with `quotas`, a copy reserves room for its copy checkpoints in the checkpoint quota. */
  constructor(env: ServiceEnvironment, plans: PlanService, quotas?: QuotaService) {
    this.#env = env;
    this.#plans = plans;
    this.#quotas = quotas;
    this.#validateInput = env.validator.compile<CopyInput>(COPY_CREATE_SCHEMA);
  }

  /**
   * Validates, writes the record with its source checkpoints and starts copying; returns the
   * record at once. `KTS_ERR_SERVICE_DISABLED` when this node is disabled;
   * `KTS_ERR_QUOTA_EXCEEDED` when the copy checkpoints would not fit in the project's
   * checkpoint quota.
   */
  async create(context: RequestContext, input: CopyInput): Promise<CopyRecord> {
    this.#env.runs.assertOpen();
    await this.#env.assertAccepting();
    const request = this.#validateInput(structuredClone(input), 'copy');
    const provider = this.#env.providers.get(request.providerId);
    const plan = await this.#plans.get(context, request.planId);
    if (plan.providerId !== provider.id) {
      throw new ValidationError(`Plan ${plan.id} belongs to provider ${plan.providerId}, not ${provider.id}`, { code: 'KTS_ERR_PLAN_INVALID', details: { plan: plan.id } });
    }
    const destination = provider.destinationFor(request.destination);
    const parameters = request.parameters ?? {};
    const planGraph = graphOf({ plan } as unknown as Checkpoint);
    checkParameters(provider, planGraph, parameters, 'copy', (resource) => {
      const plugin = provider.registry.findPlugin(resource.type);
      return plugin !== undefined && supportsCopy(plugin);
    });
    // Choosing the sources and writing the record is one step per plan and destination, so two
    // requests at once never pick the same checkpoint (within this node; see the module doc).
    // The copy checkpoints count against the project's checkpoint quota: room for all of them is
    // reserved before the record exists, and given back as each is created or the copy ends.
    const { record, sources, reservation } = await this.#choosing.run(`${plan.id}\u0000${destination}`, async () => {
      const sources = await this.#uncopied(provider, plan.id, plan.projectId, destination);
      const reservation = this.#quotas && sources.length > 0 ? await this.#quotas.reserve(plan.projectId, 'checkpoints', sources.length) : undefined;
      try {
        return { sources, reservation, record: await this.#insertRecord(plan.id, plan.projectId, provider.id, destination, parameters, sources) };
      } catch (error) {
        reservation?.release();
        throw error;
      }
    });
    if (sources.length > 0) {
      try {
        this.#env.runs.start(record.id, async (signal) => {
          try {
            await this.#run(record, provider, sources, signal, reservation);
          } finally {
            reservation?.release();
          }
        });
      } catch (error) {
        reservation?.release();
        throw error;
      }
    }
    return record;
  }

  #insertRecord(planId: string, projectId: string, providerId: string, destination: string, parameters: CopyRecord['parameters'], sources: readonly Checkpoint[]): Promise<CopyRecord> {
    const time = now();
    return this.#env.store.copies.insert({
      id: randomUUID(),
      projectId,
      providerId,
      planId,
      destination,
      status: sources.length === 0 ? 'finished' : 'wait_copying',
      parameters,
      checkpoints: sources.map((source) => ({ sourceCheckpointId: source.id, status: 'wait_copying' })),
      resourcesStatus: {},
      resourcesReason: {},
      progress: noProgressYet(sources.reduce((sum, source) => sum + graphOf(source).size, 0)),
      ownerId: this.#env.node.ownerId,
      incarnation: this.#env.node.incarnation,
      createdAt: time,
      updatedAt: time,
    });
  }

  /** Lists the caller's copies (filters: status, providerId, planId, destination). */
  list(context: RequestContext, query: ScopedQuery = {}): Promise<ListResult<CopyRecord>> {
    return listScoped(this.#env.store.copies, context, query);
  }

  /** One copy; `KTS_ERR_COPY_NOT_FOUND` when absent or another project's. */
  get(context: RequestContext, id: string): Promise<CopyRecord> {
    return getScoped(this.#env.store.copies, context, id, 'KTS_ERR_COPY_NOT_FOUND', 'Copy');
  }

  /**
   * The caller's copies as `list` gives them, but as shared, read-only store entries (no
   * copies), for callers that only render them; entries whose revision `options.known` answers
   * true for may come without their record.
   */
  listEntries(context: RequestContext, query: ScopedQuery = {}, options: ListEntriesOptions = {}): Promise<ListResult<ListedEntry<CopyRecord>>> {
    return listScopedEntries(this.#env.store.copies, context, query, options);
  }

  /** One copy as `get` gives it, but as a shared, read-only store entry (no copy). */
  getEntry(context: RequestContext, id: string): Promise<RecordEntry<CopyRecord>> {
    return getScopedEntry(this.#env.store.copies, context, id, 'KTS_ERR_COPY_NOT_FOUND', 'Copy');
  }

  /** Cancels a running copy: unfinished checkpoints are reverted and end `error` with reason "cancelled". */
  async cancel(context: RequestContext, id: string): Promise<CopyRecord> {
    const record = await this.get(context, id);
    await cancelRun(this.#env.runs, id, record.status === 'wait_copying' || record.status === 'copying', 'Copy');
    return this.get(context, id);
  }

  /** The plan's available checkpoints in the main bank not copied (nor being copied) to `destination`. */
  async #uncopied(provider: Provider, planId: string, projectId: string, destination: string): Promise<Checkpoint[]> {
    const busy = new Set<string>();
    const running = await this.#env.store.copies.list({ filters: { planId, destination, status: ['wait_copying', 'copying'] } });
    for (const copy of running.items) for (const pair of copy.checkpoints) if (pair.status === 'wait_copying' || pair.status === 'copying') busy.add(pair.sourceCheckpointId);
    const collection = this.#env.checkpointsOf(provider.bank);
    const found: Checkpoint[] = [];
    let marker: string | undefined;
    do {
      const page = await collection.list({ providerId: provider.id, projectId, planId, sortDir: 'asc', limit: 100, ...(marker ? { marker } : {}) });
      for (const checkpoint of page.items) {
        if (checkpoint.status === 'available' && !checkpoint.copyOf && !checkpoint.copiedTo?.[destination] && !busy.has(checkpoint.id)) found.push(checkpoint);
      }
      marker = page.nextMarker;
    } while (marker);
    return found;
  }

  async #run(record: CopyRecord, provider: Provider, sources: readonly Checkpoint[], signal: AbortSignal, reservation: QuotaReservation | undefined): Promise<void> {
    // Writes only while the record is still running: a reaped record keeps the reaper's verdict.
    const writer = new CoalescedWriter<CopyRecord>((change) =>
      this.#env.store.copies.update(record.id, (r) => (r.status === 'wait_copying' || r.status === 'copying' ? change(r) : r)),
    );
    const progress = new ProgressTracker(record.progress.resourcesTotal, (figures) => writer.apply((r) => ({ ...r, progress: figures })), this.#env.progressIntervalMs);
    try {
      await writer.apply((r) => ({ ...r, status: 'copying' }));
      for (const source of sources) {
        try {
          await this.#copyOne(record, provider, source, writer, progress, signal, reservation);
        } catch (error) {
          // A failure outside the flow (a bank down while cleaning up): this pair ends in error.
          this.#env.logger.error('copying a checkpoint failed outside its flow', { copy: record.id, checkpoint: source.id, error: String(error) });
          await writer.apply((r) => ({ ...withPair(r, source.id, { status: 'error', reason: reasonOf(error) }), ...failureFields(error, reasonOf(error)) }));
        }
      }
    } finally {
      await progress.flush();
      await writer.apply((r) => ({
        ...r,
        checkpoints: r.checkpoints.map((pair) => (pair.status === 'finished' || pair.status === 'error' ? pair : { ...pair, status: 'error', reason: 'not copied' })),
        status: r.checkpoints.every((pair) => pair.status === 'finished') ? 'finished' : 'error',
      }));
    }
  }

  async #copyOne(
    record: CopyRecord,
    provider: Provider,
    source: Checkpoint,
    writer: CoalescedWriter<CopyRecord>,
    progress: ProgressTracker,
    signal: AbortSignal,
    reservation: QuotaReservation | undefined,
  ): Promise<void> {
    const setPair = (change: Partial<CopyPair>): Promise<void> => writer.apply((r) => withPair(r, source.id, change));
    const sourceCollection = this.#env.checkpointsOf(provider.bank);
    const target = this.#env.checkpointsOf(provider.bankNamed(record.destination));
    const graph = graphOf(source);
    // The stored graph may differ from today's plan: check the parameters against it first.
    const parameters = checkParameters(provider, graph, record.parameters, 'copy', (resource) => {
      const plugin = provider.registry.findPlugin(resource.type);
      return plugin !== undefined && supportsCopy(plugin);
    });
    if (signal.aborted) throw signal.reason;
    const claim = await holdClaim(sourceCollection, source.id, `copy-${record.id}`, this.#env.claimTtlMs, this.#env.logger);
    const copy: Checkpoint = {
      ...source,
      id: randomUUID(),
      status: 'wait_copying',
      updatedAt: now(),
      extraInfo: { ...source.extraInfo, copy_status: 'wait_copying' },
      resources: Object.fromEntries(graph.keys().map((key) => [key, { ...source.resources[key], status: 'copying' as const }])),
      copyOf: { checkpointId: source.id, copyId: record.id, bank: MAIN_BANK },
    };
    delete (copy as { copiedTo?: unknown }).copiedTo;
    delete (copy as { inUse?: unknown }).inUse;
    try {
      // The copy's id is on the record before the copy exists, so the reaper can always find
      // (and remove) what a crash leaves behind.
      await setPair({ copyCheckpointId: copy.id });
      await target.create(copy);
      // Indexed now, so it counts by itself.
      reservation?.release(1);
      await setPair({ status: 'copying' });
      const log = await openOperationLog(this.#env.store, this.#env.node, {
        projectId: source.projectId,
        operationType: 'copy',
        providerId: provider.id,
        bank: record.destination,
        checkpointId: source.id,
        planId: source.plan.id,
        copyId: record.id,
        extraInfo: { copyCheckpointId: copy.id },
      });
      await runOperation<CopyContext>({
        env: this.#env,
        name: `copy-${record.id}-${source.id}`,
        operation: 'copy',
        checkpoint: source,
        graph,
        signal,
        progress,
        resolve: (resource) => copyOperationOf(provider, resource),
        sectionOf: (resource) => sourceCollection.resourceSection(source.id, resource, { readOnly: true }),
        parametersOf: (resource) => parameters.get(resourceKey(resource)) ?? {},
        extend: (base) => ({ ...base, copyCheckpoint: copy, destination: target.resourceSection(copy.id, base.resource) }),
        setResourceStatus: (key, status, reason) => writer.apply(withCopyResource(source.id, key, status, reason)),
        initiate: async () => {
          await target.update(copy.id, (current) => ({ ...current, status: 'copying', extraInfo: { ...current.extraInfo, copy_status: 'copying' } }));
        },
        complete: async () => {
          const copiedAt = now();
          await target.update(copy.id, (current) => ({
            ...current,
            status: 'available',
            extraInfo: { ...current.extraInfo, copy_status: 'finished', copied_at: copiedAt },
            resources: Object.fromEntries(Object.entries(current.resources).map(([key, resource]) => [key, { ...resource, status: 'available' as const }])),
          }));
          await sourceCollection.update(source.id, (current) => ({
            ...current,
            copiedTo: { ...current.copiedTo, [record.destination]: { checkpointId: copy.id, copyId: record.id, copiedAt } },
          }));
          await setPair({ status: 'finished' });
          await closeOperationLog(this.#env.store, log.id);
        },
        fail: async (error, reason) => {
          // The record keeps the first failure's snapshot (its code) beside the pair's reason.
          await writer.apply((r) => ({ ...withPair(r, source.id, { status: 'error', reason }), ...(r.failure ? {} : failureFields(error, reason)) }));
          await closeOperationLog(this.#env.store, log.id, error);
          await removeCopy(target, copy.id);
        },
      });
    } catch (error) {
      await setPair({ status: 'error', reason: reasonOf(error) });
      await removeCopy(target, copy.id).catch((cleanup: unknown) =>
        this.#env.logger.error('removing an unfinished copy failed: its checkpoint stays in the destination bank until reset to error and deleted', { copy: copy.id, error: String(cleanup) }),
      );
      throw error;
    } finally {
      await claim.release();
    }
  }

}

/** A change setting one pair of a copy record. */
function withPair(record: CopyRecord, sourceId: string, change: Partial<CopyPair>): CopyRecord {
  return { ...record, checkpoints: record.checkpoints.map((pair) => (pair.sourceCheckpointId === sourceId ? { ...pair, ...change } : pair)) };
}

/** A change recording a resource's copy status on the record: the worst across the copied checkpoints. */
function withCopyResource(sourceId: string, key: ResourceKey, status: ResourceStatus, reason?: string): (record: CopyRecord) => CopyRecord {
  return (record) => {
    const current = record.resourcesStatus[key];
    if (current !== undefined && (RANK[current] ?? 0) > (RANK[status] ?? 0)) return record;
    return {
      ...record,
      resourcesStatus: { ...record.resourcesStatus, [key]: status },
      resourcesReason: reason === undefined ? record.resourcesReason : { ...record.resourcesReason, [key]: `checkpoint ${sourceId}: ${reason}` },
    };
  };
}

/** The copy hooks of a resource; a plugin that cannot copy fails that checkpoint's copy with a clear reason. */
function copyOperationOf(provider: Provider, resource: { type: string; id: string }): Operation<CopyContext> {
  const plugin = provider.registry.findPlugin(resource.type);
  if (plugin && supportsCopy(plugin)) return plugin.getCopyOperation(resource);
  const why = plugin ? `plugin ${plugin.name} has no copy operation for ${resource.type}` : `no plugin of provider ${provider.name} handles ${resource.type}`;
  return {
    onPrepareBegin: () => {
      throw new PluginError(`Cannot copy ${resource.type}#${resource.id}: ${why}`, { code: 'KTS_ERR_PLUGIN_OPERATION_UNSUPPORTED', details: { resource: `${resource.type}#${resource.id}` } });
    },
  };
}

/** Removes a copy checkpoint that did not finish: everything of it was written by this copy. */
async function removeCopy(target: CheckpointCollection, id: string): Promise<void> {
  if (await target.find(id)) await target.purge(id);
}
