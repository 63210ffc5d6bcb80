/**
 * Shared pieces of the services whose operations have a record of their own (verifications,
 * restores, copies): the parameter check against each plugin's schema, per-resource status
 * writes and final status writes.
 *
 * @module
 */
import { ConflictError, isFrameworkError, NotFoundError, ValidationError } from '../core/errors.js';
import type { ErrorCodeOf } from '../core/error-codes.js';
import { toFailureSnapshot } from '../core/failure.js';
import type { ResourceGraph } from '../core/graph.js';
import { isResourceKey, resourceKey, resourceParameters, type Resource, type ResourceKey } from '../core/resource.js';
import type { ResourceStatus } from '../core/status.js';
import type { SchemaKind } from '../core/plugin.js';
import type { RunRecord } from '../store/records.js';
import type { ListedEntry, ListEntriesOptions, ListQuery, ListResult, RecordCollection, RecordEntry, StoredRecord } from '../store/store.js';
import { listingScope, visibleTo, type RequestContext } from './context.js';
import type { RunRegistry } from './runs.js';
import type { CheckpointCollection } from '../bank/checkpoints.js';
import type { HookContext } from '../core/operation.js';
import { holdClaim } from './claims.js';
import type { ServiceEnvironment } from './environment.js';
import { closeOperationLog, openOperationLog, type OperationLogInput } from './operation-logs.js';
import { ProgressTracker } from './progress.js';
import { reasonOf, runOperation, type OperationRun } from './run-operation.js';
import { CoalescedWriter } from './coalesced-writer.js';
import type { Provider } from './provider.js';

/**
 * Checks request parameters against the graph: keys must be resource types of the graph or
 * `Type#id` keys of its resources, and each resource's merged parameters must match its
 * plugin's `kind` schema (when `applies` says the plugin takes part). Returns each resource's
 * validated parameters. `KTS_ERR_VALIDATION` naming the resource otherwise.
 */
export function checkParameters(
  provider: Provider,
  graph: ResourceGraph,
  parameters: Readonly<Record<string, unknown>>,
  kind: SchemaKind,
  applies: (resource: Resource) => boolean = () => true,
): Map<ResourceKey, Record<string, unknown>> {
  const types = new Set(graph.resources().map((resource) => resource.type));
  for (const key of Object.keys(parameters)) {
    if (isResourceKey(key) ? !graph.has(key) : !types.has(key)) {
      throw new ValidationError(`Parameters given for ${key}, which is not a resource (type) of the checkpoint`, { details: { key } });
    }
  }
  const result = new Map<ResourceKey, Record<string, unknown>>();
  for (const resource of graph.resources()) {
    const key = resourceKey(resource);
    if (!applies(resource)) {
      result.set(key, {});
      continue;
    }
    try {
      result.set(key, provider.registry.validate(resource.type, kind, resourceParameters(parameters, resource), `${kind} parameters of ${key}`));
    } catch (error) {
      if (isFrameworkError(error, 'KTS_ERR_PLUGIN_NOT_FOUND')) {
        result.set(key, {});
        continue;
      }
      throw error;
    }
  }
  return result;
}

/** A change writing one resource's status and reason into a run record. */
export function withRecordResource<T extends RunRecord>(key: ResourceKey, status: ResourceStatus, reason?: string): (record: T) => T {
  return (record) => {
    const resourcesReason = { ...record.resourcesReason };
    if (reason === undefined) delete resourcesReason[key];
    else resourcesReason[key] = reason;
    return { ...record, resourcesStatus: { ...record.resourcesStatus, [key]: status }, resourcesReason };
  };
}

/** The failure fields of a record that ended in error with `reason`. */
export function failureFields(error: unknown, reason: string): Pick<RunRecord, 'failure'> {
  return { failure: { ...toFailureSnapshot(error, { stack: false }), message: reason } };
}

/** Every resource of the graph in `status`. */
export function initialStatuses(graph: ResourceGraph, status: ResourceStatus): Record<string, ResourceStatus> {
  return Object.fromEntries(graph.keys().map((key) => [key, status]));
}

/** Zero progress over `resources` resources. */
export function noProgressYet(resources: number): RunRecord['progress'] {
  return { resourcesDone: 0, resourcesTotal: resources, bytesDone: 0, bytesTotal: 0 };
}

/** Listing options of a record collection, as services take them. */
export type ScopedQuery = Omit<ListQuery, 'projectId'> & {
  /** Admins: every project. */
  readonly allProjects?: boolean;
};

/** Lists a collection within the caller's scope. */
export function listScoped<T extends StoredRecord>(collection: RecordCollection<T>, context: RequestContext, query: ScopedQuery = {}): Promise<ListResult<T>> {
  return collection.list(storeQueryOf(context, query));
}

/**
 * Lists a collection within the caller's scope as shared, read-only entries (no copies: for
 * callers that only render them); entries whose revision `options.known` answers true for may
 * come without their record.
 */
export function listScopedEntries<T extends StoredRecord>(
  collection: RecordCollection<T>,
  context: RequestContext,
  query: ScopedQuery = {},
  options: ListEntriesOptions = {},
): Promise<ListResult<ListedEntry<T>>> {
  return collection.listEntries(storeQueryOf(context, query), options);
}

/**
 * The store's query for a scoped one: the caller's project unless an admin lists every project.
 * Copied member by member: rest and spread copies of these small objects cost several times
 * the whole store listing's query handling on a hot list path.
 */
