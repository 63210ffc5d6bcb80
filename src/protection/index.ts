/**
 * The protection service: providers, plans, checkpoints, restores, verifications (seed 001),
 * copies (seed 000), operation logs, quotas, service nodes and protectables, with durable
 * records and a reaper for interrupted work.
 *
 * @module
 */
export { createProtectionService, type ProtectionService, type ProtectionServiceOptions } from './service.js';
export { Provider, MAIN_BANK, type ProviderConfig, type ExtendedInfoSchema } from './provider.js';
export { ProviderRegistry } from './providers.js';
export { PlanService, type PlanInput, type PlanChanges, type PlanListOptions } from './plans.js';
export { CheckpointService, type CheckpointInput, type CheckpointQuery, type LocatedCheckpoint } from './checkpoints.js';
export { RestoreService, type RestoreInput } from './restores.js';
export { VerificationService, levelFor, type VerificationInput } from './verifications.js';
export { CopyService, type CopyInput } from './copies.js';
export { OperationLogService } from './operation-logs.js';
export {
  QuotaService,
  DEFAULT_QUOTAS,
  DEFAULT_QUOTA_CLASS,
  QUOTA_RESOURCES,
  type QuotaSet,
  type QuotaDetail,
  type QuotaUsage,
  type QuotaReservation,
} from './quotas.js';
export { ServiceNodes, PROTECTION_BINARY, type ServiceInfo, type ServiceQuery, type ServiceChange, type ServiceNodesOptions } from './services.js';
export {
  ProtectableService,
  type ProtectableType,
  type ProtectableInstance,
  type InstanceQuery,
  type InstanceOptions,
  type InstancePage,
} from './protectables.js';
/** The quota resources and a service's status, as stored. */
export type { QuotaResource, ServiceStatus } from '../store/records.js';
export { INTERRUPTED, type ReapReport } from './reaper.js';
/** Who is asking. */
export type { RequestContext } from './context.js';
/** This node and the state the services share. */
export type { NodeIdentity, ServiceEnvironment } from './environment.js';
/** Listing options of record collections. */
export type { ScopedQuery } from './run-records.js';
export { RunRegistry } from './runs.js';
export {
  CHECKPOINT_CREATE_SCHEMA,
  COPY_CREATE_SCHEMA,
  PLAN_CREATE_SCHEMA,
  PLAN_UPDATE_SCHEMA,
  RESOURCE_SCHEMA,
  RESTORE_CREATE_SCHEMA,
  VERIFICATION_CREATE_SCHEMA,
} from './schemas.js';
