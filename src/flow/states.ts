/**
 * The states of a flow run and of its tasks (TaskFlow's vocabulary, lowercase).
 *
 * @module
 */

/** States of a flow run. */
export const FlowState = {
  /** Created, not started. */
  PENDING: 'pending',
  /** Tasks are running. */
  RUNNING: 'running',
  /** A task failed or the run was cancelled; completed tasks are being reverted. */
  REVERTING: 'reverting',
  /** Every task succeeded. */
  SUCCESS: 'success',
  /** A task failed; everything was reverted. */
  FAILED: 'failed',
  /** The run was cancelled; everything was reverted. Cancelled is not failed. */
  CANCELLED: 'cancelled',
  /** At least one revert failed (or a task would not stop); something may be left behind. */
  REVERT_FAILED: 'revert_failed',
} as const;
/** One of the {@link FlowState} values. */
export type FlowState = (typeof FlowState)[keyof typeof FlowState];

/** States of one task in a run. */
export const TaskState = {
  /** Not started. */
  PENDING: 'pending',
  /** `execute` is running. */
  RUNNING: 'running',
  /** `execute` returned. */
  SUCCESS: 'success',
  /** `execute` threw or timed out. */
  FAILURE: 'failure',
  /** `execute` stopped because the run was cancelled or another task failed. */
  CANCELLED: 'cancelled',
  /** `revert` is running. */
  REVERTING: 'reverting',
  /** `revert` finished (or there was nothing to revert). */
  REVERTED: 'reverted',
  /** `revert` threw, or the task never stopped and could not be reverted safely. */
  REVERT_FAILURE: 'revert_failure',
} as const;
/** One of the {@link TaskState} values. */
export type TaskState = (typeof TaskState)[keyof typeof TaskState];
