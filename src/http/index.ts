/**
 * The Karbor v1 HTTP API over a protection service: a web-standard handler
 * ({@link createKarborApi}) routed by Hono, a Node server helper ({@link serveKarborApi}),
 * token authentication (a tokens table, or Keystone v3) and Karbor's policy rules. The
 * request and response JSON schemas (`PLAN_CREATE`…, `PLAN_VIEW`…) are exported too: the
 * server validates and documents with them, and `karbor-ts/client` derives its types from them.
 *
 * @module
 */
export { createKarborApi, type KarborApi, type KarborApiEnv, type KarborApiOptions } from './app.js';
export { serveKarborApi, type RunningServer, type ServeOptions } from './node.js';
export { chainAuthenticators, createTokenTable, type Authenticator, type Identity, type TokenEntry, type TokenTable } from './auth.js';
export { createKeystoneAuthenticator, type KeystoneAuthenticatorOptions } from './keystone.js';
export { DEFAULT_POLICY, Policy, type PolicyCredentials, type PolicyTarget } from './policy.js';
export { faultName, statusOf, toFault, type FaultBody } from './faults.js';
export { parsePythonLiteral } from './python-literal.js';
/** The route table's types: a route, the call a handler gets, the reply it gives. */
export type { ApiCall, ApiMethod, ApiReply, ApiRoute, QueryParameter } from './route.js';
export { ViewCache, type RenderedPage } from './view-cache.js';
export { buildOpenApi, responseSchemaOf } from './openapi.js';
export {
  CANCEL_ACTION,
  CHECKPOINT_COPY,
  CHECKPOINT_CREATE,
  CHECKPOINT_RESET_STATE,
  COPY_ITEM,
  PARAMETERS,
  PLAN_CREATE,
  PLAN_RESOURCE,
  PLAN_UPDATE,
  QUOTA_CLASS_UPDATE,
  QUOTA_SET,
  QUOTA_UPDATE,
  RESTORE_CREATE,
  SERVICE_UPDATE,
  VERIFICATION_CREATE,
  VERIFICATION_ITEM,
  type Wrapped,
} from './schemas.js';
export {
  CHECKPOINT_VIEW,
  COPY_CREATED,
  COPY_VIEW,
  LINK_VIEW,
  OPERATION_LOG_VIEW,
  PLAN_VIEW,
  PROGRESS_VIEW,
  PROTECTABLE_INSTANCE_VIEW,
  PROTECTABLE_TYPE_BODY,
  PROTECTABLE_TYPES_BODY,
  PROTECTABLE_TYPE_VIEW,
  PROVIDER_VIEW,
  QUOTA_DETAIL_VIEW,
  QUOTA_LIMITS_VIEW,
  QUOTA_USAGE_VIEW,
  QUOTA_VIEW,
  RESOURCE_VIEW,
  RESTORE_VIEW,
  SERVICE_VIEW,
  VERIFICATION_CREATED,
  VERIFICATION_VIEW,
  VIEWS_BY_KEY,
  listBody,
  quotaUpdatedBody,
  singleBody,
  type CheckpointView,
  type ClosedObject,
  type CopyView,
  type LinkView,
  type OperationLogView,
  type PlanView,
  type ProgressView,
  type ProtectableInstanceView,
  type ProtectableTypeView,
  type ProviderView,
  type QuotaDetailView,
  type QuotaLimitsView,
  type QuotaView,
  type ResourceView,
  type RestoreView,
  type ServiceView,
  type VerificationView,
} from './response-schemas.js';
