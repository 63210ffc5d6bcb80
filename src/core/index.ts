/**
 * The vocabulary of karbor-ts: statuses, coded errors, failure snapshots, resources and their
 * graph, plugin contracts and the plugin registry. Imports nothing else of the framework.
 *
 * @module
 */
export { ERROR_CODES, ErrorKind, isErrorCode, type ErrorCode, type ErrorCodeOf, type ErrorSpec } from './error-codes.js';
export {
  BankError,
  CancelledError,
  ConflictError,
  FlowError,
  FrameworkError,
  InternalError,
  NotFoundError,
  PluginError,
  AuthenticationError,
  ForbiddenError,
  LimitError,
  UnavailableError,
  StateTransitionError,
  TimeoutError,
  ValidationError,
  createFrameworkError,
  ensureFrameworkError,
  invalidOption,
  isCancellation,
  isFrameworkError,
  messageOf,
  rootCause,
  type FrameworkErrorOptions,
  type KindErrorOptions,
} from './errors.js';
export {
  FAILURE_SNAPSHOT_SCHEMA,
  failureHasCode,
  fromFailureSnapshot,
  isFailureSnapshot,
  parseFailureSnapshot,
  toFailureSnapshot,
  type FailureCause,
  type FailureSnapshot,
} from './failure.js';
export {
  CheckpointStatus,
  CopyStatus,
  OperationLogStatus,
  ResourceStatus,
  RestoreStatus,
  STATUS_MACHINES,
  VerificationStatus,
  assertTransition,
  canTransition,
  isTerminal,
  type StatusMachine,
  type StatusOf,
  type TransitionTable,
} from './status.js';
export {
  assertResourceType,
  isResourceKey,
  parseResourceKey,
  resourceKey,
  resourceParameters,
  type Resource,
  type ResourceKey,
} from './resource.js';
export { ResourceGraph, type GraphVisitor, type ResourceGraphJson } from './graph.js';
/** The checkpoint document. */
export type { Checkpoint, CheckpointResource, CopyOrigin, CopyTarget, PlanSnapshot } from './checkpoint.js';
/** The bank as plugins see it. */
export type {
  BankSection,
  GetObjectOptions,
  ListOptions,
  ListPage,
  ObjectBody,
  ObjectDigest,
  ObjectHasher,
  ObjectInfo,
  PutObjectOptions,
  VersionedDocument,
} from './bank-section.js';
export {
  HOOK_NAMES,
  OperationKind,
  VERIFICATION_LEVELS,
  VerificationLevel,
  type CopyContext,
  type DeleteContext,
  type HookContext,
  type HookName,
  type Operation,
  type ProtectContext,
  type RestoreContext,
  type VerifyContext,
} from './operation.js';
export {
  defineProtectablePlugin,
  defineProtectionPlugin,
  operationFor,
  supportsCopy,
  supportsOperation,
  supportsVerification,
  type CopyOperation,
  type ProtectableContext,
  type ProtectablePlugin,
  type ProtectionPlugin,
  type ResourceTypeSchemas,
  type SchemaKind,
  type VerificationOperation,
} from './plugin.js';
export { PluginRegistry, type PluginRegistryOptions } from './registry.js';
export { SchemaValidator, describeErrors, type JsonSchema, type Validator } from './schema.js';
export { createConsoleLogger, silentLogger, type LogFields, type Logger } from './logger.js';
export { clampFraction, noProgress, type ProgressReporter } from './progress.js';
export { createToken, type Token } from './token.js';
