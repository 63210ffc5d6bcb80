/**
 * The typed events of a flow run. The list is closed. Listeners must not throw; if one does,
 * the run is unaffected and the error is reported through `listener:error`.
 *
 * @module
 */
import type { FlowState } from './states.js';

/** Every event a flow run emits, with its arguments. */
export interface FlowEvents {
  /** The run moved to `state`. */
  'flow:state': (state: FlowState, previous: FlowState) => void;
  /** A task started. */
  'task:start': (task: string) => void;
  /** A task returned `result`. */
  'task:success': (task: string, result: unknown) => void;
  /** A task threw or timed out. */
  'task:failure': (task: string, error: unknown) => void;
  /** A task stopped because the run was halted. */
  'task:cancelled': (task: string, reason: unknown) => void;
  /** A task reported progress. */
  'task:progress': (task: string, fraction: number) => void;
  /** A task's revert started. */
  'task:revert': (task: string) => void;
  /** A task's revert finished. */
  'task:reverted': (task: string) => void;
  /** A task's revert threw (or the task never stopped). */
  'task:revert-failure': (task: string, error: unknown) => void;
  /** A listener threw while handling `event`; the run went on. */
  'listener:error': (event: string, error: unknown) => void;
}

/** The name of a flow event. */
export type FlowEventName = keyof FlowEvents;
