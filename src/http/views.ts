/**
 * Records as the Karbor API shows them: snake_case keys, Karbor's names (`resources_status`,
 * `protection_plan`, `resource_graph` as a JSON string…) plus the seeds' (`resource_status`,
 * `resource_reason` on verifications) and karbor-ts's additions (progress, the error reason,
 * timestamps). Every view of a kind has the same keys, absent values as `null`: the `karbor`
 * client's tables need identical rows.
 *
 * @module
 */
import type { Checkpoint, FailureSnapshot, Resource } from '../core/index.js';
import type { Provider } from '../protection/index.js';
import type { CopyRecord, OperationLogRecord, PlanRecord, Progress, RestoreRecord, RunRecord, VerificationRecord } from '../store/index.js';

type View = Record<string, unknown>;

/** A resource: `{id, type, name, extra_info}`. */
export function resourceView(resource: Resource): View {
  return { id: resource.id, type: resource.type, name: resource.name ?? null, extra_info: resource.extraInfo ?? null };
}

/** A provider, with its extended-info schemas and copy destinations. */
export function providerView(provider: Provider): View {
  const schemas = provider.extendedInfoSchema();
  return {
    id: provider.id,
    name: provider.name,
    description: provider.description,
    extended_info_schema: {
      options_schema: schemas.optionsSchema,
      restore_schema: schemas.restoreSchema,
      saved_info_schema: schemas.savedInfoSchema,
      verify_schema: schemas.verifySchema,
      copy_schema: schemas.copySchema,
      verification_levels: schemas.verificationLevels,
    },
    destinations: provider.destinationNames(),
  };
}

/** A plan. */
export function planView(plan: PlanRecord): View {
  return {
    id: plan.id,
    name: plan.name,
    description: plan.description,
    provider_id: plan.providerId,
    status: plan.status,
    resources: plan.resources.map(resourceView),
    parameters: plan.parameters,
    project_id: plan.projectId,
    created_at: plan.createdAt,
    updated_at: plan.updatedAt,
  };
}

/**
 * Karbor's `resource_graph`: a JSON *string* of `[{"0x0": [type, id, name, extra_info], …},
 * [["0x0", ["0x1", …]], …]]` — nodes, then each parent's children.
 */
export function resourceGraphString(checkpoint: Checkpoint): string | null {
  const graph = checkpoint.graph;
  if (!graph) return null;
  const ids = new Map<string, string>();
  const nodes: Record<string, unknown[]> = {};
  graph.resources.forEach((resource, index) => {
    const id = `0x${index.toString(16)}`;
    ids.set(`${resource.type}#${resource.id}`, id);
    nodes[id] = [resource.type, resource.id, resource.name ?? '', resource.extraInfo ?? {}];
  });
  const children = new Map<string, string[]>();
  for (const [parent, child] of graph.edges) {
    const from = ids.get(parent)!;
    children.set(from, [...(children.get(from) ?? []), ids.get(child)!]);
  }
  return JSON.stringify([nodes, [...children]]);
}

/** A checkpoint; `bank` names the bank it was read from. */
export function checkpointView(checkpoint: Checkpoint, bank = 'main'): View {
  const resources = Object.entries(checkpoint.resources);
  return {
    id: checkpoint.id,
    project_id: checkpoint.projectId,
    provider_id: checkpoint.providerId,
    status: checkpoint.status,
    protection_plan: {
      id: checkpoint.plan.id,
      name: checkpoint.plan.name,
      provider_id: checkpoint.plan.providerId,
      resources: checkpoint.plan.resources.map(resourceView),
    },
    resource_graph: resourceGraphString(checkpoint),
    created_at: checkpoint.createdAt,
    updated_at: checkpoint.updatedAt,
    extra_info: checkpoint.extraInfo,
    bank,
    resources_status: Object.fromEntries(resources.map(([key, state]) => [key, state.status])),
    resources_reason: Object.fromEntries(resources.flatMap(([key, state]) => (state.reason === undefined ? [] : [[key, state.reason]]))),
    progress: checkpoint.progress ? progressView(checkpoint.progress) : null,
    error: reasonOf(checkpoint.failure),
    copy_of: checkpoint.copyOf ? { checkpoint_id: checkpoint.copyOf.checkpointId, copy_id: checkpoint.copyOf.copyId, bank: checkpoint.copyOf.bank } : null,
    copied_to: checkpoint.copiedTo
      ? Object.fromEntries(Object.entries(checkpoint.copiedTo).map(([name, target]) => [name, { checkpoint_id: target.checkpointId, copy_id: target.copyId, copied_at: target.copiedAt }]))
      : null,
  };
}