function storeQueryOf(context: RequestContext, query: ScopedQuery): ListQuery {
  const projectId = listingScope(context, query.allProjects);
  const scoped: Record<string, unknown> = {};
  for (const key in query) if (key !== 'allProjects') scoped[key] = query[key as keyof ScopedQuery];
  if (projectId !== undefined) scoped['projectId'] = projectId;
  return scoped as ListQuery;
}

/** The record `id` if the caller may see it; otherwise the not-found error of `code` (another project's records do not exist for the caller). */
export async function getScoped<T extends StoredRecord & { deletedAt?: string }>(
  collection: RecordCollection<T>,
  context: RequestContext,
  id: string,
  code: ErrorCodeOf<'not_found'>,
  label: string,
): Promise<T> {
  const record = await collection.get(id);
  if (!record || !visibleTo(context, record.projectId) || record.deletedAt !== undefined) throw notFound(id, code, label);
  return record;
}

/** As {@link getScoped}, but the record as a shared, read-only entry (no copy: for callers that only render it). */
export async function getScopedEntry<T extends StoredRecord & { deletedAt?: string }>(
  collection: RecordCollection<T>,
  context: RequestContext,
  id: string,
  code: ErrorCodeOf<'not_found'>,
  label: string,
): Promise<RecordEntry<T>> {
  const entry = await collection.getEntry(id);
  if (!entry || !visibleTo(context, entry.record.projectId) || entry.record.deletedAt !== undefined) throw notFound(id, code, label);
  return entry;
}

function notFound(id: string, code: ErrorCodeOf<'not_found'>, label: string): NotFoundError {
  return new NotFoundError(`${label} ${id} not found`, { code, details: { id } });
}

/** Cancels run `id` if `running` and it runs here, and waits for its revert; `KTS_ERR_OPERATION_NOT_RUNNING` otherwise. */
export async function cancelRun(runs: RunRegistry, id: string, running: boolean, label: string): Promise<void> {
  if (!running || !runs.cancel(id)) {
    throw new ConflictError(`${label} ${id} is not running here`, { code: 'KTS_ERR_OPERATION_NOT_RUNNING', details: { id } });
  }
  await runs.settled(id);
}

/** What {@link launchRecordRun} needs: the record to write and the operation to run for it. */
export interface RecordRun<T extends RunRecord & { status: string }, C extends HookContext> {
  /** The shared service state. */
  readonly env: ServiceEnvironment;
  /** The record's collection. */
  readonly collection: RecordCollection<T>;
  /** The new record, in its running status. */
  readonly record: T;
  /** The checkpoint the run reads, claimed for the run's duration. */
  readonly claim: { readonly checkpoints: CheckpointCollection; readonly checkpointId: string };
  /** The operation log to open. */
  readonly log: OperationLogInput;
  /** The record's status on success and on failure. */
  readonly statuses: { readonly done: T['status']; readonly failed: T['status'] };
  /** The operation, without the parts this function supplies. */
  readonly operation: Omit<OperationRun<C>, 'env' | 'name' | 'signal' | 'progress' | 'setResourceStatus' | 'initiate' | 'complete' | 'fail'>;
}

/**
 * Claims the checkpoint, writes the record (releasing the claim if that fails), opens the
 * operation log and starts the operation in the background; returns the record at once.
 */
export async function launchRecordRun<T extends RunRecord & { status: string }, C extends HookContext>(spec: RecordRun<T, C>): Promise<T> {
  const { env, collection, record, statuses } = spec;
  const id = record.id;
  const running = record.status;
  const claim = await holdClaim(spec.claim.checkpoints, spec.claim.checkpointId, `${spec.log.operationType}-${id}`, env.claimTtlMs, env.logger);
  let inserted: T;
  let logId: string;
  try {
    inserted = await collection.insert(record);
  } catch (error) {
    await claim.release();
    throw error;
  }
  try {
    logId = (await openOperationLog(env.store, env.node, spec.log)).id;
  } catch (error) {
    // No run will ever own this record: end it now rather than leave it running.
    await collection.update(id, (r) => ({ ...r, status: statuses.failed, ...failureFields(error, reasonOf(error)) })).catch(() => undefined);
    await claim.release();
    throw error;
  }
  // Only a record still in its running status is finished by this run: the reaper may have
  // ended it already (this node lost its lease), and its verdict stands.
  const finishOnce = (change: (r: T) => T) => (r: T): T => (r.status === running ? change(r) : r);
  const writer = new CoalescedWriter<T>((change) => collection.update(id, change));
  env.runs.start(id, async (signal) => {
    try {
      await runOperation<C>({
        ...spec.operation,
        env,
        name: `${spec.log.operationType}-${id}`,
        signal,
        progress: new ProgressTracker(record.progress.resourcesTotal, (progress) => writer.apply(finishOnce((r) => ({ ...r, progress }))), env.progressIntervalMs),
        setResourceStatus: (key, status, reason) => writer.apply(finishOnce(withRecordResource<T>(key, status, reason))),
        initiate: async () => {},
        complete: async () => {
          await writer.apply(finishOnce((r) => ({ ...r, status: statuses.done })));
          await closeOperationLog(env.store, logId);
        },
        fail: async (error, reason) => {
          await writer.apply(finishOnce((r) => ({ ...r, status: statuses.failed, ...failureFields(error, reason) })));
          await closeOperationLog(env.store, logId, error);
        },
      });
    } finally {
      await claim.release();
    }
  });
  return inserted;
}
