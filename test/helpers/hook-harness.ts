/**
 * A small harness that runs one operation of a protection plugin over a resource graph the way
 * the protection service will — `buildResourceFlow` + `FlowRun`, parameters validated against
 * the plugin's schema (defaults filled), one bank section per resource
 * (`checkpoints/<id>/resources/<encoded Type#id>`), read-only for verify, copy (source) and
 * restore — but without the service, its records or its checkpoint bookkeeping. Plugin tests
 * use it to exercise hooks, ordering, reverts and cancellation for real.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { FlowRun, buildResourceFlow, type FlowReport } from '../../src/flow/index.js';
import {
  ResourceGraph,
  SchemaValidator,
  operationFor,
  resourceParameters,
  silentLogger,
  type BankSection,
  type Checkpoint,
  type HookContext,
  type OperationKind,
  type ProgressReporter,
  type ProtectionPlugin,
  type Resource,
  type ResourceKey,
  type SchemaKind,
  type VerificationLevel,
} from '../../src/index.js';

/** What one resource reported through its progress reporter. */
export interface ProgressRecord {
  totalBytes: number;
  bytes: number;
  fraction: number;
}

/** Options of {@link runHooks}. */
export interface RunHooksOptions {
  /** The plugin whose operation runs. */
  readonly plugin: ProtectionPlugin;
  /** Which operation. */
  readonly operation: OperationKind;
  /** The resources (no dependencies) or a graph. */
  readonly resources: readonly Resource[] | ResourceGraph;
  /** The bank the checkpoint lives in (its root section). */
  readonly bank: BankSection;
  /** The checkpoint; a fresh one (see {@link makeCheckpoint}) when omitted. */
  readonly checkpoint?: Checkpoint;
  /** Request parameters keyed by type or `Type#id` (Karbor's rule). */
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** Verify: the level. @default 'presence' */
  readonly level?: VerificationLevel;
  /** Copy: the destination bank's root section, and the copy checkpoint (fresh when omitted). */
  readonly destination?: { readonly bank: BankSection; readonly checkpoint?: Checkpoint };
  /** Cancels the run. */
  readonly signal?: AbortSignal;
  /** Flow concurrency. @default 8 */
  readonly concurrency?: number;
}

/** What a run did. */
export interface HookRun {
  /** Whether the flow succeeded. */
  readonly ok: boolean;
  /** What the run rejected with. */
  readonly error?: unknown;
  /** The flow's report. */
  readonly report: FlowReport;
  /** The checkpoint used. */
  readonly checkpoint: Checkpoint;
  /** Copy: the copy checkpoint used. */
  readonly copyCheckpoint?: Checkpoint;
  /** Per resource: the error of its failing hook. */
  readonly errors: Map<ResourceKey, unknown>;
  /** Resources whose hooks all succeeded. */
  readonly done: Set<ResourceKey>;
  /** Resources skipped, with the reason. */
  readonly skipped: Map<ResourceKey, string>;
  /** Per resource: its progress. */
  readonly progress: Map<ResourceKey, ProgressRecord>;
  /** Restore: the new resources. */
  readonly newResources: Map<ResourceKey, Resource>;
}

const SCHEMA_OF: Partial<Record<OperationKind, SchemaKind>> = { protect: 'options', restore: 'restore', verify: 'verify', copy: 'copy' };
const validator = new SchemaValidator();

/** A checkpoint document for `resources` (status `available` unless overridden). */
export function makeCheckpoint(resources: readonly Resource[], overrides: Partial<Checkpoint> = {}): Checkpoint {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    projectId: 'project-1',
    providerId: 'provider-1',
    status: 'available',
    plan: { id: 'plan-1', name: 'plan', providerId: 'provider-1', resources, parameters: {} },
    createdAt: now,
    updatedAt: now,
    extraInfo: {},
    resources: {},
    ...overrides,
  };
}

