/**
 * The plugin registry: protection and protectable plugins are checked when registered — shape,
 * unique names, one plugin per resource type, schemas that compile — and refused with coded
 * errors, so nothing half-valid reaches a flow. One registry per framework; never global.
 *
 * @module
 */
import { PluginError, NotFoundError } from './errors.js';
import { VERIFICATION_LEVELS, type OperationKind } from './operation.js';
import { supportsOperation, type ProtectablePlugin, type ProtectionPlugin, type ResourceTypeSchemas, type SchemaKind } from './plugin.js';
import { assertResourceType } from './resource.js';
import { SchemaValidator, type Validator } from './schema.js';

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SEMVER_PATTERN = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const SCHEMA_KINDS: readonly SchemaKind[] = ['options', 'restore', 'verify', 'copy', 'savedInfo'];
const ANY_OBJECT = { type: 'object' } as const;

/** Options of {@link PluginRegistry}. */
export interface PluginRegistryOptions {
  /** The validator schemas compile in; one per framework. */
  readonly validator?: SchemaValidator;
}

/** Holds a framework's plugins, checked at registration. */
export class PluginRegistry {
  readonly #validator: SchemaValidator;
  readonly #byName = new Map<string, ProtectionPlugin>();
  readonly #byType = new Map<string, ProtectionPlugin>();
  readonly #validators = new Map<string, Validator<Record<string, unknown>>>();
  readonly #protectables = new Map<string, ProtectablePlugin>();
  readonly #protectableNames = new Set<string>();

  /** Creates an empty registry. */
  constructor(options: PluginRegistryOptions = {}) {
    this.#validator = options.validator ?? new SchemaValidator();
  }

  /**
   * Registers a protection plugin. Refuses (nothing registered) with `KTS_ERR_PLUGIN_INVALID`,
   * `KTS_ERR_PLUGIN_DUPLICATE_NAME`, `KTS_ERR_PLUGIN_TYPE_CONFLICT` or
   * `KTS_ERR_PLUGIN_SCHEMA_INVALID`.
   */
  register(plugin: ProtectionPlugin): this {
    checkShape(plugin);
    if (this.#byName.has(plugin.name)) {
      throw new PluginError(`A protection plugin named "${plugin.name}" is already registered`, {
        code: 'KTS_ERR_PLUGIN_DUPLICATE_NAME',
        details: { plugin: plugin.name },
      });
    }
    const types = Object.keys(plugin.resourceTypes);
    for (const type of types) {
      const holder = this.#byType.get(type);
      if (holder) {
        throw new PluginError(`Resource type ${type} of plugin "${plugin.name}" is already handled by plugin "${holder.name}"`, {
          code: 'KTS_ERR_PLUGIN_TYPE_CONFLICT',
          details: { plugin: plugin.name, type, holder: holder.name },
        });
      }
    }
    const compiled = new Map<string, Validator<Record<string, unknown>>>();
    for (const type of types) {
      const schemas: ResourceTypeSchemas = plugin.resourceTypes[type] ?? {};
      for (const kind of SCHEMA_KINDS) {
        try {
          compiled.set(validatorKey(type, kind), this.#validator.compile(schemas[kind] ?? ANY_OBJECT));
        } catch (cause) {
          throw new PluginError(`The ${kind} schema of ${type} in plugin "${plugin.name}" does not compile: ${(cause as Error).message}`, {
            code: 'KTS_ERR_PLUGIN_SCHEMA_INVALID',
            details: { plugin: plugin.name, type, kind },
            cause,
          });
        }
      }
    }
    this.#byName.set(plugin.name, plugin);
    for (const type of types) this.#byType.set(type, plugin);
    for (const [key, validate] of compiled) this.#validators.set(key, validate);
    return this;
  }

  /** Registers a protectable plugin; one per resource type and name. */
  registerProtectable(plugin: ProtectablePlugin): this {
    const name = (plugin as { name?: unknown })?.name;
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) throw invalid(`Protectable plugin name ${JSON.stringify(name)} is invalid`);
    try {
      assertResourceType(plugin.resourceType);
    } catch (cause) {
      throw invalid(`Protectable plugin "${name}" has an invalid resourceType`, cause);
    }
    if (!Array.isArray(plugin.parentResourceTypes)) throw invalid(`Protectable plugin "${name}": parentResourceTypes must be an array of types`);
    for (const method of ['listResources', 'showResource', 'getDependentResources'] as const) {
      if (typeof plugin[method] !== 'function') throw invalid(`Protectable plugin "${name}" lacks ${method}()`);
    }
    if (this.#protectableNames.has(name)) {
      throw new PluginError(`A protectable plugin named "${name}" is already registered`, { code: 'KTS_ERR_PLUGIN_DUPLICATE_NAME', details: { plugin: name } });
    }
    const holder = this.#protectables.get(plugin.resourceType);
    if (holder) {
      throw new PluginError(`Resource type ${plugin.resourceType} is already listed by protectable "${holder.name}"`, {
        code: 'KTS_ERR_PLUGIN_TYPE_CONFLICT',
        details: { plugin: name, type: plugin.resourceType, holder: holder.name },
      });
    }
    if (plugin.instanceParametersSchema) {
      try {
        this.#validator.compile(plugin.instanceParametersSchema);
      } catch (cause) {
        throw new PluginError(`The instance parameters schema of protectable "${name}" does not compile`, {
          code: 'KTS_ERR_PLUGIN_SCHEMA_INVALID',
          details: { plugin: name },
          cause,
        });
      }
    }
    this.#protectableNames.add(name);
    this.#protectables.set(plugin.resourceType, plugin);
    return this;
  }

