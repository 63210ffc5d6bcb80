/**
 * Plugin contracts. A vendor writes a `ProtectionPlugin` per family of resource types: it must
 * protect, restore and delete; it may verify and copy. A `ProtectablePlugin` discovers
 * resources of one type and their dependents.
 *
 * @module
 */
import type { Logger } from './logger.js';
import type {
  CopyContext,
  DeleteContext,
  Operation,
  OperationKind,
  ProtectContext,
  RestoreContext,
  VerificationLevel,
  VerifyContext,
} from './operation.js';
import type { Resource } from './resource.js';
import type { JsonSchema } from './schema.js';

/** The schemas a plugin declares for one resource type; each is optional (absent = `{}`). */
export interface ResourceTypeSchemas {
  /** Protect options (plan parameters). */
  readonly options?: JsonSchema;
  /** Restore parameters. */
  readonly restore?: JsonSchema;
  /** Verify parameters. */
  readonly verify?: JsonSchema;
  /** Copy parameters. */
  readonly copy?: JsonSchema;
  /** The metadata the plugin saves per resource in a checkpoint. */
  readonly savedInfo?: JsonSchema;
}

/** The schema kinds of {@link ResourceTypeSchemas}. */
export type SchemaKind = keyof ResourceTypeSchemas;

/** The optional verify capability of a protection plugin. */
export interface VerificationOperation {
  /** The levels this plugin can verify at, weakest first (at least one). */
  readonly verificationLevels: readonly VerificationLevel[];
  /** The verify hooks for `resource`. */
  getVerifyOperation(resource: Resource): Operation<VerifyContext>;
}

/** The optional copy capability of a protection plugin. */
export interface CopyOperation {
  /** The copy hooks for `resource`: move its backup data to the destination bank. */
  getCopyOperation(resource: Resource): Operation<CopyContext>;
}

/**
 * A vendor's protection plugin. Protect, restore and delete are required; verify and copy are
 * optional (see {@link supportsVerification} and {@link supportsCopy}).
 */
export interface ProtectionPlugin {
  /** A unique name, e.g. `cinder-volume`. */
  readonly name: string;
  /** The plugin's version (semver). */
  readonly version: string;
  /** One line for operators. */
  readonly description?: string;
  /** The resource types handled, each with its schemas. */
  readonly resourceTypes: Readonly<Record<string, ResourceTypeSchemas>>;
  /** The protect hooks for `resource`. */
  getProtectOperation(resource: Resource): Operation<ProtectContext>;
  /** The restore hooks for `resource`. */
  getRestoreOperation(resource: Resource): Operation<RestoreContext>;
  /** The delete hooks for `resource`. */
  getDeleteOperation(resource: Resource): Operation<DeleteContext>;
  /** Verification levels offered, weakest first (with `getVerifyOperation`). */
  readonly verificationLevels?: readonly VerificationLevel[];
  /** The verify hooks for `resource`, if the plugin can verify. */
  getVerifyOperation?(resource: Resource): Operation<VerifyContext>;
  /** The copy hooks for `resource`, if the plugin can copy. */
  getCopyOperation?(resource: Resource): Operation<CopyContext>;
}

/** Whether `plugin` can verify. */
export function supportsVerification(plugin: ProtectionPlugin): plugin is ProtectionPlugin & VerificationOperation {
  return typeof plugin.getVerifyOperation === 'function' && Array.isArray(plugin.verificationLevels);
}

/** Whether `plugin` can copy. */
export function supportsCopy(plugin: ProtectionPlugin): plugin is ProtectionPlugin & CopyOperation {
  return typeof plugin.getCopyOperation === 'function';
}

/** Whether `plugin` supports operation `kind` (protect, restore and delete always). */
export function supportsOperation(plugin: ProtectionPlugin, kind: OperationKind): boolean {
  if (kind === 'verify') return supportsVerification(plugin);
  if (kind === 'copy') return supportsCopy(plugin);
  return true;
}

/** The hooks `plugin` gives for `resource` under operation `kind`, or `undefined` if unsupported. */
export function operationFor(plugin: ProtectionPlugin, kind: OperationKind, resource: Resource): Operation<never> | undefined {
  switch (kind) {
    case 'protect':
      return plugin.getProtectOperation(resource);
    case 'restore':
      return plugin.getRestoreOperation(resource);
    case 'delete':
      return plugin.getDeleteOperation(resource);
    case 'verify':
      return supportsVerification(plugin) ? plugin.getVerifyOperation(resource) : undefined;
    case 'copy':
      return supportsCopy(plugin) ? plugin.getCopyOperation(resource) : undefined;
  }
}

/** Identity helper that checks a plugin object against the contract. */
export function defineProtectionPlugin<T extends ProtectionPlugin>(plugin: T): T {
  return plugin;
}

/** What a protectable plugin is given. */
export interface ProtectableContext {
  /** The caller's project. */
  readonly projectId: string;
  /** Cancels a slow listing. */
  readonly signal?: AbortSignal;
  /** A logger. */
  readonly logger: Logger;
}

/** Discovers resources of one type (Karbor's protectables). */
export interface ProtectablePlugin {
  /** A unique name. */
  readonly name: string;
  /** The type this plugin lists. */
  readonly resourceType: string;
  /** Types whose instances may have resources of this type as dependents (children). */
  readonly parentResourceTypes: readonly string[];
  /** Schema of the parameters `listResources` and `showResource` accept. */
  readonly instanceParametersSchema?: JsonSchema;
  /** Lists instances visible to the caller. */
  listResources(context: ProtectableContext, parameters?: Readonly<Record<string, unknown>>): Promise<Resource[]>;
  /** One instance; throws a `NotFoundError` when absent. */
  showResource(context: ProtectableContext, id: string, parameters?: Readonly<Record<string, unknown>>): Promise<Resource>;
  /** The instances of this type that depend on `parent`. */
  getDependentResources(context: ProtectableContext, parent: Resource): Promise<Resource[]>;
}

/** Identity helper that checks a protectable plugin object against the contract. */
export function defineProtectablePlugin<T extends ProtectablePlugin>(plugin: T): T {
  return plugin;
}
