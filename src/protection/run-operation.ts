/**
 * Runs one operation of plugins over a checkpoint's resource graph: builds the hook flow
 * (Karbor's ordering) wrapped by an Initiate task — whose revert records the failure — and a
 * Complete task, feeds per-resource status and progress to the caller, and turns the outcome
 * into calls of `complete` or `fail`. It never throws: every outcome is recorded.
 *
 * With `isolateFailures` (verification), a resource whose hook fails is recorded `error` and
 * its remaining hooks are skipped, but the other resources go on; the Complete task then fails
 * the run if any resource failed, so the record still ends through the Initiate revert.
 *
 * @module
 */
import type { BankSection } from '../core/bank-section.js';
import type { Checkpoint } from '../core/checkpoint.js';
import { isCancellation, messageOf, PluginError, rootCause } from '../core/errors.js';
import type { ResourceGraph } from '../core/graph.js';
import type { HookContext, HookName, Operation, OperationKind } from '../core/operation.js';
import type { ResourceKey, Resource } from '../core/resource.js';
import type { ResourceStatus } from '../core/status.js';
import { FlowRun } from '../flow/runner.js';
import { buildResourceFlow } from '../flow/resource-flow.js';
import { defineTask } from '../flow/task.js';
import type { ServiceEnvironment } from './environment.js';
import type { ProgressTracker } from './progress.js';

/** The done status of each operation's resources. */
export const DONE_STATUS: Readonly<Record<OperationKind, ResourceStatus>> = {
  protect: 'available',
  restore: 'available',
  delete: 'deleted',
  verify: 'success',
  copy: 'finished',
};

/** What {@link runOperation} needs. */
export interface OperationRun<C extends HookContext> {
  /** The shared service state. */
  readonly env: ServiceEnvironment;
  /** A unique name for the flow (the record id). */
  readonly name: string;
  /** The operation. */
  readonly operation: OperationKind;
  /** The checkpoint worked on (for copy: the source). */
  readonly checkpoint: Checkpoint;
  /** The resources and their dependencies. */
  readonly graph: ResourceGraph;
  /** Cancels the run. */
  readonly signal: AbortSignal;
  /** Counts progress. */
  readonly progress: ProgressTracker;
  /** Record resource failures and go on with the others (verification). */
  readonly isolateFailures?: boolean;
  /** The hooks for a resource, or why it is skipped. */
  resolve(resource: Resource): Operation<C> | { readonly skip: string };
  /** The resource's bank section for the hooks. */
  sectionOf(resource: Resource): BankSection;
  /** The validated parameters of a resource. */
  parametersOf(resource: Resource): Readonly<Record<string, unknown>>;
  /** Adds the operation's own fields to the base hook context. */
  extend(base: HookContext): C;
  /** Records a resource's status (and reason). */
  setResourceStatus(key: ResourceKey, status: ResourceStatus, reason?: string): Promise<void>;
  /** The Initiate task's work (mark the record running). */
  initiate(): Promise<void>;
  /** The Complete task's work (mark the record done). */
  complete(): Promise<void>;
  /** The Initiate task's revert: mark the record failed with `error` (resources already marked). */
  fail(error: unknown, reason: string): Promise<void>;
}

/** The reason shown for a failure: cancellations say "cancelled", others the root message. */
export function reasonOf(error: unknown): string {
  if (isCancellation(error)) {
    const cause = (error as Error).cause;
    return cause === undefined || isCancellation(cause) ? messageOf(error) : `cancelled: ${messageOf(rootCause(cause))}`;
  }
  return messageOf(error);
}

/** Runs the operation; resolves when the record is final. */
export async function runOperation<C extends HookContext>(run: OperationRun<C>): Promise<void> {
  const { env, operation } = run;
  const failedResources = new Map<ResourceKey, string>();
  const finished = new Set<ResourceKey>();
  const logger = env.logger.child({ operation, run: run.name });
  const finish = async (key: ResourceKey, status: ResourceStatus, reason?: string): Promise<void> => {
    if (finished.has(key)) return;
    finished.add(key);
    run.progress.resourceDone();
    await run.setResourceStatus(key, status, reason);
  };

  const resolve = (resource: Resource): Operation<C> | { readonly skip: string } => {
    const resolved = run.resolve(resource);
    return 'skip' in resolved || !run.isolateFailures ? resolved : isolate(resolved, failedResources, resource);
  };

  const { flow, steps } = buildResourceFlow<C>({
    name: run.name,
    operation,
    graph: run.graph,
    resolve,
    ...(env.flow.taskTimeoutMs === undefined ? {} : { hookTimeoutMs: env.flow.taskTimeoutMs }),
    context: (step, hook: HookName, task) =>
      run.extend({
        operation,
        hook,
        checkpoint: run.checkpoint,
        resource: step.resource,
        bank: run.sectionOf(step.resource),
        parameters: run.parametersOf(step.resource),
        signal: task.signal,
        progress: run.progress.reporter(),
        logger: logger.child({ resource: step.key, hook }),
      }),
    onResourceSkipped: (step, reason) => finish(step.key, 'skipped', reason),
    onResourceDone: (step) => {
      const failure = failedResources.get(step.key);
      return failure === undefined ? finish(step.key, DONE_STATUS[operation]) : finish(step.key, 'error', failure);
    },
    onResourceError: (step, hook, error) => finish(step.key, 'error', `${reasonOf(error)} (${hook})`),
    initiate: defineTask(`${operation}:initiate`, () => run.initiate(), {
      revert: async ({ flowFailures }) => {
        const cause = flowFailures[0];
        const reason = reasonOf(cause);
        for (const key of steps.keys()) if (!finished.has(key)) await finish(key, 'error', `not completed: ${reason}`);
        await run.progress.flush();
        await run.fail(cause, reason);
      },
    }),
    complete: defineTask(`${operation}:complete`, async () => {
      if (failedResources.size > 0) {
        const list = [...failedResources].map(([key, reason]) => `${key}: ${reason}`);
        throw new PluginError(`${failedResources.size} resource(s) failed ${operation}: ${list.join('; ')}`, { details: { resources: Object.fromEntries(failedResources) } });
      }
      await run.progress.flush();
      await run.complete();
    }),
  });

  try {
    await new FlowRun(flow, { ...env.flow, signal: run.signal }).start();
  } catch (error) {
    logger.info('operation did not succeed', { reason: reasonOf(error) });
  }
}

/** Wraps hooks so a failure is recorded for the resource and its later hooks are skipped. */
function isolate<C extends HookContext>(operation: Operation<C>, failed: Map<ResourceKey, string>, resource: Resource): Operation<C> {
  const key = `${resource.type}#${resource.id}` as ResourceKey;
  const wrap =
    (hook: HookName) =>
    async (context: C): Promise<void> => {
      if (failed.has(key)) return;
      try {
        await operation[hook]?.call(operation, context);
      } catch (error) {
        if (context.signal.aborted) throw error;
        failed.set(key, `${reasonOf(error)}`);
      }
    };
  return {
    onPrepareBegin: wrap('onPrepareBegin'),
    onPrepareFinish: wrap('onPrepareFinish'),
    onMain: wrap('onMain'),
    onComplete: wrap('onComplete'),
    ...(operation.onRevert ? { onRevert: operation.onRevert.bind(operation) } : {}),
  };
}
