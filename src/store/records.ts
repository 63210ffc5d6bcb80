/**
 * The durable records of the protection service: plans, restores, verifications, copies,
 * operation logs, quotas and service nodes. Checkpoints are not here: they live in their bank, so that a bank alone can
 * list, verify and restore them.
 *
 * Field names are camelCase; the HTTP adapter maps them to Karbor's snake_case.
 *
 * @module
 */
import type { FailureSnapshot } from '../core/failure.js';
import type { OperationKind, VerificationLevel } from '../core/operation.js';
import type { Resource } from '../core/resource.js';
import type { CopyStatus, OperationLogStatus, ResourceStatus, RestoreStatus, VerificationStatus } from '../core/status.js';

/** Fields every record has. */
export interface BaseRecord {
  /** A UUID. */
  readonly id: string;
  /** The owning project. */
  readonly projectId: string;
  /** When created (ISO 8601, millisecond precision). */
  readonly createdAt: string;
  /** When last written (ISO 8601). */
  readonly updatedAt: string;
}

/** How far a running operation is. */
export interface Progress {
  /** Resources finished (done, failed or skipped). */
  readonly resourcesDone: number;
  /** Resources in the operation. */
  readonly resourcesTotal: number;
  /** Bytes moved, read or checked so far. */
  readonly bytesDone: number;
  /** Bytes expected, as far as known. */
  readonly bytesTotal: number;
}

/** Fields of a record that a flow runs for. */
export interface RunRecord extends BaseRecord {
  /** The node running it (its lease tells whether it is alive). */
  readonly ownerId?: string;
  /** The owner's process incarnation; a restarted owner reaps its previous incarnation's runs. */
  readonly incarnation?: string;
  /** Progress while running; final figures after. */
  readonly progress: Progress;
  /** Why it ended in error (a failure snapshot; `message` is the reason shown to users). */
  readonly failure?: FailureSnapshot;
  /** Per-resource status, keyed `Type#id`. */
  readonly resourcesStatus: Readonly<Record<string, ResourceStatus>>;
  /** Per-resource reason for `error` and `skipped`, keyed `Type#id`. */
  readonly resourcesReason: Readonly<Record<string, string>>;
}

/** Statuses of a plan (Karbor's). */
export const PlanStatus = {
  /** Editable; not scheduled. */
  SUSPENDED: 'suspended',
  /** Scheduled by a trigger. */
  STARTED: 'started',
} as const;
/** One of the {@link PlanStatus} values. */
export type PlanStatus = (typeof PlanStatus)[keyof typeof PlanStatus];

