/**
 * Operation logs: one per flow run, opened `in_progress` when the run starts, closed `success`
 * by the Complete task or `error` by the revert of the Initiate task, with the reason.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { toFailureSnapshot } from '../core/failure.js';
import type { OperationKind } from '../core/operation.js';
import type { OperationLogRecord } from '../store/records.js';
import type { ListResult, Store } from '../store/store.js';
import type { RequestContext } from './context.js';
import { now, type NodeIdentity } from './environment.js';
import { type ScopedQuery, listScoped, getScoped } from './run-records.js';

/** What an operation log is opened with. */
export interface OperationLogInput {
  /** The owning project. */
  readonly projectId: string;
  /** The kind of operation. */
  readonly operationType: OperationKind;
  /** The provider. */
  readonly providerId: string;
  /** The bank worked in. */
  readonly bank: string;
  /** Links to what the operation belongs to. */
  readonly checkpointId?: string;
  /** The plan. */
  readonly planId?: string;
  /** The restore record. */
  readonly restoreId?: string;
  /** The verification record. */
  readonly verificationId?: string;
  /** The copy record. */
  readonly copyId?: string;
  /** Free-form facts. */
  readonly extraInfo?: Readonly<Record<string, unknown>>;
}

/** Opens an `in_progress` operation log owned by `node`. */
export function openOperationLog(store: Store, node: NodeIdentity, input: OperationLogInput): Promise<OperationLogRecord> {
  const time = now();
  return store.operationLogs.insert({
    id: randomUUID(),
    ...input,
    extraInfo: input.extraInfo ?? {},
    status: 'in_progress',
    ownerId: node.ownerId,
    incarnation: node.incarnation,
    startedAt: time,
    createdAt: time,
    updatedAt: time,
  });
}

/** Closes an operation log as `success`, or as `error` with the failure. */
export function closeOperationLog(store: Store, id: string, failure?: unknown): Promise<OperationLogRecord> {
  return store.operationLogs.update(id, (log) =>
    log.status !== 'in_progress'
      ? log
      : {
          ...log,
          status: failure === undefined ? 'success' : 'error',
          endedAt: now(),
          ...(failure === undefined ? {} : { errorInfo: toFailureSnapshot(failure, { stack: false }) }),
        },
  );
}

/** Lists and shows operation logs, scoped to the caller's project. */
export class OperationLogService {
  readonly #store: Store;

  /** Wires the service. */
  constructor(store: Store) {
    this.#store = store;
  }

  /** Lists operation logs (filters: status, operationType, providerId, checkpointId, planId, restoreId, verificationId, copyId). */
  list(context: RequestContext, query: ScopedQuery = {}): Promise<ListResult<OperationLogRecord>> {
    return listScoped(this.#store.operationLogs, context, query);
  }

  /** One operation log; `KTS_ERR_OPERATION_LOG_NOT_FOUND` when absent or another project's. */
  get(context: RequestContext, id: string): Promise<OperationLogRecord> {
    return getScoped(this.#store.operationLogs, context, id, 'KTS_ERR_OPERATION_LOG_NOT_FOUND', 'Operation log');
  }
}
