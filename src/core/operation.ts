/**
 * Operations and their hooks (Karbor's model). A plugin returns one `Operation` per resource
 * and operation kind; the framework runs its hooks along the resource graph:
 *
 * - `onPrepareBegin` — before the resource's children begin (quiesce, open a transaction);
 * - `onPrepareFinish` — after every child's prepare-finish (take a snapshot, un-quiesce);
 * - `onMain` — after its own prepare-finish, in parallel with other resources (move data);
 * - `onComplete` — after its own main and every child's complete (attach, close).
 *
 * Every hook is optional. `onRevert` undoes what the resource's hooks did when the flow
 * reverts (a failure elsewhere, a cancel); it must be idempotent and cope with partial work.
 *
 * @module
 */
import type { BankSection } from './bank-section.js';
import type { Checkpoint } from './checkpoint.js';
import type { Logger } from './logger.js';
import type { ProgressReporter } from './progress.js';
import type { Resource, ResourceKey } from './resource.js';

/** The operation kinds a flow can run. */
export const OperationKind = {
  /** Take a checkpoint. */
  PROTECT: 'protect',
  /** Restore resources from a checkpoint. */
  RESTORE: 'restore',
  /** Delete a checkpoint's backup data. */
  DELETE: 'delete',
  /** Check that a checkpoint's backup data is intact (seed 001). */
  VERIFY: 'verify',
  /** Copy a checkpoint's backup data to another bank (seed 000). */
  COPY: 'copy',
} as const;
/** One of the {@link OperationKind} values. */
export type OperationKind = (typeof OperationKind)[keyof typeof OperationKind];

/** The four hooks, in the order they run for one resource. */
export const HOOK_NAMES = ['onPrepareBegin', 'onPrepareFinish', 'onMain', 'onComplete'] as const;
/** One of the four hook names. */
export type HookName = (typeof HOOK_NAMES)[number];

/** Verification levels, weakest first. A plugin declares which it offers. */
export const VerificationLevel = {
  /** The backup data exists (objects present, backup `available`, sizes right). */
  PRESENCE: 'presence',
  /** Stored checksums match the manifest (etags compared; no data read). */
  CHECKSUM: 'checksum',
  /** Every byte is re-read and re-hashed. */
  FULL: 'full',
} as const;
/** One of the {@link VerificationLevel} values. */
export type VerificationLevel = (typeof VerificationLevel)[keyof typeof VerificationLevel];

/** The verification levels, weakest first. */
export const VERIFICATION_LEVELS: readonly VerificationLevel[] = ['presence', 'checksum', 'full'];

/** What every hook receives. */
export interface HookContext<P = Readonly<Record<string, unknown>>> {
  /** The operation being run. */
  readonly operation: OperationKind;
  /** The hook being run. */
  readonly hook: HookName;
  /** The checkpoint the operation works on (for copy: the source). */
  readonly checkpoint: Checkpoint;
  /** The resource this hook is for. */
  readonly resource: Resource;
  /** The resource's own section of the checkpoint's bank (read-only unless protecting). */
  readonly bank: BankSection;
  /** The parameters for this resource, validated against the plugin's schema for the operation. */
  readonly parameters: P;
  /** Aborted when the run is cancelled, times out or fails elsewhere; honour it. */
  readonly signal: AbortSignal;
  /** Reports bytes and fraction done. */
  readonly progress: ProgressReporter;
  /** A logger bound to the run and resource. */
  readonly logger: Logger;
}

/** Context of protect hooks. */
export type ProtectContext<P = Readonly<Record<string, unknown>>> = HookContext<P>;

/** Context of delete hooks. */
export type DeleteContext<P = Readonly<Record<string, unknown>>> = HookContext<P>;

/** Context of restore hooks. */
export interface RestoreContext<P = Readonly<Record<string, unknown>>> extends HookContext<P> {
  /** Where to restore to, as the restore request gave it. */
  readonly target?: Readonly<Record<string, unknown>>;
  /**
   * Resources created by this restore, by original key; children write here in `onMain`,
   * parents read in `onComplete` (Karbor's `new_resources`).
   */
  readonly newResources: Map<ResourceKey, Resource>;
}

/** Context of verify hooks. */
export interface VerifyContext<P = Readonly<Record<string, unknown>>> extends HookContext<P> {
  /** The level requested (one the plugin declared). */
  readonly level: VerificationLevel;
}

/** Context of copy hooks. `bank` is the source (read-only); `destination` the copy's section. */
export interface CopyContext<P = Readonly<Record<string, unknown>>> extends HookContext<P> {
  /** The copy checkpoint being filled, in the destination bank. */
  readonly copyCheckpoint: Checkpoint;
  /** The resource's section of the copy checkpoint in the destination bank. */
  readonly destination: BankSection;
}

/** The hooks of one resource's operation; all optional. */
export interface Operation<C extends HookContext = HookContext> {
  /** Runs before the resource's children begin. */
  onPrepareBegin?(context: C): Promise<void> | void;
  /** Runs after every child's prepare-finish. */
  onPrepareFinish?(context: C): Promise<void> | void;
  /** Runs after the resource's own prepare-finish, in parallel with other resources. */
  onMain?(context: C): Promise<void> | void;
  /** Runs after the resource's main and every child's complete. */
  onComplete?(context: C): Promise<void> | void;
  /** Undoes the resource's work when the flow reverts; idempotent, safe after partial work. */
  onRevert?(context: C, failure: unknown): Promise<void> | void;
}
