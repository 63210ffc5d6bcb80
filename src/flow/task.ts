/**
 * Tasks: the unit of work of a flow, with `execute` and an optional `revert` (TaskFlow's
 * contract). A task that fails is reverted too, so `revert` must cope with half-done work and
 * be idempotent.
 *
 * @module
 */

/** What `execute` receives. */
export interface TaskContext {
  /** The task's name (unique in its flow). */
  readonly name: string;
  /**
   * Aborted when the flow is cancelled, when the task times out, or when another task failed
   * and the flow is about to revert. `signal.reason` says which. Honour it: the runner waits
   * for the task to really stop before reverting anything.
   */
  readonly signal: AbortSignal;
  /** Reports the fraction done, clamped to [0, 1]. */
  progress(fraction: number): void;
}

/** How a task ended: its result, or what it threw. */
export type TaskOutcome<R = unknown> = { readonly ok: true; readonly result: R } | { readonly ok: false; readonly error: unknown };

/** What `revert` receives. */
export interface RevertContext<R = unknown> {
  /** The task's name. */
  readonly name: string;
  /** The task's own outcome: its result, or its failure. */
  readonly outcome: TaskOutcome<R>;
  /** The failures (or the cancellation) that made the flow revert. */
  readonly flowFailures: readonly unknown[];
  /** Aborted when the revert itself runs past the revert timeout. */
  readonly signal: AbortSignal;
}

/** A unit of work with an optional undo. */
export interface Task<R = unknown> {
  /** Unique within its flow. */
  readonly name: string;
  /** A deadline for `execute` in milliseconds, overriding the run's `taskTimeoutMs`. */
  readonly timeoutMs?: number;
  /** Does the work. */
  execute(context: TaskContext): R | Promise<R>;
  /** Undoes the work; runs for completed tasks and for the failed task itself. */
  revert?(context: RevertContext<R>): void | Promise<void>;
}

/** Builds a task from functions. */
export function defineTask<R>(
  name: string,
  execute: (context: TaskContext) => R | Promise<R>,
  options: { revert?: (context: RevertContext<R>) => void | Promise<void>; timeoutMs?: number } = {},
): Task<R> {
  return { name, execute, ...options };
}
