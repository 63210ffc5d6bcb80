/**
 * The reaper: no record or checkpoint stays in a running state after its runner died. Every
 * running record and operation log names its owner node and that node's incarnation; a node
 * holds the store lease `node:<ownerId>` while it lives. Work is dead when its owner's lease
 * expired, or when it belongs to an earlier incarnation of this very node (a restart after a
 * crash). Dead work ends `error` (or `fail`, `error-deleting`) with reason "interrupted", and an
 * unfinished copy checkpoint is removed from its destination, so no orphan data remains.
 *
 * @module
 */
import { ResourceStatus } from '../core/status.js';
import { InternalError } from '../core/errors.js';
import { toFailureSnapshot } from '../core/failure.js';
import type { CopyRecord, OperationLogRecord, RunRecord } from '../store/records.js';
import type { RecordCollection, StoredRecord } from '../store/store.js';
import type { ServiceEnvironment } from './environment.js';
import { now } from './environment.js';

/** What one pass of the reaper resolved. */
export interface ReapReport {
  /** Operation logs closed as interrupted. */
  readonly operationLogs: number;
  /** Records (verifications, restores, copies) ended as interrupted. */
  readonly records: number;
  /** Checkpoints moved out of a running state or removed. */
  readonly checkpoints: number;
}

/** The reason given to interrupted work. */
export const INTERRUPTED = 'interrupted';

const RUNNING_RESOURCE = new Set<string>([ResourceStatus.PROTECTING, ResourceStatus.RESTORING, ResourceStatus.VERIFYING, ResourceStatus.COPYING, ResourceStatus.DELETING]);

/** Finds and resolves dead work. */
export class Reaper {
  readonly #env: ServiceEnvironment;

  /** Wires the reaper. */
  constructor(env: ServiceEnvironment) {
    this.#env = env;
  }

  /** One pass over every project's running work. */
  async reap(): Promise<ReapReport> {
    const counts = { operationLogs: 0, records: 0, checkpoints: 0 };
    const { store } = this.#env;
    for (const log of await this.#running(store.operationLogs, ['in_progress'])) {
      try {
        counts.checkpoints += await this.#resolveCheckpoint(log);
      } catch (error) {
        // Its bank is unreachable now: leave the log for a later pass, go on with the rest.
        this.#env.logger.warn('could not resolve interrupted work yet', { operationLog: log.id, error: String(error) });
        continue;
      }
      await store.operationLogs.update(log.id, (current) =>
        current.status !== 'in_progress' ? current : { ...current, status: 'error', endedAt: now(), errorInfo: interruptedFailure() },
      );
      counts.operationLogs++;
    }
    for (const record of await this.#running(store.verifications, ['verifying'])) {
      await store.verifications.update(record.id, (r) => (r.status !== 'verifying' ? r : { ...interrupt(r), status: 'error' }));
      counts.records++;
    }
    for (const record of await this.#running(store.restores, ['in_progress'])) {
      await store.restores.update(record.id, (r) => (r.status !== 'in_progress' ? r : { ...interrupt(r), status: 'fail' }));
      counts.records++;
    }
    for (const record of await this.#running(store.copies, ['wait_copying', 'copying'])) {
      try {
        counts.checkpoints += await this.#removeUnfinishedCopies(record);
      } catch (error) {
        this.#env.logger.warn('could not remove an interrupted copy yet', { copy: record.id, error: String(error) });
        continue;
      }
      await store.copies.update(record.id, (r) =>
        r.status !== 'wait_copying' && r.status !== 'copying'
          ? r
          : {
              ...interrupt(r),
              status: 'error',
              checkpoints: r.checkpoints.map((pair) => (pair.status === 'finished' || pair.status === 'error' ? pair : { ...pair, status: 'error', reason: INTERRUPTED })),
            },
      );
      counts.records++;
    }
    if (counts.operationLogs + counts.records > 0) this.#env.logger.warn('reaped interrupted work', counts);
    return counts;
  }

