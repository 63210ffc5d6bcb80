/**
 * The flow runner. Tasks whose predecessors are done run in parallel under a concurrency
 * bound. On a failure the runner stops scheduling, aborts the running tasks' signals, waits
 * until they have really settled (p-queue alone would only race the abort), then reverts the
 * failed task and every completed one in reverse completion order.
 *
 * Outcomes: success resolves with a {@link FlowReport}. One failure rejects with the original
 * error; several concurrent failures with one `FlowError` (`KTS_ERR_FLOW_FAILED`) gathering
 * them. A cancelled run (its `signal` aborted) rejects with a `CancelledError` — cancelled is
 * not failed. If any revert fails, or a task will not stop within `graceMs` of being aborted,
 * the run rejects with `KTS_ERR_FLOW_REVERT_FAILED` whose `cause` is the error above: a
 * revert failure is never hidden.
 *
 * @module
 */
import { EventEmitter } from 'eventemitter3';
import PQueue from 'p-queue';
import { CancelledError, ConflictError, FlowError, InternalError, TimeoutError, isCancellation, isFrameworkError, messageOf } from '../core/errors.js';
import { clampFraction } from '../core/progress.js';
import type { FlowEvents } from './events.js';
import type { Flow } from './flow.js';
import { FlowState, TaskState } from './states.js';
import type { RevertContext, Task, TaskContext, TaskOutcome } from './task.js';

/** Timer functions; inject fakes to test timeouts deterministically. Defaults to the globals. */
export interface Timers {
  /** Schedules `callback` after `ms`. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a scheduled callback. */
  clearTimeout(handle: unknown): void;
}

/** Options of a flow run. */
export interface FlowRunOptions {
  /** How many tasks may run at once. @default 32 */
  readonly concurrency?: number;
  /** Cancels the run: running tasks are aborted and awaited, then everything is reverted. */
  readonly signal?: AbortSignal;
  /** A deadline per task `execute`, unless the task sets its own `timeoutMs`. */
  readonly taskTimeoutMs?: number;
  /** A deadline per task `revert`. */
  readonly revertTimeoutMs?: number;
  /**
   * How long to wait for an aborted task to stop before giving up on it (it is then reported
   * as a revert failure and not reverted, since it may still be running). @default 30000
   */
  readonly graceMs?: number;
  /** Timer functions. @default the global `setTimeout` / `clearTimeout` */
  readonly timers?: Timers;
}

/** What a run knows about one task. */
export interface TaskRecord {
  /** The task's name. */
  readonly name: string;
  /** Its state. */
  readonly state: TaskState;
  /** What `execute` returned, when it succeeded. */
  readonly result?: unknown;
  /** What `execute` threw, or why it was stopped. */
  readonly error?: unknown;
  /** What `revert` threw. */
  readonly revertError?: unknown;
  /** The last progress it reported, in [0, 1]. */
  readonly progress: number;
}

/** A task and the error it ended with. */
export interface TaskFailure {
  /** The task's name. */
  readonly task: string;
  /** The error. */
  readonly error: unknown;
}

/** The account of a run. */
export interface FlowReport {
  /** The flow's name. */
  readonly name: string;
  /** The run's state. */
  readonly state: FlowState;
  /** Every task's record, by name. */
  readonly tasks: ReadonlyMap<string, TaskRecord>;
  /** Task names in the order their `execute` settled. */
  readonly completionOrder: readonly string[];
  /** Tasks that failed (not counting tasks stopped by the halt). */
  readonly failures: readonly TaskFailure[];
  /** Reverts that failed, and tasks that would not stop. */
  readonly revertFailures: readonly TaskFailure[];
}

interface MutableRecord {
  name: string;
  state: TaskState;
  result?: unknown;
  error?: unknown;
  revertError?: unknown;
  progress: number;
  abandoned: boolean;
}

const ABANDONED = Symbol('abandoned');
type Settlement = TaskOutcome | typeof ABANDONED;

const globalTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** One run of a flow. Listen to its typed events before calling {@link FlowRun.start}. */
export class FlowRun extends EventEmitter<FlowEvents> {
  /** The flow being run. */
  readonly flow: Flow;
  readonly #concurrency: number;
  readonly #graceMs: number;
  readonly #timers: Timers;
  readonly #options: FlowRunOptions;
  readonly #halt = new AbortController();
  readonly #records: MutableRecord[];
  readonly #order: number[] = [];
  readonly #failures: { index: number; error: unknown }[] = [];
  readonly #revertFailures: { index: number; error: unknown }[] = [];
  #state: FlowState = FlowState.PENDING;
  #cancelError: CancelledError | undefined;
  #pending = 0;
  #queue: PQueue | undefined;
  #idle: (() => void) | undefined;

  /** Prepares a run; nothing executes until {@link FlowRun.start}. */
  constructor(flow: Flow, options: FlowRunOptions = {}) {
    super();
    const concurrency = options.concurrency ?? 32;
    if (!(concurrency >= 1)) throw new TypeError(`Expected \`concurrency\` to be a number >= 1, got \`${String(concurrency)}\``);
    this.flow = flow;
    this.#options = options;
    this.#concurrency = concurrency;
    this.#graceMs = options.graceMs ?? 30_000;
    this.#timers = options.timers ?? globalTimers;
    this.#records = flow.tasks().map((task) => ({ name: task.name, state: TaskState.PENDING, progress: 0, abandoned: false }));
  }

  /** The run's current state. */
  get state(): FlowState {
    return this.#state;
  }

  /** Cancels the run (same as aborting its `signal`). */
  cancel(reason?: unknown): void {
    this.#stop(toCancelledError(reason ?? new CancelledError(`Flow "${this.flow.name}" cancelled`)), true);
  }