/** A restore (never its credentials). */
export function restoreView(restore: RestoreRecord): View {
  return {
    id: restore.id,
    project_id: restore.projectId,
    provider_id: restore.providerId,
    checkpoint_id: restore.checkpointId,
    restore_target: restore.restoreTarget ?? null,
    parameters: restore.parameters,
    status: restore.status,
    ...runFields(restore),
    bank: restore.bank,
  };
}

/** A verification, with the seed's `resource_status`/`resource_reason` and Karbor's `resources_*`. */
export function verificationView(verification: VerificationRecord): View {
  return {
    id: verification.id,
    project_id: verification.projectId,
    provider_id: verification.providerId,
    checkpoint_id: verification.checkpointId,
    parameters: verification.parameters,
    status: verification.status,
    resource_status: verification.resourcesStatus,
    resource_reason: verification.resourcesReason,
    ...runFields(verification),
    level: verification.level ?? null,
    bank: verification.bank,
  };
}

/** A copy, with its source → copy checkpoint pairs (also in Karbor's `checkpoint_id` form). */
export function copyView(copy: CopyRecord): View {
  return {
    id: copy.id,
    project_id: copy.projectId,
    provider_id: copy.providerId,
    plan_id: copy.planId,
    destination: copy.destination,
    parameters: copy.parameters,
    status: copy.status,
    checkpoints: copy.checkpoints.map((pair) => ({
      source_checkpoint_id: pair.sourceCheckpointId,
      copy_checkpoint_id: pair.copyCheckpointId ?? null,
      status: pair.status,
      reason: pair.reason ?? null,
    })),
    checkpoint_id: copy.checkpoints.map((pair) => ({ checkpoint_protect_id: pair.sourceCheckpointId, checkpoint_copy_id: pair.copyCheckpointId ?? null })),
    ...runFields(copy),
  };
}

/** An operation log. */
export function operationLogView(log: OperationLogRecord): View {
  return {
    id: log.id,
    project_id: log.projectId,
    operation_type: log.operationType,
    checkpoint_id: log.checkpointId ?? null,
    plan_id: log.planId ?? null,
    provider_id: log.providerId,
    restore_id: log.restoreId ?? null,
    verification_id: log.verificationId ?? null,
    copy_id: log.copyId ?? null,
    scheduled_operation_id: null,
    status: log.status,
    started_at: log.startedAt,
    ended_at: log.endedAt ?? null,
    error_info: reasonOf(log.errorInfo),
    extra_info: log.extraInfo,
    bank: log.bank ?? null,
  };
}

/** Progress: resources and bytes done and in all, and a percentage. */
export function progressView(progress: Progress): View {
  const percent = progress.bytesTotal > 0
    ? (100 * progress.bytesDone) / progress.bytesTotal
    : progress.resourcesTotal > 0 ? (100 * progress.resourcesDone) / progress.resourcesTotal : 0;
  return {
    resources_done: progress.resourcesDone,
    resources_total: progress.resourcesTotal,
    bytes_done: progress.bytesDone,
    bytes_total: progress.bytesTotal,
    percent: Math.min(100, Math.round(percent * 10) / 10),
  };
}

function runFields(record: RunRecord): View {
  return {
    resources_status: record.resourcesStatus,
    resources_reason: record.resourcesReason,
    progress: progressView(record.progress),
    error: reasonOf(record.failure),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

function reasonOf(failure: FailureSnapshot | undefined): string | null {
  return failure ? `${failure.message} (${failure.code})` : null;
}
