/**
 * The flow runner: tasks with `execute` and `revert`, linear and graph flows, bounded
 * parallelism, cancellation, timeouts and typed events.
 *
 * ## Cancellation model
 *
 * Every task receives an `AbortSignal`. It aborts when the run's own `signal` aborts (a
 * cancel: reason `KTS_ERR_CANCELLED`), when the task's deadline passes (reason
 * `KTS_ERR_TIMEOUT`), or when another task failed and the run is about to revert (reason
 * `KTS_ERR_CANCELLED` whose `cause` is that failure). Aborting never abandons work silently:
 * the runner waits until each running task has really settled — up to `graceMs` — before any
 * revert starts, and a task that will not stop is reported as a revert failure rather than
 * reverted under its feet. A task that throws because it was aborted by a halt is `cancelled`,
 * not `failed`.
 *
 * @example
 * ```ts
 * import { Flow, defineTask, runFlow } from 'karbor-ts/flow';
 *
 * const flow = Flow.linear('demo', [
 *   defineTask('reserve', () => 'slot-1', { revert: () => console.log('release slot-1') }),
 *   defineTask('write', async ({ signal }) => { signal.throwIfAborted(); }),
 * ]);
 * const report = await runFlow(flow, { taskTimeoutMs: 5_000 });
 * console.log(report.state); // "success"
 * ```
 *
 * @module
 */
export { Flow } from './flow.js';
export { defineTask, type Task, type TaskContext, type RevertContext, type TaskOutcome } from './task.js';
export { FlowRun, runFlow, type FlowRunOptions, type FlowReport, type TaskRecord, type TaskFailure, type Timers } from './runner.js';
export { FlowState, TaskState } from './states.js';
/** The typed events of a flow run. */
export type { FlowEvents, FlowEventName } from './events.js';
export {
  buildResourceFlow,
  hookTaskName,
  type ResourceFlowOptions,
  type ResourceFlowHooks,
  type ResourceStep,
  type ResourceFlow,
} from './resource-flow.js';
