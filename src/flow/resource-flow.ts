/**
 * Resource-graph flows: turns a resource graph and an operation kind into a flow of hook tasks,
 * ordered exactly as Karbor orders them (`resource_flow.py`):
 *
 * - per resource: prepare-begin → prepare-finish → main → complete;
 * - a parent's prepare-begin before its children's prepare-begin;
 * - every child's prepare-finish before its parent's prepare-finish;
 * - every child's complete before its parent's complete;
 * - `main` hooks of different resources run in parallel.
 *
 * The hooks are wrapped by an optional Initiate task (before everything) and Complete task
 * (after everything). A resource whose plugin lacks the operation is a `skipped` step with a
 * reason: its four positions become no-op tasks, so ordering through it is kept, and the run
 * does not fail. Tasks are named `<operation>:<hook>:<Type#id>`, unique per flow.
 *
 * @module
 */
import type { ResourceGraph } from '../core/graph.js';
import { HOOK_NAMES, type HookContext, type HookName, type Operation, type OperationKind } from '../core/operation.js';
import { resourceKey, type Resource, type ResourceKey } from '../core/resource.js';
import { Flow } from './flow.js';
import type { Task, TaskContext } from './task.js';

/** One resource of the flow: its hooks, or why it is skipped. */
export interface ResourceStep<C extends HookContext = HookContext> {
  /** The resource. */
  readonly resource: Resource;
  /** Its `Type#id` key. */
  readonly key: ResourceKey;
  /** Its hooks; absent when skipped. */
  readonly operation?: Operation<C>;
  /** Why it is skipped (the plugin lacks the operation). */
  readonly skipReason?: string;
}

/** Callbacks through which a resource flow reports per-resource outcomes. */
export interface ResourceFlowHooks<C extends HookContext = HookContext> {
  /** Builds the context a hook receives (called only for hooks the operation implements). */
  context(step: ResourceStep<C>, hook: HookName, task: TaskContext): C;
  /** The resource's first hook position started. */
  onResourceStart?(step: ResourceStep<C>): void | Promise<void>;
  /** Every hook of the resource succeeded. */
  onResourceDone?(step: ResourceStep<C>): void | Promise<void>;
  /** A hook of the resource threw `error` (or stopped because the run was halted). */
  onResourceError?(step: ResourceStep<C>, hook: HookName, error: unknown): void | Promise<void>;
  /** The resource is skipped; reached in its place in the graph order. */
  onResourceSkipped?(step: ResourceStep<C>, reason: string): void | Promise<void>;
}

/** Options of {@link buildResourceFlow}. */
export interface ResourceFlowOptions<C extends HookContext = HookContext> extends ResourceFlowHooks<C> {
  /** The flow's name (use the record id: names must be unique per run, not per process). */
  readonly name: string;
  /** The operation kind the hooks belong to. */
  readonly operation: OperationKind;
  /** The resources and their dependencies. */
  readonly graph: ResourceGraph;
  /** The hooks for a resource, or `{ skip: reason }` when its plugin lacks the operation. */
  resolve(resource: Resource): Operation<C> | { readonly skip: string };
  /** Runs first; its revert is the place to mark the record `error`. */
  readonly initiate?: Task;
  /** Runs last; marks the record done. */
  readonly complete?: Task;
  /** A deadline per hook, in milliseconds. */
  readonly hookTimeoutMs?: number;
}

/** The built flow and its steps. */
export interface ResourceFlow<C extends HookContext = HookContext> {
  /** The flow to run. */
  readonly flow: Flow;
  /** Every resource's step, by key, in graph insertion order. */
  readonly steps: ReadonlyMap<ResourceKey, ResourceStep<C>>;
}

/** The task name of `hook` for resource `key` under `operation`. */
export function hookTaskName(operation: OperationKind, hook: HookName, key: ResourceKey): string {
  return `${operation}:${hook}:${key}`;
}

