/**
 * The one registry of coded errors. Every error karbor-ts throws carries one of these codes;
 * `docs/errors.md` has a row per code and a test keeps the two in step.
 *
 * Rules: a code is never renamed or reused; match errors on `code`, never on class identity.
 *
 * @module
 */

/** The families of errors; each maps to one error class and, in the HTTP adapter, one status. */
export const ErrorKind = {
  /** Input that breaks a schema, a grammar or a documented rule. */
  VALIDATION: 'validation',
  /** Something named by id does not exist (or is not visible to the caller). */
  NOT_FOUND: 'not_found',
  /** The request conflicts with current state: an illegal status transition, a held lease. */
  CONFLICT: 'conflict',
  /** A plugin was refused at registration or failed while running. */
  PLUGIN: 'plugin',
  /** A bank (storage back-end) refused or failed an operation. */
  BANK: 'bank',
  /** A flow did not finish. */
  FLOW: 'flow',
  /** The work was cancelled on request. */
  CANCELLED: 'cancelled',
  /** The work ran past its deadline. */
  TIMEOUT: 'timeout',
  /** The caller is not authenticated: no token, or one that is invalid or expired. */
  UNAUTHORIZED: 'unauthorized',
  /** The caller is authenticated but the policy does not allow the action. */
  FORBIDDEN: 'forbidden',
  /** A size or quota limit would be exceeded. */
  LIMIT: 'limit',
  /** The service cannot take the work now (disabled, or a back-end it needs is down). */
  UNAVAILABLE: 'unavailable',
  /** A defect or an unexpected error from outside the framework. */
  INTERNAL: 'internal',
} as const;

/** One of the {@link ErrorKind} values. */
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];

/** What the registry records about one code. */
export interface ErrorSpec {
  /** The family the code belongs to. */
  readonly kind: ErrorKind;
  /** Whether repeating the same operation may succeed. */
  readonly retryable: boolean;
  /** The default message, used when the thrower gives none. */
  readonly message: string;
}

/**
 * Every error code, with its family, retry hint and default message.
 *
 * Codes are grouped by the part of the framework that raises them.
 */
