/**
 * The flow runner. Tasks whose predecessors are done run in parallel under a concurrency
 * bound, started in the order they became ready (a FIFO queue). On a failure the runner stops
 * scheduling, aborts the running tasks' signals, waits until they have really settled (racing
 * the abort is not enough), then reverts the failed task and every completed one in reverse
 * completion order.
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
import { CancelledError, ConflictError, FlowError, InternalError, TimeoutError, ValidationError, isCancellation, isFrameworkError, messageOf } from '../core/errors.js';
import { clampFraction } from '../core/progress.js';
import type { FlowEvents } from './events.js';
import type { CompiledFlow, Flow } from './flow.js';
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
}

/** A running task's own deadline: its signal, timer, and the timeout error once it passed. */
interface Deadline {
  readonly controller: AbortController;
  timer: unknown;
  timedOut: TimeoutError | undefined;
}

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
  /**
   * Tasks whose `execute` returned a promise that has not settled. On a halt the runner walks
   * these itself rather than keeping one abort listener per task on the shared halt signal
   * (an `AbortSignal`'s add/remove cost grows with its listener count; Node also warns past 10).
   */
  readonly #running = new Set<number>();
  /** Running tasks with their own deadline, by index. */
  readonly #deadlines = new Map<number, Deadline>();
  /** Grace timers of aborted tasks still running, by index. */
  readonly #graces = new Map<number, unknown>();
  /** Indexes of tasks that did not stop within `graceMs`. */
  readonly #abandoned = new Set<number>();
  readonly #order: number[] = [];
  readonly #failures: { index: number; error: unknown }[] = [];
  readonly #revertFailures: { index: number; error: unknown }[] = [];
  #state: FlowState = FlowState.PENDING;
  #cancelError: CancelledError | undefined;
  /** Tasks scheduled (queued or running) and not yet settled. */
  #pending = 0;
  /** Tasks running now. */
  #active = 0;
  /** The ready queue: task indexes from `#readyHead` on are waiting for a slot. */
  readonly #ready: number[] = [];
  #readyHead = 0;
  #remaining = new Int32Array(0);
  #compiled: CompiledFlow | undefined;
  #idle: (() => void) | undefined;

  /** Prepares a run; nothing executes until {@link FlowRun.start}. */
  constructor(flow: Flow, options: FlowRunOptions = {}) {
    super();
    const concurrency = options.concurrency ?? 32;
    if (!(concurrency >= 1)) {
      throw new ValidationError(`Expected \`concurrency\` to be a number >= 1, got \`${String(concurrency)}\``, { code: 'KTS_ERR_INVALID_OPTION', details: { concurrency } });
    }
    for (const option of ['taskTimeoutMs', 'revertTimeoutMs', 'graceMs'] as const) {
      const value = options[option];
      if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
        throw new ValidationError(`Expected \`${option}\` to be a finite number >= 0 (milliseconds), got \`${String(value)}\``, { code: 'KTS_ERR_INVALID_OPTION', details: { [option]: value } });
      }
    }
    this.flow = flow;
    this.#options = options;
    this.#concurrency = concurrency;
    this.#graceMs = options.graceMs ?? 30_000;
    this.#timers = options.timers ?? globalTimers;
    this.#records = flow.tasks().map((task) => ({ name: task.name, state: TaskState.PENDING, progress: 0 }));
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
      this.#compiled = compiled;
      const remaining = (this.#remaining = compiled.predecessorCount.slice());
      const idle = new Promise<void>((resolve) => (this.#idle = resolve));
      for (let index = 0; index < remaining.length && !this.#halt.signal.aborted; index++) if (remaining[index] === 0) this.#schedule(index);
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
    for (const record of this.#records) tasks.set(record.name, { ...record });
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

  /** Queues a ready task and starts what the concurrency bound allows. Nothing is queued once halted. */
  #schedule(index: number): void {
    if (this.#halt.signal.aborted) return;
    this.#pending++;
    this.#ready.push(index);
    this.#pump();
  }

  /** Starts queued tasks, oldest first, while a slot is free. */
  #pump(): void {
    // A task may halt the run from its synchronous part, emptying the queue: re-read it.
    while (this.#active < this.#concurrency && this.#readyHead < this.#ready.length) {
      this.#active++;
      this.#start(this.#ready[this.#readyHead++]!);
    }
    if (this.#readyHead > 0 && this.#readyHead === this.#ready.length) {
      this.#ready.length = 0;
      this.#readyHead = 0;
    }
  }

  /**
   * Starts a task. Its outcome is handled in {@link FlowRun.#settle} on a later microtask (even
   * for a synchronous `execute`, so that long chains never recurse). Plain callbacks rather than
   * an async function per task: at 100,000 tasks, per-task promises and frames dominate.
   */
  #start(index: number): void {
    const record = this.#records[index]!;
    const task = this.#compiled!.tasks[index]!;
    record.state = TaskState.RUNNING;
    this.#emit('task:start', task.name);
    const timeoutMs = task.timeoutMs ?? this.#options.taskTimeoutMs;
    let signal = this.#halt.signal;
    if (timeoutMs !== undefined) {
      const deadline: Deadline = { controller: new AbortController(), timer: undefined, timedOut: undefined };
      signal = deadline.controller.signal;
      deadline.timer = this.#timers.setTimeout(() => {
        deadline.timedOut = new TimeoutError(`Task "${task.name}" timed out after ${timeoutMs} ms`, { details: { task: task.name, timeoutMs } });
        deadline.controller.abort(deadline.timedOut);
        this.#startGrace(index);
      }, timeoutMs);
      this.#deadlines.set(index, deadline);
    }
    const context: TaskContext = { name: task.name, signal, progress: this.#reporter(record) };
    let value: unknown;
    try {
      value = task.execute(context);
    } catch (error) {
      value = Promise.reject(error);
    }
    if (isThenable(value)) {
      this.#running.add(index);
      if (signal.aborted) this.#startGrace(index);
    }
    Promise.resolve(value).then(
      (result) => this.#settle(index, true, result),
      (error: unknown) => this.#settle(index, false, error),
    );
  }

  /**
   * The `progress` function of a task's context. Returned from a method rather than written
   * inline in the context literal: loaders that keep function names (tsx) would wrap every
   * inline one in a `defineProperty` call, doubling the cost of starting a task.
   */
  #reporter(record: MutableRecord): (fraction: number) => void {
    return (fraction) => {
      record.progress = clampFraction(fraction);
      this.#emit('task:progress', record.name, record.progress);
    };
  }

  /** Once a running task's signal has aborted, waits at most `graceMs` for it to stop. */
  #startGrace(index: number): void {
    if (!this.#running.has(index) || this.#graces.has(index)) return;
    this.#graces.set(index, this.#timers.setTimeout(() => this.#abandon(index), this.#graceMs));
  }

  /** Clears what a started task holds (its deadline, its grace period) and records its completion. */
  #finish(index: number): Deadline | undefined {
    this.#running.delete(index);
    const grace = this.#graces.get(index);
    if (grace !== undefined) {
      this.#timers.clearTimeout(grace);
      this.#graces.delete(index);
    }
    const deadline = this.#deadlines.get(index);
    if (deadline) {
      this.#timers.clearTimeout(deadline.timer);
      this.#deadlines.delete(index);
    }
    this.#order.push(index);
    return deadline;
  }

  /** A task's `execute` settled: records the outcome and schedules the successors it made ready. */
  #settle(index: number, ok: boolean, value: unknown): void {
    const record = this.#records[index]!;
    if (record.state !== TaskState.RUNNING) return; // abandoned after its grace period
    const deadline = this.#finish(index);
    const timedOut = deadline?.timedOut;
    const name = record.name;
    if (ok && !timedOut) {
      record.state = TaskState.SUCCESS;
      record.result = value;
      this.#emit('task:success', name, value);
    } else if (timedOut) {
      record.state = TaskState.FAILURE;
      record.error = timedOut;
      this.#emit('task:failure', name, timedOut);
      this.#fail(index, timedOut);
    } else {
      const signal = deadline ? deadline.controller.signal : this.#halt.signal;
      record.error = value;
      if (this.#halt.signal.aborted && (value === signal.reason || isCancellation(value))) {
        record.state = TaskState.CANCELLED;
        this.#emit('task:cancelled', name, value);
      } else {
        record.state = TaskState.FAILURE;
        this.#emit('task:failure', name, value);
        this.#fail(index, value);
      }
    }
    if (!this.#halt.signal.aborted && record.state === TaskState.SUCCESS) {
      const { offsets, targets } = this.#compiled!;
      const remaining = this.#remaining;
      for (let at = offsets[index]!; at < offsets[index + 1]!; at++) if (--remaining[targets[at]!]! === 0) this.#schedule(targets[at]!);
    }
    this.#release();
  }

  /** A task did not stop within `graceMs` of its signal aborting: give up on it, unreverted. */
  #abandon(index: number): void {
    const record = this.#records[index]!;
    if (record.state !== TaskState.RUNNING) return;
    const deadline = this.#finish(index);
    const timedOut = deadline?.timedOut;
    this.#abandoned.add(index);
    record.error = timedOut ?? (deadline ? deadline.controller.signal : this.#halt.signal).reason;
    record.state = timedOut ? TaskState.FAILURE : TaskState.CANCELLED;
    if (timedOut) this.#fail(index, timedOut);
    this.#release();
  }

  /** Frees a task's slot and starts what it allows. */
  #release(): void {
    this.#active--;
    if (--this.#pending === 0) this.#idle?.();
    this.#pump();
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
    for (const deadline of this.#deadlines.values()) deadline.controller.abort(reason);
    for (const index of this.#running) this.#startGrace(index);
    this.#pending -= this.#ready.length - this.#readyHead;
    this.#ready.length = 0;
    this.#readyHead = 0;
    if (this.#pending === 0) this.#idle?.();
  }

  async #revertAll(): Promise<void> {
    this.#setState(FlowState.REVERTING);
    const flowFailures = this.#cancelError ? [this.#cancelError] : this.#failures.map((failure) => failure.error);
    const tasks = this.flow.tasks();
    for (let at = this.#order.length - 1; at >= 0; at--) {
      const index = this.#order[at]!;
      const record = this.#records[index]!;
      const task = tasks[index]!;
      if (this.#abandoned.has(index)) {
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
