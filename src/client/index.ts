/**
 * A typed client of the Karbor v1 API ({@link KarborClient}): one method per endpoint —
 * providers, plans, checkpoints (with reset-state, cancel and the copy action), restores,
 * verifications, copies, operation logs, protectables, quotas and services.
 *
 * - **Types from the server's schemas.** Request bodies are `FromSchema` of the schemas the
 *   server validates with, responses `FromSchema` of the schemas its views are typed from; the
 *   same objects are published in `/openapi.json`. There is no second copy of the shapes.
 * - **Coded errors.** A fault is rebuilt from its `error_code` (`isFrameworkError(err,
 *   'KTS_ERR_PLAN_NOT_FOUND')`), with `details.status` and `details.requestId`; no answer is
 *   `KTS_ERR_API_UNREACHABLE`.
 * - **Pagination.** `listX()` answers one {@link Page}; `iterateX()` is an async iterator over
 *   every row, following the `<collection>_links` next links.
 * - **Long work.** {@link KarborClient.waitFor | waitFor} polls a checkpoint, verification,
 *   restore or copy to its terminal status with progress callbacks, a timeout and an
 *   `AbortSignal`.
 * - **Authentication.** A static token, or Keystone v3 (password or token, project-scoped;
 *   logged in again once on a 401; the catalog's `data-protect` endpoint when no URL is given).
 *
 * ```ts
 * import { KarborClient, isFailed } from 'karbor-ts/client';
 *
 * const karbor = new KarborClient({ url: 'http://127.0.0.1:8799/v1/6b1f…', token: process.env.KARBOR_TOKEN });
 * const [copy] = await karbor.copyCheckpoints(providerId, [{ plan_id: planId, destination: 'region-b' }]);
 * const done = await karbor.waitFor('copy', copy!.id, { onProgress: (p) => console.log(`${p.percent}%`) });
 * if (isFailed('copy', done)) console.error(done.resources_reason);
 * ```
 *
 * @module
 */
export { KarborClient, type CallOptions, type KarborClientOptions } from './client.js';
export { keystoneTokenSource, type KeystoneLogin, type SourcedToken, type TokenSource } from './auth.js';
export { faultError, transportError, type RequestPlace } from './errors.js';
export {
  FAILED_STATUSES,
  TERMINAL_STATUSES,
  isFailed,
  isTerminal,
  pollUntil,
  type CheckpointWaitOptions,
  type WaitForOptions,
  type WaitKind,
  type WaitOptions,
  type WaitRecords,
} from './wait.js';
export {
  LIST_FILTERS,
  type BankOption,
  type CheckpointCopyBody,
  type CheckpointCreateRequest,
  type CheckpointListQuery,
  type CheckpointResetState,
  type CheckpointView,
  type CopyListQuery,
  type CopyRequest,
  type CopyView,
  type LinkView,
  type ListQuery,
  type ListQueryOf,
  type OperationLogListQuery,
  type OperationLogView,
  type Page,
  type PlanCreateRequest,
  type PlanListQuery,
  type PlanResource,
  type PlanUpdateRequest,
  type PlanView,
  type PluginParameters,
  type ProgressView,
  type ProtectableInstanceQuery,
  type ProtectableInstanceView,
  type ProtectableTypeView,
  type ProviderListQuery,
  type ProviderView,
  type QuotaDetailView,
  type QuotaLimits,
  type QuotaLimitsView,
  type QuotaView,
  type ResourceView,
  type RestoreCreateRequest,
  type RestoreListQuery,
  type RestoreView,
  type ServiceListQuery,
  type ServiceUpdateRequest,
  type ServiceView,
  type VerificationCreateBody,
  type VerificationListQuery,
  type VerificationRequest,
  type VerificationView,
} from './types.js';
export { isFrameworkError, type FrameworkError } from '../core/errors.js';