/** The section of `key`'s backup data in `checkpoint`. */
export function resourceSection(bank: BankSection, checkpoint: Pick<Checkpoint, 'id'>, key: string, readOnly = false): BankSection {
  return bank.section(`checkpoints/${checkpoint.id}/resources/${encodeURIComponent(key)}`, { readOnly });
}

function recorder(record: ProgressRecord): ProgressReporter {
  return {
    addTotalBytes: (bytes) => void (record.totalBytes += bytes),
    addBytes: (bytes) => void (record.bytes += bytes),
    fraction: (value) => void (record.fraction = Math.min(Math.max(value, 0), 1)),
  };
}

/** Runs `options.operation` of `options.plugin` over the resources; never throws for a failed run. */
export async function runHooks(options: RunHooksOptions): Promise<HookRun> {
  const { plugin, operation, bank } = options;
  const graph = options.resources instanceof ResourceGraph ? options.resources : ResourceGraph.from(options.resources);
  const checkpoint = options.checkpoint ?? makeCheckpoint(graph.resources());
  const copyCheckpoint = operation === 'copy' ? (options.destination?.checkpoint ?? makeCheckpoint(graph.resources(), { status: 'copying' })) : undefined;
  if (operation === 'copy' && options.destination === undefined) throw new Error('A copy needs options.destination');
  if (operation === 'verify' && !(plugin.verificationLevels ?? []).includes(options.level ?? 'presence')) {
    throw new Error(`Plugin "${plugin.name}" does not verify at level ${options.level ?? 'presence'}`);
  }
  const schemaKind = SCHEMA_OF[operation];
  const parametersOf = new Map<ResourceKey, Record<string, unknown>>();
  for (const resource of graph.resources()) {
    const raw = resourceParameters(options.parameters, resource);
    const schema = schemaKind === undefined ? undefined : plugin.resourceTypes[resource.type]?.[schemaKind];
    parametersOf.set(`${resource.type}#${resource.id}`, schema ? validator.validate<Record<string, unknown>>(schema, raw, `${operation} parameters`) : raw);
  }
  const writable = operation === 'protect' || operation === 'delete';
  const run: Omit<HookRun, 'ok' | 'report'> = {
    checkpoint,
    ...(copyCheckpoint ? { copyCheckpoint } : {}),
    errors: new Map(),
    done: new Set(),
    skipped: new Map(),
    progress: new Map(),
    newResources: new Map(),
  };
  const { flow } = buildResourceFlow<HookContext>({
    name: `${operation}-${checkpoint.id}`,
    operation,
    graph,
    resolve: (resource) => operationFor(plugin, operation, resource) ?? { skip: `plugin "${plugin.name}" has no ${operation} operation` },
    context: (step, hook, task) => {
      let record = run.progress.get(step.key);
      if (!record) run.progress.set(step.key, (record = { totalBytes: 0, bytes: 0, fraction: 0 }));
      const base = {
        operation,
        hook,
        checkpoint,
        resource: step.resource,
        bank: resourceSection(bank, checkpoint, step.key, !writable),
        parameters: parametersOf.get(step.key)!,
        signal: task.signal,
        progress: recorder(record),
        logger: silentLogger,
      };
      if (operation === 'verify') return { ...base, level: options.level ?? 'presence' } as HookContext;
      if (operation === 'restore') return { ...base, newResources: run.newResources } as HookContext;
      if (operation === 'copy') {
        return { ...base, copyCheckpoint, destination: resourceSection(options.destination!.bank, copyCheckpoint!, step.key) } as HookContext;
      }
      return base;
    },
    onResourceDone: (step) => void run.done.add(step.key),
    onResourceError: (step, _hook, error) => void run.errors.set(step.key, error),
    onResourceSkipped: (step, reason) => void run.skipped.set(step.key, reason),
  });
  const flowRun = new FlowRun(flow, { concurrency: options.concurrency ?? 8, ...(options.signal ? { signal: options.signal } : {}) });
  try {
    const report = await flowRun.start();
    return { ...run, ok: true, report };
  } catch (error) {
    return { ...run, ok: false, error, report: flowRun.report() };
  }
}
