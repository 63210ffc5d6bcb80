/**
 * The protection service: providers, plans, checkpoints, restores, verifications, copies,
 * operation logs, quotas, service nodes and protectables, as a library API that the HTTP
 * adapter and the example service call. Long work answers at once with a record and runs in
 * the background; this node keeps a liveness lease in the store, registers itself as a service
 * node, and reaps interrupted work on start and then once per lease period.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { silentLogger, type Logger } from '../core/logger.js';
import { SchemaValidator } from '../core/schema.js';
import type { FlowRunOptions } from '../flow/runner.js';
import type { Store } from '../store/store.js';
import { CheckpointService } from './checkpoints.js';
import { CopyService } from './copies.js';
import { collectionCache, type NodeIdentity, type ServiceEnvironment } from './environment.js';
import { OperationLogService } from './operation-logs.js';
import { PlanService } from './plans.js';
import { ProtectableService } from './protectables.js';
import type { ProviderConfig } from './provider.js';
import { ProviderRegistry } from './providers.js';
import { QuotaService, type QuotaSet } from './quotas.js';
import { Reaper, type ReapReport } from './reaper.js';
import { RestoreService } from './restores.js';
import { RunRegistry } from './runs.js';
import { ServiceNodes } from './services.js';
import { VerificationService } from './verifications.js';

/** Options of {@link createProtectionService}. */
export interface ProtectionServiceOptions {
  /** The providers. */
  readonly providers: readonly ProviderConfig[];
  /** Where records live. */
  readonly store: Store;
  /** This node's id; keep it stable across restarts so a restart reaps its own interrupted work at once. @default a random id */
  readonly ownerId?: string;
  /** Where the service logs. @default silent */
  readonly logger?: Logger;
  /** Defaults for every flow: concurrency, a per-hook timeout, revert timeout, grace. */
  readonly flow?: Pick<FlowRunOptions, 'concurrency' | 'taskTimeoutMs' | 'revertTimeoutMs' | 'graceMs'>;
  /** The node's liveness lease, in ms; interrupted work of a dead node is reaped within about this long. @default 30000 */
  readonly leaseTtlMs?: number;
  /** How long a run's claim on a checkpoint lasts between renewals, in ms. @default 60000 */
  readonly claimTtlMs?: number;
  /** How often running progress is written to records, in ms. @default 500 */
  readonly progressIntervalMs?: number;
  /** The schema validator to share. @default a new one */
  readonly validator?: SchemaValidator;
  /** Built-in quota defaults (Karbor's `quota_plans`, `quota_checkpoints`); the `default` quota class overrides them. @default 50 plans, unlimited checkpoints */
  readonly quotaDefaults?: Partial<QuotaSet>;
  /** How long this node trusts the enabled/disabled status it last read, in ms. @default 1000 */
  readonly serviceStatusCacheMs?: number;
}

/** A running protection service. */
export interface ProtectionService {
  /** This node. */
  readonly node: NodeIdentity;
  /** The providers. */
  readonly providers: ProviderRegistry;
  /** Plans. */
  readonly plans: PlanService;
  /** Checkpoints (protect, delete, reset-state). */
  readonly checkpoints: CheckpointService;
  /** Restores. */
  readonly restores: RestoreService;
  /** Verifications (seed 001). */
  readonly verifications: VerificationService;
  /** Copies (seed 000). */
  readonly copies: CopyService;
  /** Operation logs. */
  readonly operationLogs: OperationLogService;
  /** Quotas of projects and quota classes. */
  readonly quotas: QuotaService;
  /** Service nodes (os-services): list, enable, disable. */
  readonly services: ServiceNodes;
  /** Protectable types and their instances across every provider. */
  readonly protectables: ProtectableService;
  /** Resolves interrupted work now (it also runs on start and once per lease period). */
  reap(): Promise<ReapReport>;
  /** Resolves when the operation `id` (a checkpoint, record or `delete-<checkpointId>` id) has finished here. */
  settled(id: string): Promise<void>;
  /** Cancels running work (reverting it), stops the lease and closes nothing it did not create. */
  close(): Promise<void>;
}

/** Creates and starts a protection service: takes the node lease and reaps interrupted work first. */
export async function createProtectionService(options: ProtectionServiceOptions): Promise<ProtectionService> {
  const logger = options.logger ?? silentLogger;
  const validator = options.validator ?? new SchemaValidator();
  const leaseTtlMs = options.leaseTtlMs ?? 30_000;
  const node: NodeIdentity = { ownerId: options.ownerId ?? `node-${randomUUID()}`, incarnation: randomUUID() };
  const runs = new RunRegistry(logger);
  const services = new ServiceNodes(options.store, node, options.serviceStatusCacheMs === undefined ? {} : { statusCacheMs: options.serviceStatusCacheMs });
  const env: ServiceEnvironment = {
    store: options.store,
    providers: new ProviderRegistry(options.providers, validator),
    validator,
    runs,
    node,
    logger,
    flow: options.flow ?? {},
    claimTtlMs: options.claimTtlMs ?? 60_000,
    progressIntervalMs: options.progressIntervalMs ?? 500,
    checkpointsOf: collectionCache(),
    assertAccepting: () => services.assertAccepting(),
  };
  const quotas = new QuotaService(env, options.quotaDefaults);
  const lease = `node:${node.ownerId}`;
  await options.store.leases.acquire(lease, node.ownerId, leaseTtlMs);
  try {
    await services.register();
  } catch (error) {
    await options.store.leases.release(lease, node.ownerId).catch(() => undefined);
    throw error;
  }
  const reaper = new Reaper(env);
  await reaper.reap().catch((error: unknown) => logger.error('reaping failed; the next pass retries', { error: String(error) }));
  let ticking: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    ticking = ticking
      .then(() => options.store.leases.renew(lease, node.ownerId, leaseTtlMs))
      .catch((error: unknown) => {
        // Without its lease this node's work may be reaped by another: stop it (reverting) rather
        // than let it finish behind the reaper's back.
        logger.error('the node lease was lost; cancelling running work', { error: String(error) });
        runs.cancelAll('the node lost its liveness lease');
        return options.store.leases.acquire(lease, node.ownerId, leaseTtlMs);
      })
      .then(() => reaper.reap())
      .catch((error: unknown) => logger.error('lease renewal or reaping failed', { error: String(error) }));
  }, Math.max(1, Math.floor(leaseTtlMs / 3)));
  timer.unref();

  const plans = new PlanService(options.store, env.providers, validator, quotas);
  const checkpoints = new CheckpointService(env, plans, quotas);
  let closed: Promise<void> | undefined;
  return {
    node,
    providers: env.providers,
    plans,
    checkpoints,
    restores: new RestoreService(env, checkpoints),
    verifications: new VerificationService(env, checkpoints),
    copies: new CopyService(env, plans, quotas),
    operationLogs: new OperationLogService(options.store),
    quotas,
    services,
    protectables: new ProtectableService(env.providers, validator, logger),
    reap: () => reaper.reap(),
    settled: (id) => runs.settled(id),
    close: () =>
      (closed ??= (async () => {
        clearInterval(timer);
        await runs.close();
        await ticking;
        await options.store.leases.release(lease, node.ownerId);
      })()),
  };
}
