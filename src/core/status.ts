/**
 * Status vocabularies and their transition tables. Status values are persisted and returned
 * over HTTP, so they are API: never renamed, only added to.
 *
 * Each machine is a const object (`CheckpointStatus.AVAILABLE`), a type of the same name, and a
 * table of allowed `from → to` transitions checked by {@link assertTransition}.
 *
 * @module
 */
import { StateTransitionError } from './errors.js';

/** Statuses of a checkpoint (Karbor's, plus the copy states of seed 000). */
export const CheckpointStatus = {
  /** The protect flow is running. */
  PROTECTING: 'protecting',
  /** Protected (or copied) and usable for restore, verify and copy. */
  AVAILABLE: 'available',
  /** Protect or copy failed, or the run was interrupted or reset. */
  ERROR: 'error',
  /** The delete flow is running. */
  DELETING: 'deleting',
  /** Deleted; kept as a tombstone. */
  DELETED: 'deleted',
  /** The delete flow failed; deleting again is allowed. */
  ERROR_DELETING: 'error-deleting',
  /** A copy checkpoint created and waiting for its copy flow. */
  WAIT_COPYING: 'wait_copying',
  /** A copy checkpoint whose copy flow is running. */
  COPYING: 'copying',
} as const;
/** One of the {@link CheckpointStatus} values. */
export type CheckpointStatus = (typeof CheckpointStatus)[keyof typeof CheckpointStatus];

/** Statuses of a copy record (seed 000). */
export const CopyStatus = {
  /** Accepted; its checkpoints wait for their copy flows. */
  WAIT_COPYING: 'wait_copying',
  /** Copy flows are running. */
  COPYING: 'copying',
  /** Every checkpoint was copied. */
  FINISHED: 'finished',
  /** At least one checkpoint could not be copied. */
  ERROR: 'error',
} as const;
/** One of the {@link CopyStatus} values. */
export type CopyStatus = (typeof CopyStatus)[keyof typeof CopyStatus];

/** Statuses of a verification record (seed 001's names). */
export const VerificationStatus = {
  /** The verify flow is running. */
  VERIFYING: 'verifying',
  /** Every resource verified intact (or skipped with a reason). */
  SUCCESS: 'success',
  /** A resource failed verification, or the run failed, was cancelled or interrupted. */
  ERROR: 'error',
} as const;
/** One of the {@link VerificationStatus} values. */
export type VerificationStatus = (typeof VerificationStatus)[keyof typeof VerificationStatus];

/** Statuses of a restore record (Karbor's names, which the karbor client shows). */
export const RestoreStatus = {
  /** The restore flow is running. */
  IN_PROGRESS: 'in_progress',
  /** Every resource was restored. */
  SUCCESS: 'success',
  /** The restore failed, was cancelled or interrupted. */
  FAIL: 'fail',
} as const;
/** One of the {@link RestoreStatus} values. */
export type RestoreStatus = (typeof RestoreStatus)[keyof typeof RestoreStatus];

/** Statuses of an operation log: opened by an Initiate task, closed by Complete or a revert. */
export const OperationLogStatus = {
  /** The operation is running. */
  IN_PROGRESS: 'in_progress',
  /** Set by the Complete task. */
  SUCCESS: 'success',
  /** Set by the revert of the Initiate task, with the reason. */
  ERROR: 'error',
} as const;
/** One of the {@link OperationLogStatus} values. */
export type OperationLogStatus = (typeof OperationLogStatus)[keyof typeof OperationLogStatus];

/**
 * Per-resource statuses inside a checkpoint, restore, verification or copy. Each operation has
 * a running status and a done status; `error` and `skipped` are shared.
 */