/** Builds the flow of `options.operation` over `options.graph`. */
export function buildResourceFlow<C extends HookContext>(options: ResourceFlowOptions<C>): ResourceFlow<C> {
  const { graph } = options;
  const flow = new Flow(options.name);
  const steps = new Map<ResourceKey, ResourceStep<C>>();
  const tasksOf = new Map<ResourceKey, Task[]>();
  for (const resource of graph.resources()) {
    const key = resourceKey(resource);
    const resolved = options.resolve(resource);
    const step: ResourceStep<C> = 'skip' in resolved ? { resource, key, skipReason: resolved.skip } : { resource, key, operation: resolved };
    steps.set(key, step);
    const tasks = HOOK_NAMES.map((hook) => hookTask(options, step, hook));
    flow.add(tasks[0]!);
    for (let at = 1; at < tasks.length; at++) flow.add(tasks[at]!).link(tasks[at - 1]!, tasks[at]!);
    tasksOf.set(key, tasks);
  }
  const [BEGIN, FINISH, , COMPLETE] = [0, 1, 2, 3] as const;
  for (const parentKey of graph.keys()) {
    const parent = tasksOf.get(parentKey)!;
    for (const childKey of graph.children(parentKey)) {
      const child = tasksOf.get(childKey)!;
      flow.link(parent[BEGIN]!, child[BEGIN]!);
      flow.link(child[FINISH]!, parent[FINISH]!);
      flow.link(child[COMPLETE]!, parent[COMPLETE]!);
    }
  }
  const roots = graph.roots().map((key) => tasksOf.get(key)!);
  if (options.initiate) {
    flow.add(options.initiate);
    for (const tasks of roots) flow.link(options.initiate, tasks[BEGIN]!);
  }
  if (options.complete) {
    flow.add(options.complete, { after: roots.map((tasks) => tasks[COMPLETE]!) });
    if (options.initiate && roots.length === 0) flow.link(options.initiate, options.complete);
  }
  return { flow, steps };
}

function hookTask<C extends HookContext>(options: ResourceFlowOptions<C>, step: ResourceStep<C>, hook: HookName): Task {
  const name = hookTaskName(options.operation, hook, step.key);
  const { operation } = step;
  if (!operation) {
    const reason = step.skipReason!;
    return hook === 'onPrepareBegin' && options.onResourceSkipped ? { name, execute: () => options.onResourceSkipped!(step, reason) } : { name, execute: noop };
  }
  return new HookTask(name, options, step as OperationStep<C>, hook);
}

/** A step whose plugin has the operation. */
type OperationStep<C extends HookContext> = ResourceStep<C> & { readonly operation: Operation<C> };

/**
 * The task of one hook of one resource. A class, so that its `execute` lives on the prototype:
 * at 100,000 tasks a closure per task costs more than the task itself.
 */
class HookTask<C extends HookContext> implements Task {
  declare timeoutMs?: number;
  declare revert?: Task['revert'];
  readonly name: string;
  readonly #options: ResourceFlowOptions<C>;
  readonly #step: OperationStep<C>;
  readonly #hook: HookName;
  readonly #run: Operation<C>[HookName];

  constructor(name: string, options: ResourceFlowOptions<C>, step: OperationStep<C>, hook: HookName) {
    this.name = name;
    this.#options = options;
    this.#step = step;
    this.#hook = hook;
    this.#run = step.operation[hook];
    if (options.hookTimeoutMs !== undefined) this.timeoutMs = options.hookTimeoutMs;
    const { operation } = step;
    if (hook === 'onPrepareBegin' && operation.onRevert) {
      // The first hook completes first, so in reverse completion order its revert runs last for
      // the resource: after every later hook of it has stopped.
      this.revert = ({ outcome, flowFailures, signal }) =>
        operation.onRevert!.call(operation, options.context(step, hook, { name, signal, progress: noop }), outcome.ok ? flowFailures[0] : outcome.error);
    }
  }

  async execute(taskContext: TaskContext): Promise<void> {
    const options = this.#options;
    const step = this.#step;
    const hook = this.#hook;
    if (hook === 'onPrepareBegin' && options.onResourceStart) await options.onResourceStart(step);
    const run = this.#run;
    if (run) {
      try {
        await run.call(step.operation, options.context(step, hook, taskContext));
      } catch (error) {
        if (options.onResourceError) await options.onResourceError(step, hook, error);
        throw error;
      }
    }
    if (hook === 'onComplete' && options.onResourceDone) await options.onResourceDone(step);
  }
}

function noop(): void {}