/** A protection plan. */
export interface PlanRecord extends BaseRecord {
  /** Display name. */
  readonly name: string;
  /** Free text. */
  readonly description: string;
  /** The provider whose plugins protect the resources. */
  readonly providerId: string;
  /** Plan status. */
  readonly status: PlanStatus;
  /** The resources to protect. */
  readonly resources: readonly Resource[];
  /** Protect parameters keyed by type or `Type#id`, validated against the plugins' options schemas. */
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** A verification (seed 001). */
export interface VerificationRecord extends RunRecord {
  /** The provider. */
  readonly providerId: string;
  /** The verified checkpoint. */
  readonly checkpointId: string;
  /** The bank the checkpoint was verified in (the main bank or a copy destination). */
  readonly bank: string;
  /** Status. */
  readonly status: VerificationStatus;
  /** Verify parameters keyed by type or `Type#id`. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** The level requested, if one was. */
  readonly level?: VerificationLevel;
  /** Soft-delete time (the seed's column). */
  readonly deletedAt?: string;
}

/** A restore. */
export interface RestoreRecord extends RunRecord {
  /** The provider. */
  readonly providerId: string;
  /** The checkpoint restored from. */
  readonly checkpointId: string;
  /** The bank restored from (the main bank or a copy destination). */
  readonly bank: string;
  /** Status. */
  readonly status: RestoreStatus;
  /** Where to restore (free-form, as the request gave it). */
  readonly restoreTarget?: string;
  /** Restore parameters keyed by type or `Type#id`. */
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** One source checkpoint of a copy and its copy checkpoint. */
export interface CopyPair {
  /** The source checkpoint (main bank). */
  readonly sourceCheckpointId: string;
  /** The copy checkpoint (destination bank), once created. */
  readonly copyCheckpointId?: string;
  /** This pair's status: `wait_copying`, `copying`, `finished` or `error`. */
  readonly status: CopyStatus;
  /** Why this pair failed. */
  readonly reason?: string;
}

/** A copy (seed 000): every available checkpoint of a plan not yet copied to a destination. */
export interface CopyRecord extends RunRecord {
  /** The provider. */
  readonly providerId: string;
  /** The plan whose checkpoints are copied. */
  readonly planId: string;
  /** The destination bank's name. */
  readonly destination: string;
  /** Status. */
  readonly status: CopyStatus;
  /** Copy parameters keyed by type or `Type#id`. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** The source → copy checkpoint pairs. */
  readonly checkpoints: readonly CopyPair[];
}

/** An operation log: one per flow run. */
export interface OperationLogRecord extends BaseRecord {
  /** The kind of operation. */
  readonly operationType: OperationKind;
  /** The provider. */
  readonly providerId: string;
  /** The checkpoint worked on, if any. */
  readonly checkpointId?: string;
  /** The plan, if any. */
  readonly planId?: string;
  /** The restore record, for restores. */
  readonly restoreId?: string;
  /** The verification record, for verifications. */
  readonly verificationId?: string;
  /** The copy record, for copies. */
  readonly copyId?: string;
  /** Status: `in_progress`, then `success` or `error`. */
  readonly status: OperationLogStatus;
  /** When the operation started. */
  readonly startedAt: string;
  /** When it ended. */
  readonly endedAt?: string;
  /** Why it failed. */
  readonly errorInfo?: FailureSnapshot;
  /** The bank the operation works in (`main` or a copy destination's name). */
  readonly bank?: string;
  /** The node running the operation (its liveness lease tells whether it is alive). */
  readonly ownerId?: string;
  /** The owner's process incarnation; a restarted owner reaps its previous incarnation's logs. */
  readonly incarnation?: string;
  /** Free-form facts. */
  readonly extraInfo: Readonly<Record<string, unknown>>;
}

/**
 * The `projectId` of records that belong to the whole service rather than to one project:
 * quota classes and service nodes.
 */
export const SERVICE_WIDE_PROJECT = '*';

/** The resources a quota limits (Karbor's). */
export type QuotaResource = 'plans' | 'checkpoints';

/** Whose limits a {@link QuotaRecord} holds. */
export type QuotaScope = 'project' | 'class';

/**
 * Quota limits set for one project or one quota class. Only the resources set here are kept;
 * the others fall back (a project to the `default` class, a class to the built-in defaults).
 */
export interface QuotaRecord extends BaseRecord {
  /** `project:<projectId>` or `class:<name>`. */
  readonly id: string;
  /** The project itself for project limits; {@link SERVICE_WIDE_PROJECT} for a class. */
  readonly projectId: string;
  /** A project's own limits or a quota class's. */
  readonly scope: QuotaScope;
  /** The project id or the class name. */
  readonly name: string;
  /** The limits set here; `-1` means unlimited. */
  readonly limits: Readonly<Partial<Record<QuotaResource, number>>>;
}

/** Whether a service node takes new long work (Karbor's os-services status). */
export type ServiceStatus = 'enabled' | 'disabled';

/**
 * One running (or once running) service: a protection-service node, registered when it starts
 * and kept across restarts.
 */
export interface ServiceRecord extends BaseRecord {
  /** The service's small integer id as decimal text (`"1"`, `"2"`, …). */
  readonly id: string;
  /** Always {@link SERVICE_WIDE_PROJECT}. */
  readonly projectId: string;
  /** The program, e.g. `karbor-protection`. */
  readonly binary: string;
  /** The node's `ownerId`. */
  readonly host: string;
  /** Whether it takes new long work. */
  readonly status: ServiceStatus;
  /** Why it was disabled (only while disabled). */
  readonly disabledReason?: string;
}