export const ERROR_CODES = {
  // core
  KTS_ERR_VALIDATION: { kind: 'validation', retryable: false, message: 'Invalid input' },
  KTS_ERR_INVALID_OPTION: { kind: 'validation', retryable: false, message: 'Invalid option' },
  KTS_ERR_RESOURCE_KEY_INVALID: { kind: 'validation', retryable: false, message: 'Invalid resource key' },
  KTS_ERR_GRAPH_CYCLE: { kind: 'validation', retryable: false, message: 'The resource graph has a cycle' },
  KTS_ERR_GRAPH_INVALID: { kind: 'validation', retryable: false, message: 'Invalid resource graph' },
  KTS_ERR_FAILURE_SNAPSHOT_INVALID: { kind: 'validation', retryable: false, message: 'Invalid failure snapshot' },
  KTS_ERR_NOT_FOUND: { kind: 'not_found', retryable: false, message: 'Not found' },
  KTS_ERR_STATE_TRANSITION: { kind: 'conflict', retryable: false, message: 'Illegal status transition' },
  KTS_ERR_CONFLICT: { kind: 'conflict', retryable: true, message: 'Conflicting concurrent change' },
  KTS_ERR_INTERNAL: { kind: 'internal', retryable: false, message: 'Internal error' },
  KTS_ERR_CANCELLED: { kind: 'cancelled', retryable: false, message: 'Cancelled' },
  KTS_ERR_TIMEOUT: { kind: 'timeout', retryable: true, message: 'Timed out' },
  // plugins
  KTS_ERR_PLUGIN_INVALID: { kind: 'plugin', retryable: false, message: 'Invalid plugin' },
  KTS_ERR_PLUGIN_DUPLICATE_NAME: { kind: 'plugin', retryable: false, message: 'A plugin with this name is already registered' },
  KTS_ERR_PLUGIN_TYPE_CONFLICT: { kind: 'plugin', retryable: false, message: 'Another plugin already handles this resource type' },
  KTS_ERR_PLUGIN_SCHEMA_INVALID: { kind: 'plugin', retryable: false, message: 'A plugin schema does not compile' },
  KTS_ERR_PLUGIN_NOT_FOUND: { kind: 'not_found', retryable: false, message: 'No plugin handles this resource type' },
  KTS_ERR_PLUGIN_OPERATION_UNSUPPORTED: { kind: 'plugin', retryable: false, message: 'The plugin does not support this operation' },
  KTS_ERR_PLUGIN_OPERATION_FAILED: { kind: 'plugin', retryable: false, message: 'A plugin operation failed' },
  // flows
  KTS_ERR_FLOW_TASK_DUPLICATE: { kind: 'validation', retryable: false, message: 'A task with this name is already in the flow' },
  KTS_ERR_FLOW_TASK_UNKNOWN: { kind: 'validation', retryable: false, message: 'The task is not part of the flow' },
  KTS_ERR_FLOW_CYCLE: { kind: 'validation', retryable: false, message: 'The flow has a dependency cycle' },
  KTS_ERR_FLOW_ALREADY_STARTED: { kind: 'conflict', retryable: false, message: 'The flow run was already started' },
  KTS_ERR_FLOW_FAILED: { kind: 'flow', retryable: false, message: 'Several tasks of the flow failed' },
  KTS_ERR_FLOW_REVERT_FAILED: { kind: 'flow', retryable: false, message: 'Reverting the flow failed' },
  // bank
  KTS_ERR_BANK_KEY_INVALID: { kind: 'validation', retryable: false, message: 'Invalid bank key' },
  KTS_ERR_BANK_READONLY: { kind: 'bank', retryable: false, message: 'The bank section is read-only' },
  KTS_ERR_BANK_OBJECT_NOT_FOUND: { kind: 'not_found', retryable: false, message: 'No such object in the bank' },
  KTS_ERR_BANK_PRECONDITION_FAILED: { kind: 'conflict', retryable: true, message: 'The object changed since it was read' },
  KTS_ERR_BANK_LEASE_HELD: { kind: 'conflict', retryable: true, message: 'The lease is held by another owner' },
  KTS_ERR_BANK_LEASE_LOST: { kind: 'conflict', retryable: false, message: 'The lease expired or was taken over' },
  KTS_ERR_BANK_UNSUPPORTED: { kind: 'bank', retryable: false, message: 'The bank driver does not support this capability' },
  KTS_ERR_BANK_INTEGRITY: { kind: 'bank', retryable: false, message: 'Object content does not match its checksum' },
  KTS_ERR_BANK_IO: { kind: 'bank', retryable: true, message: 'The bank back-end failed' },
  KTS_ERR_BANK_AUTH: { kind: 'bank', retryable: false, message: 'The bank back-end refused the credentials' },
  // protection service
  KTS_ERR_PROVIDER_NOT_FOUND: { kind: 'not_found', retryable: false, message: 'No such provider' },
  KTS_ERR_PROVIDER_INVALID: { kind: 'validation', retryable: false, message: 'Invalid provider configuration' },
  KTS_ERR_DESTINATION_NOT_FOUND: { kind: 'not_found', retryable: false, message: 'The provider has no such copy destination' },
  KTS_ERR_PLAN_NOT_FOUND: { kind: 'not_found', retryable: false, message: 'No such plan' },
  KTS_ERR_PLAN_INVALID: { kind: 'validation', retryable: false, message: 'Invalid plan' },
  KTS_ERR_CHECKPOINT_NOT_FOUND: { kind: 'not_found', retryable: false, message: 'No such checkpoint' },
  KTS_ERR_CHECKPOINT_NOT_AVAILABLE: { kind: 'conflict', retryable: false, message: 'The checkpoint is not available' },
  KTS_ERR_CHECKPOINT_IN_USE: { kind: 'conflict', retryable: true, message: 'The checkpoint is in use by a running operation' },
  KTS_ERR_RESTORE_NOT_FOUND: { kind: 'not_found', retryable: false, message: 'No such restore' },
  KTS_ERR_VERIFICATION_NOT_FOUND: { kind: 'not_found', retryable: false, message: 'No such verification' },
  KTS_ERR_COPY_NOT_FOUND: { kind: 'not_found', retryable: false, message: 'No such copy' },
  KTS_ERR_OPERATION_LOG_NOT_FOUND: { kind: 'not_found', retryable: false, message: 'No such operation log' },
  KTS_ERR_OPERATION_NOT_RUNNING: { kind: 'conflict', retryable: false, message: 'The operation is not running' },
  KTS_ERR_SERVICE_CLOSED: { kind: 'conflict', retryable: false, message: 'The protection service is closed' },
  KTS_ERR_SERVICE_DISABLED: { kind: 'unavailable', retryable: true, message: 'The protection service is disabled' },
  KTS_ERR_SERVICE_NOT_FOUND: { kind: 'not_found', retryable: false, message: 'No such service' },
  KTS_ERR_QUOTA_EXCEEDED: { kind: 'limit', retryable: false, message: 'The quota is exceeded' },
  KTS_ERR_PROTECTABLE_TYPE_NOT_FOUND: { kind: 'not_found', retryable: false, message: 'No such protectable type' },
  KTS_ERR_PROTECTABLE_NOT_FOUND: { kind: 'not_found', retryable: false, message: 'No such protectable instance' },
  // store
  KTS_ERR_STORE_LEASE_HELD: { kind: 'conflict', retryable: true, message: 'The store lease is held by another owner' },
  KTS_ERR_STORE_LEASE_LOST: { kind: 'conflict', retryable: false, message: 'The store lease expired or was taken over' },
  KTS_ERR_STORE_IO: { kind: 'internal', retryable: true, message: 'The record store failed' },
  KTS_ERR_STORE_CLOSED: { kind: 'conflict', retryable: false, message: 'The record store is closed' },
  // http
  KTS_ERR_UNAUTHORIZED: { kind: 'unauthorized', retryable: false, message: 'Authentication required' },
  KTS_ERR_FORBIDDEN: { kind: 'forbidden', retryable: false, message: 'The policy does not allow this action' },
  KTS_ERR_ROUTE_NOT_FOUND: { kind: 'not_found', retryable: false, message: 'No such resource' },
  KTS_ERR_METHOD_NOT_ALLOWED: { kind: 'validation', retryable: false, message: 'The method is not allowed on this resource' },
  KTS_ERR_MALFORMED_JSON: { kind: 'validation', retryable: false, message: 'The request body is not valid JSON' },
  KTS_ERR_UNSUPPORTED_MEDIA_TYPE: { kind: 'validation', retryable: false, message: 'The request body must be application/json' },
  KTS_ERR_BODY_TOO_LARGE: { kind: 'limit', retryable: false, message: 'The request body is too large' },
  KTS_ERR_AUTH_BACKEND: { kind: 'unavailable', retryable: true, message: 'The identity service could not be reached' },
  // clients (karbor-ts/clients)
  KTS_ERR_UPSTREAM_UNAVAILABLE: { kind: 'unavailable', retryable: true, message: 'An OpenStack service could not be reached' },
  // client (karbor-ts/client)
  KTS_ERR_API_UNREACHABLE: { kind: 'unavailable', retryable: true, message: 'The Karbor API could not be reached' },
  KTS_ERR_API_RESPONSE_INVALID: { kind: 'unavailable', retryable: false, message: 'The answer is not a Karbor API answer' },
} as const satisfies Record<string, ErrorSpec>;

/** Every code in the registry. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes whose kind is `K`. */
export type ErrorCodeOf<K extends ErrorKind> = {
  [C in ErrorCode]: (typeof ERROR_CODES)[C]['kind'] extends K ? C : never;
}[ErrorCode];

/** Whether `code` is a code of the registry. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}
