/**
 * Small typed REST clients for the OpenStack services the reference plugins talk to:
 * {@link KeystoneSession} (identity v3), {@link GlanceClient} (images v2) and
 * {@link CinderClient} (block storage v3), on one request helper ({@link HttpClient}) with
 * timeouts, retries with exponential backoff and jitter, streaming bodies and the framework's
 * coded errors.
 *
 * Each client takes a {@link ServiceEndpoint}: from a Keystone session on a real cloud
 * (`session.endpoint({ type: 'image' })`), or a static URL and headers where there is no
 * Keystone ({@link staticEndpoint}, {@link trustedHeaders}, {@link cinderNoAuth}).
 *
 * There is no Swift client here: backup data lives in a bank, and the Swift bank driver
 * (`karbor-ts/bank/drivers/swift`) already speaks Swift, with auth, large objects and etags.
 *
 * @module
 */
export {
  cinderNoAuth,
  staticEndpoint,
  trustedHeaders,
  type ResolvedEndpoint,
  type ServiceEndpoint,
  type TrustedIdentity,
} from './endpoint.js';
export {
  HttpClient,
  UPSTREAM_UNAVAILABLE,
  statusError,
  upstreamMessage,
  type ClientOptions,
  type HttpClientOptions,
  type HttpMethod,
  type RequestBody,
  type RequestSpec,
  type RequestTarget,
  type ResourceRef,
  type RetryEvent,
  type RetryOptions,
} from './http.js';
export { createNodeFetch, type FetchFunction, type NodeFetch, type NodeFetchOptions } from './transport.js';
export { type PollVerdict, type WaitOptions, type WaitTarget } from './wait.js';
export {
  KeystoneSession,
  findEndpoint,
  keystoneAuthBody,
  type CatalogEndpoint,
  type CatalogEntry,
  type EndpointInterface,
  type EndpointSelector,
  type KeystoneAuth,
  type KeystoneScope,
  type KeystoneSessionOptions,
  type KeystoneToken,
} from './keystone.js';
export {
  GlanceClient,
  type ByteRange,
  type GlanceCallOptions,
  type GlanceClientOptions,
  type GlanceDeleteOptions,
  type GlanceDownloadOptions,
  type GlanceImage,
  type GlanceImageCreate,
  type GlanceImageData,
  type GlanceImagePage,
  type GlanceImagePatch,
  type GlanceImageQuery,
  type GlanceImageStatus,
  type GlanceUploadOptions,
} from './glance.js';
export {
  CinderClient,
  DEFAULT_CINDER_MICROVERSION,
  type CinderBackup,
  type CinderBackupCreate,
  type CinderBackupRecord,
  type CinderBackupSummary,
  type CinderCallOptions,
  type CinderClientOptions,
  type CinderDeleteOptions,
  type CinderListQuery,
  type CinderRestore,
  type CinderVolume,
  type CinderVolumeCreate,
} from './cinder.js';
