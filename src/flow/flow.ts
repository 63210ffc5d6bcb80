/**
 * Flows: a set of uniquely named tasks and the order constraints between them. A linear flow
 * chains its tasks; a graph flow runs every task whose predecessors are done, in parallel.
 *
 * @module
 */
import { ValidationError } from '../core/errors.js';
import type { Task } from './task.js';

/**
 * The compiled form of a flow, which the runner walks: the successors of task `i` are
 * `targets[offsets[i]]` up to (excluding) `targets[offsets[i + 1]]`, in link order.
 * @internal
 */
export interface CompiledFlow {
  /** The tasks, by index. */
  readonly tasks: readonly Task[];
  /** Where each task's successors start in `targets`; one more entry than tasks. */
  readonly offsets: Int32Array;
  /** Successor task indexes, grouped by predecessor. */
  readonly targets: Int32Array;
  /** How many links lead into each task. */
  readonly predecessorCount: Int32Array;
}

/** A task graph. Names are unique per flow, so two runs never share a task name. */
export class Flow {
  /** The flow's name, for events and messages. */
  readonly name: string;
  readonly #tasks: Task[] = [];
  readonly #index = new Map<string, number>();
  /** Links as two parallel lists (from, to): compact at 100,000 tasks, unlike an array per task. */
  readonly #from: number[] = [];
  readonly #to: number[] = [];

  /** Creates an empty flow. */
  constructor(name: string) {
    this.name = name;
  }

  /** A flow running `tasks` one after the other. */
  static linear(name: string, tasks: Iterable<Task>): Flow {
    const flow = new Flow(name);
    let previous: Task | undefined;
    for (const task of tasks) {
      flow.add(task, previous ? { after: [previous] } : {});
      previous = task;
    }
    return flow;
  }

  /** The number of tasks. */
  get size(): number {
    return this.#tasks.length;
  }

  /**
   * Adds a task, optionally after others already in the flow. Throws
   * `KTS_ERR_FLOW_TASK_DUPLICATE` if the name is taken.
   */
  add(task: Task, options: { after?: readonly (Task | string)[] } = {}): this {
    if (this.#index.has(task.name)) {
      throw new ValidationError(`Flow "${this.name}" already has a task named "${task.name}"`, {
        code: 'KTS_ERR_FLOW_TASK_DUPLICATE',
        details: { flow: this.name, task: task.name },
      });
    }
    this.#index.set(task.name, this.#tasks.length);
    this.#tasks.push(task);
    if (options.after) for (const before of options.after) this.link(before, task);
    return this;
  }

  /** Requires `before` to finish before `after` starts. Both must be in the flow. */
  link(before: Task | string, after: Task | string): this {
    const from = this.#indexOf(before);
    const to = this.#indexOf(after);
    this.#from.push(from);
    this.#to.push(to);
    return this;
  }

  /** Whether a task named `name` is in the flow. */
  has(name: string): boolean {
    return this.#index.has(name);
  }

  /** The tasks, in insertion order. */
  tasks(): readonly Task[] {
    return this.#tasks;
  }

  /** The names of the tasks that must finish before `name` may start. */
  predecessors(name: string): string[] {
    const target = this.#indexOf(name);
    const from = new Set<number>();
    this.#to.forEach((to, at) => to === target && from.add(this.#from[at]!));
    return [...from].sort((a, b) => a - b).map((index) => this.#tasks[index]!.name);
  }

  /**
   * The compiled form the runner walks: successor lists and predecessor counts by task index.
   * Throws `KTS_ERR_FLOW_CYCLE` if the constraints have a cycle.
   * @internal
   */
  compile(): CompiledFlow {
    const size = this.#tasks.length;
    const links = this.#from.length;
    const offsets = new Int32Array(size + 1);
    const targets = new Int32Array(links);
    const predecessorCount = new Int32Array(size);
    for (let at = 0; at < links; at++) {
      offsets[this.#from[at]! + 1]!++;
      predecessorCount[this.#to[at]!]!++;
    }
    for (let index = 0; index < size; index++) offsets[index + 1]! += offsets[index]!;
    const fill = offsets.slice(0, size);
    for (let at = 0; at < links; at++) targets[fill[this.#from[at]!]!++] = this.#to[at]!;
    // Kahn's algorithm: every task is reached iff there is no cycle.
    const remaining = predecessorCount.slice();
    const ready: number[] = [];
    remaining.forEach((count, index) => count === 0 && ready.push(index));
    let visited = 0;
    while (ready.length > 0) {
      const index = ready.pop()!;
      visited++;
      for (let at = offsets[index]!; at < offsets[index + 1]!; at++) if (--remaining[targets[at]!]! === 0) ready.push(targets[at]!);
    }
    if (visited !== size) {
      const stuck = [...remaining].flatMap((count, index) => (count > 0 ? [this.#tasks[index]!.name] : [])).slice(0, 10);
      throw new ValidationError(`Flow "${this.name}" has a dependency cycle through ${stuck.join(', ')}`, {
        code: 'KTS_ERR_FLOW_CYCLE',
        details: { flow: this.name, tasks: stuck },
      });
    }
    return { tasks: this.#tasks, offsets, targets, predecessorCount };
  }

  #indexOf(ref: Task | string): number {
    const name = typeof ref === 'string' ? ref : ref.name;
    const index = this.#index.get(name);
    if (index === undefined || (typeof ref !== 'string' && this.#tasks[index] !== ref)) {
      throw new ValidationError(`Task "${name}" is not part of flow "${this.name}"`, {
        code: 'KTS_ERR_FLOW_TASK_UNKNOWN',
        details: { flow: this.name, task: name },
      });
    }
    return index;
  }
}
