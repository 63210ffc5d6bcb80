/**
 * What every part of the protection service shares: the store, the providers, the validator,
 * the running operations, this node's identity and the flow defaults.
 *
 * @module
 */
import type { Bank } from '../bank/bank.js';
import { CheckpointCollection } from '../bank/checkpoints.js';
import type { Logger } from '../core/logger.js';
import type { SchemaValidator } from '../core/schema.js';
import type { FlowRunOptions } from '../flow/runner.js';
import type { Store } from '../store/store.js';
import type { ProviderRegistry } from './providers.js';
import type { RunRegistry } from './runs.js';

/** Who runs flows here: a node id that survives restarts, and this process's incarnation. */
export interface NodeIdentity {
  /** Stable across restarts. */
  readonly ownerId: string;
  /** New on every start. */
  readonly incarnation: string;
}

/** Shared state of a protection service. */
export interface ServiceEnvironment {
  /** Durable records. */
  readonly store: Store;
  /** Configured providers. */
  readonly providers: ProviderRegistry;
  /** The one schema validator. */
  readonly validator: SchemaValidator;
  /** Operations running in this process. */
  readonly runs: RunRegistry;
  /** This node. */
  readonly node: NodeIdentity;
  /** The service's logger. */
  readonly logger: Logger;
  /** Defaults of every flow run (concurrency, hook timeouts…). */
  readonly flow: Pick<FlowRunOptions, 'concurrency' | 'taskTimeoutMs' | 'revertTimeoutMs' | 'graceMs'>;
  /** How long a run's claim on a checkpoint lasts before it must be renewed, in ms. */
  readonly claimTtlMs: number;
  /** How often running progress is written to records, in ms. */
  readonly progressIntervalMs: number;
  /** The checkpoint collection of a bank (one per bank, cached). */
  checkpointsOf(bank: Bank): CheckpointCollection;
  /** Throws `KTS_ERR_SERVICE_DISABLED` when this node is disabled; called before new long work starts. */
  assertAccepting(): Promise<void>;
}

/** Caches one {@link CheckpointCollection} per bank. */
export function collectionCache(): (bank: Bank) => CheckpointCollection {
  const cache = new WeakMap<Bank, CheckpointCollection>();
  return (bank) => {
    let collection = cache.get(bank);
    if (!collection) cache.set(bank, (collection = new CheckpointCollection(bank)));
    return collection;
  };
}

/** The current time as ISO 8601. */
export function now(): string {
  return new Date().toISOString();
}
