/**
 * Records as the Karbor API shows them: snake_case keys, Karbor's names (`resources_status`,
 * `protection_plan`, `resource_graph` as a JSON string…) plus the seeds' (`resource_status`,
 * `resource_reason` on verifications) and karbor-ts's additions (progress, the error reason,
 * timestamps). Every view of a kind has the same keys, absent values as `null`: the `karbor`
 * client's tables need identical rows.
 *
 * Each view returns the `FromSchema` type of its response schema (`response-schemas.ts`), so a
 * view cannot answer a key or a value type its published schema does not describe.
 *
 * @module
 */
import type { Checkpoint, FailureSnapshot, Resource } from '../core/index.js';
import type { ProtectableInstance, Provider, ServiceInfo } from '../protection/index.js';
import type { CopyRecord, OperationLogRecord, PlanRecord, Progress, RestoreRecord, RunRecord, VerificationRecord } from '../store/index.js';
import type {
  CheckpointView,
  CopyView,
  OperationLogView,
  PlanView,
  ProgressView,
  ProtectableInstanceView,
  ProtectableTypeView,
  ProviderView,
  QuotaDetailView,
  QuotaLimitsView,
  QuotaView,
  ResourceView,
  RestoreView,
  ServiceView,
  VerificationView,
} from './response-schemas.js';

/** A resource: `{id, type, name, extra_info}`. */
export function resourceView(resource: Resource): ResourceView {
  return { id: resource.id, type: resource.type, name: resource.name ?? null, extra_info: resource.extraInfo ?? null };
}

/** A provider, with its extended-info schemas and copy destinations. */
export function providerView(provider: Provider): ProviderView {
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
      verification_levels: Object.fromEntries(Object.entries(schemas.verificationLevels).map(([type, levels]) => [type, [...levels]])),
    },
    destinations: provider.destinationNames(),
  };
}

/** A plan. */
export function planView(plan: PlanRecord): PlanView {
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
export function checkpointView(checkpoint: Checkpoint, bank = 'main'): CheckpointView {
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
export function restoreView(restore: RestoreRecord): RestoreView {
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
export function verificationView(verification: VerificationRecord): VerificationView {
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
export function copyView(copy: CopyRecord): CopyView {
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
export function operationLogView(log: OperationLogRecord): OperationLogView {
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
export function progressView(progress: Progress): ProgressView {
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

function runFields(record: RunRecord): Pick<RestoreView, 'resources_status' | 'resources_reason' | 'progress' | 'error' | 'created_at' | 'updated_at'> {
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

/** A protectable type and the types that can depend on it. */
export function protectableTypeView(type: { readonly name: string; readonly dependentTypes: readonly string[] }): ProtectableTypeView {
  return { name: type.name, dependent_types: [...type.dependentTypes] };
}

/** A protectable instance with its dependent resources. */
export function protectableInstanceView(instance: ProtectableInstance): ProtectableInstanceView {
  return { ...resourceView(instance), dependent_resources: instance.dependentResources.map(resourceView) };
}

/** Limits (`-1` is unlimited) as a quota or quota-class update answers them. */
export function quotaLimitsView(limits: { readonly plans: number; readonly checkpoints: number }): QuotaLimitsView {
  return { plans: limits.plans, checkpoints: limits.checkpoints };
}

/** A project's quotas or a quota class, with its id (the project id or the class name). */
export function quotaView(id: string, limits: { readonly plans: number; readonly checkpoints: number }): QuotaView {
  return { id, ...quotaLimitsView(limits) };
}

/** A project's quotas with their use. */
export function quotaDetailView(
  id: string,
  detail: Readonly<Record<'plans' | 'checkpoints', { readonly limit: number; readonly inUse: number; readonly reserved: number }>>,
): QuotaDetailView {
  const usage = (entry: { readonly limit: number; readonly inUse: number; readonly reserved: number }) => ({ limit: entry.limit, in_use: entry.inUse, reserved: entry.reserved });
  return { id, plans: usage(detail.plans), checkpoints: usage(detail.checkpoints) };
}

/** A protection-service node. */
export function serviceView(service: ServiceInfo): ServiceView {
  return {
    id: service.id,
    binary: service.binary,
    host: service.host,
    status: service.status,
    state: service.state,
    updated_at: service.updatedAt,
    disabled_reason: service.disabledReason,
  };
}
