/**
 * The checkpoint document: what a checkpoint is, as stored in its bank and shown to plugins.
 * A checkpoint carries everything needed to verify or restore it from its bank alone: the plan
 * snapshot, the resource graph and per-resource metadata.
 *
 * @module
 */
import type { FailureSnapshot } from './failure.js';
import type { ResourceGraphJson } from './graph.js';
import type { Resource, ResourceKey } from './resource.js';
import type { CheckpointStatus, ResourceStatus } from './status.js';

/** The plan as it was when the checkpoint was taken. */
export interface PlanSnapshot {
  /** The plan id. */
  readonly id: string;
  /** The plan name. */
  readonly name: string;
  /** The provider the plan belongs to. */
  readonly providerId: string;
  /** The resources the plan protects. */
  readonly resources: readonly Resource[];
  /** The plan's protect parameters, keyed by type or `Type#id`. */
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** What a checkpoint records about one resource. */
export interface CheckpointResource {
  /** The resource's status in the flow that last wrote this checkpoint. */
  readonly status: ResourceStatus;
  /** Why it is in `error` or `skipped`. */
  readonly reason?: string;
  /** Plugin-defined metadata. Reserved: no hook writes it yet, and the plugin's saved-info schema is published, not enforced. */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** Where a copy checkpoint came from. */
export interface CopyOrigin {
  /** The source checkpoint's id. */
  readonly checkpointId: string;
  /** The copy record that made this checkpoint. */
  readonly copyId: string;
  /** The name of the bank the source lives in. */
  readonly bank: string;
}

/** Where a checkpoint has been copied to, by destination name. */
export interface CopyTarget {
  /** The copy checkpoint's id in the destination bank. */
  readonly checkpointId: string;
  /** The copy record that made it. */
  readonly copyId: string;
  /** When the copy finished (ISO 8601). */
  readonly copiedAt: string;
}

/** A checkpoint document. */
export interface Checkpoint {
  /** The checkpoint id (a UUID). */
  readonly id: string;
  /** The owning project. */
  readonly projectId: string;
  /** The provider that made it. */
  readonly providerId: string;
  /** The current status. */
  readonly status: CheckpointStatus;
  /** The plan as it was when the checkpoint was taken. */
  readonly plan: PlanSnapshot;
  /** When it was created (ISO 8601, millisecond precision). */
  readonly createdAt: string;
  /** When it was last written (ISO 8601). */
  readonly updatedAt: string;
  /** Free-form facts (`created_by`, …). */
  readonly extraInfo: Readonly<Record<string, unknown>>;
  /** The resource graph the protect flow ran over; absent until built. */
  readonly graph?: ResourceGraphJson;
  /** Per-resource status and metadata, keyed `Type#id`. */
  readonly resources: Readonly<Record<ResourceKey, CheckpointResource>>;
  /** Set on a copy checkpoint: its source. */
  readonly copyOf?: CopyOrigin;
  /** Set on a source checkpoint: the destinations it was copied to. */
  readonly copiedTo?: Readonly<Record<string, CopyTarget>>;
  /** Why the checkpoint is in `error`. */
  readonly failure?: FailureSnapshot;
  /** How far the protect (or copy) flow writing this checkpoint is. */
  readonly progress?: {
    /** Resources finished. */
    readonly resourcesDone: number;
    /** Resources in the flow. */
    readonly resourcesTotal: number;
    /** Bytes moved so far. */
    readonly bytesDone: number;
    /** Bytes expected, as far as known. */
    readonly bytesTotal: number;
  };
  /**
   * Runs reading the checkpoint (restore, verify, copy), by run id, with the epoch-ms time
   * their claim expires; a delete waits until no live claim is left.
   */
  readonly inUse?: Readonly<Record<string, number>>;
}