export const ResourceStatus = {
  /** Protect hooks are running. */
  PROTECTING: 'protecting',
  /** Protected or restored. */
  AVAILABLE: 'available',
  /** Restore hooks are running. */
  RESTORING: 'restoring',
  /** Verify hooks are running (seed 001). */
  VERIFYING: 'verifying',
  /** Verified intact. */
  SUCCESS: 'success',
  /** Copy hooks are running. */
  COPYING: 'copying',
  /** Copied and checked at the destination. */
  FINISHED: 'finished',
  /** Delete hooks are running. */
  DELETING: 'deleting',
  /** Backup data deleted. */
  DELETED: 'deleted',
  /** A hook failed; the reason says why. */
  ERROR: 'error',
  /** The plugin lacks this operation; the reason says so. Not a failure. */
  SKIPPED: 'skipped',
} as const;
/** One of the {@link ResourceStatus} values. */
export type ResourceStatus = (typeof ResourceStatus)[keyof typeof ResourceStatus];

/** A transition table: for each status, the statuses it may move to. */
export type TransitionTable<S extends string> = { readonly [K in S]: readonly S[] };

const CHECKPOINT_TRANSITIONS: TransitionTable<CheckpointStatus> = {
  protecting: ['available', 'error'],
  available: ['deleting', 'error'],
  error: ['deleting', 'available'],
  deleting: ['deleted', 'error-deleting'],
  deleted: [],
  'error-deleting': ['deleting', 'error'],
  wait_copying: ['copying', 'error'],
  copying: ['available', 'error'],
};

const COPY_TRANSITIONS: TransitionTable<CopyStatus> = {
  wait_copying: ['copying', 'error'],
  copying: ['finished', 'error'],
  finished: [],
  error: [],
};

const VERIFICATION_TRANSITIONS: TransitionTable<VerificationStatus> = {
  verifying: ['success', 'error'],
  success: [],
  error: [],
};

const RESTORE_TRANSITIONS: TransitionTable<RestoreStatus> = {
  in_progress: ['success', 'fail'],
  success: [],
  fail: [],
};

const OPERATION_LOG_TRANSITIONS: TransitionTable<OperationLogStatus> = {
  in_progress: ['success', 'error'],
  success: [],
  error: [],
};

const RESOURCE_TRANSITIONS: TransitionTable<ResourceStatus> = {
  protecting: ['available', 'error', 'skipped'],
  restoring: ['available', 'error', 'skipped'],
  verifying: ['success', 'error', 'skipped'],
  copying: ['finished', 'error', 'skipped'],
  deleting: ['deleted', 'error', 'skipped'],
  available: [],
  success: [],
  finished: [],
  deleted: [],
  error: [],
  skipped: [],
};

/** Every status machine with its transition table, by name. */
export const STATUS_MACHINES = {
  checkpoint: CHECKPOINT_TRANSITIONS,
  copy: COPY_TRANSITIONS,
  verification: VERIFICATION_TRANSITIONS,
  restore: RESTORE_TRANSITIONS,
  operationLog: OPERATION_LOG_TRANSITIONS,
  resource: RESOURCE_TRANSITIONS,
} as const;

/** The name of a status machine. */
export type StatusMachine = keyof typeof STATUS_MACHINES;

/** The status type of machine `M`. */
export type StatusOf<M extends StatusMachine> = keyof (typeof STATUS_MACHINES)[M] & string;

/** Whether machine `machine` allows `from → to`. Staying in the same status is not a transition. */
export function canTransition<M extends StatusMachine>(machine: M, from: StatusOf<M>, to: StatusOf<M>): boolean {
  const table = STATUS_MACHINES[machine] as TransitionTable<string>;
  return table[from]?.includes(to) ?? false;
}

/** Throws `KTS_ERR_STATE_TRANSITION` unless machine `machine` allows `from → to`. */
export function assertTransition<M extends StatusMachine>(machine: M, from: StatusOf<M>, to: StatusOf<M>): void {
  if (!canTransition(machine, from, to)) throw new StateTransitionError(machine, from, to);
}

/** Whether `status` has no way out in machine `machine`. */
export function isTerminal<M extends StatusMachine>(machine: M, status: StatusOf<M>): boolean {
  const table = STATUS_MACHINES[machine] as TransitionTable<string>;
  return (table[status]?.length ?? 0) === 0;
}