  /** Whether work owned by `ownerId` / `incarnation` has no live runner. */
  async isDead(ownerId: string | undefined, incarnation: string | undefined): Promise<boolean> {
    const { node } = this.#env;
    if (ownerId === undefined) return true;
    if (ownerId === node.ownerId) return incarnation !== node.incarnation;
    return (await this.#env.store.leases.holder(`node:${ownerId}`)) === undefined;
  }

  async #running<T extends StoredRecord & { ownerId?: string; incarnation?: string }>(collection: RecordCollection<T>, statuses: string[]): Promise<T[]> {
    const dead: T[] = [];
    let marker: string | undefined;
    do {
      const page = await collection.list({ filters: { status: statuses }, sortDir: 'asc', limit: 200, ...(marker ? { marker } : {}) });
      for (const record of page.items) if (await this.isDead(record.ownerId, record.incarnation)) dead.push(record);
      marker = page.nextMarker;
    } while (marker);
    return dead;
  }

  /** Moves the checkpoint of a dead protect, delete or copy out of its running state. */
  async #resolveCheckpoint(log: OperationLogRecord): Promise<number> {
    const bank = this.#bankOf(log.providerId, log.bank);
    if (!bank || !log.checkpointId) return 0;
    const collection = this.#env.checkpointsOf(bank);
    const failure = interruptedFailure();
    if (log.operationType === 'copy') {
      const copyId = log.extraInfo['copyCheckpointId'];
      const copy = typeof copyId === 'string' ? await collection.find(copyId) : undefined;
      if (!copy || copy.status === 'available') return 0;
      await collection.purge(copy.id);
      return 1;
    }
    const target = log.operationType === 'protect' ? 'error' : log.operationType === 'delete' ? 'error-deleting' : undefined;
    const from = log.operationType === 'protect' ? 'protecting' : 'deleting';
    const checkpoint = await collection.find(log.checkpointId);
    if (!target || checkpoint?.status !== from) return 0;
    await collection.update(log.checkpointId, (current) =>
      current.status !== from
        ? current
        : {
            ...current,
            status: target,
            failure,
            resources: Object.fromEntries(
              Object.entries(current.resources).map(([key, resource]) => [key, RUNNING_RESOURCE.has(resource.status) ? { ...resource, status: 'error' as const, reason: INTERRUPTED } : resource]),
            ),
          },
    );
    return 1;
  }

  async #removeUnfinishedCopies(record: CopyRecord): Promise<number> {
    const bank = this.#bankOf(record.providerId, record.destination);
    if (!bank) return 0;
    const collection = this.#env.checkpointsOf(bank);
    let removed = 0;
    for (const pair of record.checkpoints) {
      if (pair.status === 'finished' || pair.copyCheckpointId === undefined) continue;
      const copy = await collection.find(pair.copyCheckpointId);
      if (copy && copy.status !== 'available') {
        await collection.purge(pair.copyCheckpointId);
        removed++;
      }
    }
    return removed;
  }

  #bankOf(providerId: string, bank: string | undefined) {
    try {
      return this.#env.providers.get(providerId).bankNamed(bank ?? 'main');
    } catch {
      return undefined;
    }
  }
}

function interruptedFailure(): ReturnType<typeof toFailureSnapshot> {
  return toFailureSnapshot(new InternalError(INTERRUPTED, { details: { reason: INTERRUPTED } }), { stack: false });
}

function interrupt<T extends RunRecord>(record: T): T {
  const resourcesStatus = { ...record.resourcesStatus };
  const resourcesReason = { ...record.resourcesReason };
  for (const [key, status] of Object.entries(resourcesStatus)) {
    if (RUNNING_RESOURCE.has(status)) {
      resourcesStatus[key] = 'error';
      resourcesReason[key] = INTERRUPTED;
    }
  }
  return { ...record, resourcesStatus, resourcesReason, failure: interruptedFailure() };
}
