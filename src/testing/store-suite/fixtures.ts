/**
 * Records for the record-store conformance suite: one full record per collection, each with a
 * fresh id and its timestamps counted from the suite's epoch, and fields a test can set over it.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { FailureSnapshot } from '../../core/failure.js';
import type {
  CopyRecord,
  OperationLogRecord,
  PlanRecord,
  QuotaRecord,
  RestoreRecord,
  ServiceRecord,
  StoredRecord,
  VerificationRecord,
} from '../../store/index.js';

/** `T` with its `readonly` modifiers dropped, to change a record a test holds. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** Fields a test sets over a fixture record. */
export type Fields<T> = Partial<Mutable<T>>;

const T0 = Date.parse('2024-05-01T00:00:00.000Z');
/** The ISO time `seconds` after the suite's epoch. */
export const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();
const failure: FailureSnapshot = { code: 'KTS_ERR_INTERNAL', name: 'InternalError', message: 'disk on fire', retryable: false, details: { disk: 'sda' }, causes: [{ name: 'Error', message: 'EIO' }] };
const progress = { resourcesDone: 1, resourcesTotal: 2, bytesDone: 0, bytesTotal: 4096 };
const base = (): StoredRecord => ({ id: randomUUID(), projectId: 'project-a', createdAt: at(0), updatedAt: at(0) });

/** A plan over one volume (suspended). */
export const plan = (fields: Fields<PlanRecord> = {}): PlanRecord => ({
  ...base(), name: 'nightly', description: 'every night', providerId: 'provider-1', status: 'suspended',
  resources: [{ type: 'OS::Cinder::Volume', id: 'v1', name: 'data', extraInfo: { size: 10 } }], parameters: { 'OS::Cinder::Volume': { incremental: true } }, ...fields,
});
const run = { progress, resourcesStatus: { 'OS::Cinder::Volume#v1': 'error' }, resourcesReason: { 'OS::Cinder::Volume#v1': 'Backup not found' } } as const;
/** A failed checksum verification with its run progress and failure. */
export const verification = (fields: Fields<VerificationRecord> = {}): VerificationRecord => ({
  ...base(), ...run, providerId: 'provider-1', checkpointId: 'checkpoint-1', bank: 'main', status: 'error', parameters: { 'OS::Cinder::Volume': {} },
  level: 'checksum', ownerId: 'node-1', incarnation: 'inc-1', failure, ...fields,
});
/** A failed restore with its run progress and failure. */
export const restore = (fields: Fields<RestoreRecord> = {}): RestoreRecord => ({
  ...base(), ...run, providerId: 'provider-1', checkpointId: 'checkpoint-1', bank: 'main', status: 'fail', restoreTarget: 'http://target', parameters: {}, failure, ...fields,
});
/** A copy in progress with one finished and one failed checkpoint pair. */
export const copy = (fields: Fields<CopyRecord> = {}): CopyRecord => ({
  ...base(), ...run, providerId: 'provider-1', planId: 'plan-1', destination: 'region-2', status: 'copying', parameters: {},
  checkpoints: [{ sourceCheckpointId: 'c1', copyCheckpointId: 'c1-copy', status: 'finished' }, { sourceCheckpointId: 'c2', status: 'error', reason: 'quota' }], ...fields,
});
/** A failed verify operation log, linked to its plan, checkpoint and verification. */
export const operationLog = (fields: Fields<OperationLogRecord> = {}): OperationLogRecord => ({
  ...base(), operationType: 'verify', providerId: 'provider-1', checkpointId: 'checkpoint-1', planId: 'plan-1', verificationId: 'verification-1',
  status: 'error', startedAt: at(0), endedAt: at(1), errorInfo: failure, extraInfo: { attempt: 1 }, ...fields,
});

/** The quota of project-a (`project:project-a`), one limit unlimited. */
export const quota = (fields: Fields<QuotaRecord> = {}): QuotaRecord => ({
  ...base(), id: 'project:project-a', scope: 'project', name: 'project-a', limits: { plans: 10, checkpoints: -1 }, ...fields,
});
/** The disabled service row `1` of karbor-protection on node-1. */
export const service = (fields: Fields<ServiceRecord> = {}): ServiceRecord => ({
  ...base(), id: '1', projectId: '*', binary: 'karbor-protection', host: 'node-1', status: 'disabled', disabledReason: 'maintenance', ...fields,
});
