/**
 * Flows: a set of uniquely named tasks and the order constraints between them. A linear flow
 * chains its tasks; a graph flow runs every task whose predecessors are done, in parallel.
 *
 * @module
 */
import { ValidationError } from '../core/errors.js';
import type { Task } from './task.js';

/** A task graph. Names are unique per flow, so two runs never share a task name. */
export class Flow {
  /** The flow's name, for events and messages. */
  readonly name: string;
  readonly #tasks: Task[] = [];
  readonly #index = new Map<string, number>();
  readonly #successors: number[][] = [];
  readonly #predecessorCount: number[] = [];

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
    this.#successors.push([]);
    this.#predecessorCount.push(0);
    for (const before of options.after ?? []) this.link(before, task);
    return this;
  }

  /** Requires `before` to finish before `after` starts. Both must be in the flow. */
  link(before: Task | string, after: Task | string): this {
    const from = this.#indexOf(before);
    const to = this.#indexOf(after);
    this.#successors[from]!.push(to);
    this.#predecessorCount[to]!++;
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
    const names: string[] = [];
    this.#successors.forEach((next, from) => {
      if (next.includes(target)) names.push(this.#tasks[from]!.name);
    });
    return names;
  }

  /**
   * The compiled form the runner walks: successor lists and predecessor counts by task index.
   * Throws `KTS_ERR_FLOW_CYCLE` if the constraints have a cycle.
   * @internal
   */
  compile(): { readonly tasks: readonly Task[]; readonly successors: readonly (readonly number[])[]; readonly predecessorCount: readonly number[] } {
    const remaining = [...this.#predecessorCount];
    const ready: number[] = [];
    remaining.forEach((count, index) => count === 0 && ready.push(index));
    let visited = 0;
    while (ready.length > 0) {
      const index = ready.pop()!;
      visited++;
      for (const next of this.#successors[index]!) if (--remaining[next]! === 0) ready.push(next);
    }
    if (visited !== this.#tasks.length) {
      const stuck = remaining.flatMap((count, index) => (count > 0 ? [this.#tasks[index]!.name] : [])).slice(0, 10);
      throw new ValidationError(`Flow "${this.name}" has a dependency cycle through ${stuck.join(', ')}`, {
        code: 'KTS_ERR_FLOW_CYCLE',
        details: { flow: this.name, tasks: stuck },
      });
    }
    return { tasks: this.#tasks, successors: this.#successors, predecessorCount: this.#predecessorCount };
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