  /** The registered protection plugins, in registration order. */
  plugins(): ProtectionPlugin[] {
    return [...this.#byName.values()];
  }

  /** The registered protectable plugins, in registration order. */
  protectables(): ProtectablePlugin[] {
    return [...this.#protectables.values()];
  }

  /** Every resource type some protection plugin handles. */
  resourceTypes(): string[] {
    return [...this.#byType.keys()];
  }

  /** The plugin handling `type`, if any. */
  findPlugin(type: string): ProtectionPlugin | undefined {
    return this.#byType.get(type);
  }

  /** The plugin handling `type`; throws `KTS_ERR_PLUGIN_NOT_FOUND` when none does. */
  pluginFor(type: string): ProtectionPlugin {
    const plugin = this.#byType.get(type);
    if (!plugin) throw new NotFoundError(`No protection plugin handles resource type ${type}`, { code: 'KTS_ERR_PLUGIN_NOT_FOUND', details: { type } });
    return plugin;
  }

  /** The protectable plugin listing `type`; throws `KTS_ERR_PLUGIN_NOT_FOUND` when none does. */
  protectableFor(type: string): ProtectablePlugin {
    const plugin = this.#protectables.get(type);
    if (!plugin) throw new NotFoundError(`No protectable plugin lists resource type ${type}`, { code: 'KTS_ERR_PLUGIN_NOT_FOUND', details: { type } });
    return plugin;
  }

  /** Whether the plugin handling `type` supports operation `kind`. */
  supports(type: string, kind: OperationKind): boolean {
    const plugin = this.#byType.get(type);
    return plugin !== undefined && supportsOperation(plugin, kind);
  }

  /** The schemas declared for `type` (throws `KTS_ERR_PLUGIN_NOT_FOUND` for an unknown type). */
  schemasFor(type: string): ResourceTypeSchemas {
    return this.pluginFor(type).resourceTypes[type] ?? {};
  }

  /**
   * Validates `parameters` for `type` against the plugin's `kind` schema and returns them
   * with schema defaults filled in; throws `KTS_ERR_VALIDATION` naming the type.
   */
  validate(type: string, kind: SchemaKind, parameters: unknown, what = `${kind} parameters of ${type}`): Record<string, unknown> {
    this.pluginFor(type);
    const validate = this.#validators.get(validatorKey(type, kind))!;
    return validate(parameters ?? {}, what);
  }
}

function validatorKey(type: string, kind: SchemaKind): string {
  return `${type}\u0000${kind}`;
}

function invalid(message: string, cause?: unknown): PluginError {
  return new PluginError(message, { code: 'KTS_ERR_PLUGIN_INVALID', cause });
}

function checkShape(plugin: ProtectionPlugin): void {
  if (typeof plugin !== 'object' || plugin === null) throw invalid('A protection plugin must be an object');
  const { name, version, resourceTypes } = plugin as Partial<ProtectionPlugin>;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw invalid(`Plugin name ${JSON.stringify(name)} is invalid: expected letters, digits, '.', '_' or '-'`);
  }
  if (typeof version !== 'string' || !SEMVER_PATTERN.test(version)) {
    throw invalid(`Plugin "${name}" has version ${JSON.stringify(version)}: expected semver such as 1.0.0`);
  }
  if (typeof resourceTypes !== 'object' || resourceTypes === null || Object.keys(resourceTypes).length === 0) {
    throw invalid(`Plugin "${name}" declares no resource types`);
  }
  for (const [type, schemas] of Object.entries(resourceTypes)) {
    try {
      assertResourceType(type);
    } catch (cause) {
      throw invalid(`Plugin "${name}" declares an invalid resource type ${JSON.stringify(type)}`, cause);
    }
    if (typeof schemas !== 'object' || schemas === null) throw invalid(`Plugin "${name}": the schemas of ${type} must be an object`);
    for (const kind of Object.keys(schemas)) {
      if (!SCHEMA_KINDS.includes(kind as SchemaKind)) throw invalid(`Plugin "${name}": unknown schema kind "${kind}" for ${type}`);
    }
  }
  for (const method of ['getProtectOperation', 'getRestoreOperation', 'getDeleteOperation'] as const) {
    if (typeof plugin[method] !== 'function') throw invalid(`Plugin "${name}" lacks ${method}()`);
  }
  const hasVerify = plugin.getVerifyOperation !== undefined;
  const levels = plugin.verificationLevels;
  if (hasVerify || levels !== undefined) {
    if (typeof plugin.getVerifyOperation !== 'function') throw invalid(`Plugin "${name}" declares verificationLevels but no getVerifyOperation()`);
    if (!Array.isArray(levels) || levels.length === 0 || !levels.every((level) => VERIFICATION_LEVELS.includes(level))) {
      throw invalid(`Plugin "${name}" must declare verificationLevels, a non-empty list of ${VERIFICATION_LEVELS.join(', ')}`);
    }
  }
  if (plugin.getCopyOperation !== undefined && typeof plugin.getCopyOperation !== 'function') {
    throw invalid(`Plugin "${name}": getCopyOperation must be a function`);
  }
}