  /** Runs the flow; resolves with the report or rejects as described in the module doc. */
  async start(): Promise<FlowReport> {
    if (this.#state !== FlowState.PENDING) {
      throw new ConflictError(`Flow run "${this.flow.name}" was already started`, { code: 'KTS_ERR_FLOW_ALREADY_STARTED' });
    }
    const compiled = this.flow.compile();
    this.#setState(FlowState.RUNNING);
    const external = this.#options.signal;
    const onAbort = (): void => this.cancel(external?.reason);
    if (external?.aborted) onAbort();
    else external?.addEventListener('abort', onAbort, { once: true });
    try {
      const remaining = [...compiled.predecessorCount];
      const idle = new Promise<void>((resolve) => (this.#idle = resolve));
      this.#queue = new PQueue({ concurrency: this.#concurrency });
      const schedule = (index: number): void => {
        this.#pending++;
        void this.#queue!.add(async () => {
          try {
            await this.#run(compiled.tasks[index]!, index);
            if (!this.#halt.signal.aborted && this.#records[index]!.state === TaskState.SUCCESS) {
              for (const next of compiled.successors[index]!) if (--remaining[next]! === 0) schedule(next);
            }
          } finally {
            this.#settleOne();
          }
        });
      };
      if (!this.#halt.signal.aborted) remaining.forEach((count, index) => count === 0 && schedule(index));
      if (this.#pending > 0) await idle;
      if (!this.#halt.signal.aborted) {
        this.#setState(FlowState.SUCCESS);
        return this.report();
      }
      await this.#revertAll();
      throw this.#finalError();
    } finally {
      external?.removeEventListener('abort', onAbort);
    }
  }

  /** The account of the run so far. */
  report(): FlowReport {
    const tasks = new Map<string, TaskRecord>();
    for (const { abandoned: _abandoned, ...record } of this.#records) tasks.set(record.name, record);
    const named = ({ index, error }: { index: number; error: unknown }): TaskFailure => ({ task: this.#records[index]!.name, error });
    return {
      name: this.flow.name,
      state: this.#state,
      tasks,
      completionOrder: this.#order.map((index) => this.#records[index]!.name),
      failures: this.#failures.map(named),
      revertFailures: this.#revertFailures.map(named),
    };
  }

  async #run(task: Task, index: number): Promise<void> {
    const record = this.#records[index]!;
    if (this.#halt.signal.aborted) return;
    record.state = TaskState.RUNNING;
    this.#emit('task:start', task.name);
    const timeoutMs = task.timeoutMs ?? this.#options.taskTimeoutMs;
    let signal = this.#halt.signal;
    let timedOut: TimeoutError | undefined;
    let timer: unknown;
    let onHalt: (() => void) | undefined;
    if (timeoutMs !== undefined) {
      const controller = new AbortController();
      signal = controller.signal;
      onHalt = () => controller.abort(this.#halt.signal.reason);
      this.#halt.signal.addEventListener('abort', onHalt, { once: true });
      timer = this.#timers.setTimeout(() => {
        timedOut = new TimeoutError(`Task "${task.name}" timed out after ${timeoutMs} ms`, { details: { task: task.name, timeoutMs } });
        controller.abort(timedOut);
      }, timeoutMs);
    }
    const context: TaskContext = {
      name: task.name,
      signal,
      progress: (fraction) => {
        record.progress = clampFraction(fraction);
        this.#emit('task:progress', task.name, record.progress);
      },
    };
    const outcome = await this.#execute(task, context);
    if (timer !== undefined) this.#timers.clearTimeout(timer);
    if (onHalt) this.#halt.signal.removeEventListener('abort', onHalt);
    this.#order.push(index);
    if (outcome === ABANDONED) {
      record.abandoned = true;
      record.error = timedOut ?? signal.reason;
      record.state = timedOut ? TaskState.FAILURE : TaskState.CANCELLED;
      if (timedOut) this.#fail(index, timedOut);
    } else if (outcome.ok && !timedOut) {
      record.state = TaskState.SUCCESS;
      record.result = outcome.result;
      this.#emit('task:success', task.name, outcome.result);
    } else if (timedOut) {
      record.state = TaskState.FAILURE;
      record.error = timedOut;
      this.#emit('task:failure', task.name, timedOut);
      this.#fail(index, timedOut);
    } else {
      const error = outcome.ok ? undefined : outcome.error;
      if (this.#halt.signal.aborted && (error === signal.reason || isCancellation(error))) {
        record.state = TaskState.CANCELLED;
        record.error = error;
        this.#emit('task:cancelled', task.name, error);
      } else {
        record.state = TaskState.FAILURE;
        record.error = error;
        this.#emit('task:failure', task.name, error);
        this.#fail(index, error);
      }
    }
  }

  /** Runs `execute`; once the task's signal aborts, waits at most `graceMs` for it to stop. */
  #execute(task: Task, context: TaskContext): Settlement | Promise<Settlement> {
    let value: unknown;
    try {
      value = task.execute(context);
    } catch (error) {
      return { ok: false, error };
    }
    if (!isThenable(value)) return { ok: true, result: value };
    const execution = Promise.resolve(value).then(
      (result): TaskOutcome => ({ ok: true, result }),
      (error: unknown): TaskOutcome => ({ ok: false, error }),
    );
    const { signal } = context;
    return new Promise<Settlement>((resolve) => {
      let grace: unknown;
      const onAbort = (): void => {
        grace = this.#timers.setTimeout(() => resolve(ABANDONED), this.#graceMs);
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      void execution.then((outcome) => {
        signal.removeEventListener('abort', onAbort);
        if (grace !== undefined) this.#timers.clearTimeout(grace);
        resolve(outcome);
      });
    });
  }

  #fail(index: number, error: unknown): void {
    this.#failures.push({ index, error });
    const name = this.#records[index]!.name;
    this.#stop(new CancelledError(`Flow "${this.flow.name}" is reverting: task "${name}" failed`, { cause: error }), false);
  }

  /** Stops scheduling and aborts running tasks; the first stop wins. */
  #stop(reason: CancelledError, cancelled: boolean): void {
    if (this.#halt.signal.aborted) return;
    if (cancelled) this.#cancelError = reason;
    this.#halt.abort(reason);
    if (this.#queue) {
      this.#pending -= this.#queue.size;
      this.#queue.clear();
      if (this.#pending === 0) this.#idle?.();
    }
  }

  #settleOne(): void {
    if (--this.#pending === 0) this.#idle?.();
  }

  async #revertAll(): Promise<void> {
    this.#setState(FlowState.REVERTING);
    const flowFailures = this.#cancelError ? [this.#cancelError] : this.#failures.map((failure) => failure.error);
    const tasks = this.flow.tasks();
    for (let at = this.#order.length - 1; at >= 0; at--) {
      const index = this.#order[at]!;
      const record = this.#records[index]!;
      const task = tasks[index]!;
      if (record.abandoned) {
        const error = new InternalError(`Task "${task.name}" did not stop within ${this.#graceMs} ms of being aborted; it was not reverted`, {
          details: { task: task.name, graceMs: this.#graceMs },
        });
        this.#revertFailed(index, record, error);
        continue;
      }
      if (!task.revert) {
        record.state = TaskState.REVERTED;
        continue;
      }
      const outcome: TaskOutcome =
        record.state === TaskState.SUCCESS ? { ok: true, result: record.result } : { ok: false, error: record.error };
      record.state = TaskState.REVERTING;
      this.#emit('task:revert', task.name);
      try {
        await this.#revertOne(task, outcome, flowFailures);
        record.state = TaskState.REVERTED;
        this.#emit('task:reverted', task.name);
      } catch (error) {
        this.#revertFailed(index, record, error);
      }
    }
  }

  async #revertOne(task: Task, outcome: TaskOutcome, flowFailures: readonly unknown[]): Promise<void> {
    const controller = new AbortController();
    const context: RevertContext = { name: task.name, outcome, flowFailures, signal: controller.signal };
    const timeoutMs = this.#options.revertTimeoutMs;
    if (timeoutMs === undefined) return void (await task.revert!(context));
    let timer: unknown;
    const deadline = new Promise<never>((_, reject) => {
      timer = this.#timers.setTimeout(() => {
        const error = new TimeoutError(`Revert of task "${task.name}" timed out after ${timeoutMs} ms`, { details: { task: task.name, timeoutMs } });
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    try {
      await Promise.race([task.revert!(context), deadline]);
    } finally {
      this.#timers.clearTimeout(timer);
    }
  }

  #revertFailed(index: number, record: MutableRecord, error: unknown): void {
    record.state = TaskState.REVERT_FAILURE;
    record.revertError = error;
    this.#revertFailures.push({ index, error });
    this.#emit('task:revert-failure', record.name, error);
  }

  #finalError(): unknown {
    const failures = this.#failures;
    const primary =
      this.#cancelError ??
      (failures.length === 1
        ? failures[0]!.error
        : new FlowError(
            `${failures.length} tasks of flow "${this.flow.name}" failed: ${failures.map((f) => `${this.#records[f.index]!.name} (${messageOf(f.error)})`).join('; ')}`,
            failures.map((failure) => failure.error),
            { details: { flow: this.flow.name, tasks: failures.map((failure) => this.#records[failure.index]!.name) } },
          ));
    if (this.#revertFailures.length > 0) {
      this.#setState(FlowState.REVERT_FAILED);
      const names = this.#revertFailures.map((failure) => this.#records[failure.index]!.name);
      return new FlowError(
        `Reverting flow "${this.flow.name}" failed for ${names.join(', ')} after: ${messageOf(primary)}`,
        this.#revertFailures.map((failure) => failure.error),
        { code: 'KTS_ERR_FLOW_REVERT_FAILED', cause: primary, details: { flow: this.flow.name, tasks: names } },
      );
    }
    this.#setState(this.#cancelError ? FlowState.CANCELLED : FlowState.FAILED);
    return primary;
  }

  #setState(state: FlowState): void {
    const previous = this.#state;
    this.#state = state;
    this.#emit('flow:state', state, previous);
  }

  /** Emits to each listener separately, so one throwing listener cannot affect the run or the others. */
  #emit<E extends keyof FlowEvents>(event: E, ...args: Parameters<FlowEvents[E]>): void {
    if (this.listenerCount(event) === 0) return;
    for (const listener of this.listeners(event)) {
      try {
        (listener as (...values: unknown[]) => void)(...args);
      } catch (error) {
        if (event !== 'listener:error') this.#emit('listener:error', event, error);
      }
    }
  }
}

/** Runs `flow` once; see {@link FlowRun}. */
export function runFlow(flow: Flow, options: FlowRunOptions = {}): Promise<FlowReport> {
  return new FlowRun(flow, options).start();
}

function toCancelledError(reason: unknown): CancelledError {
  if (isFrameworkError(reason, 'KTS_ERR_CANCELLED')) return reason as CancelledError;
  return new CancelledError(reason === undefined ? 'Cancelled' : `Cancelled: ${messageOf(reason)}`, { cause: reason });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
