/**
 * Providers: a named set of plugins, a main bank and named copy destinations (banks in other
 * zones or regions). Each provider has its own plugin registry, so a resource type is handled
 * by exactly one plugin per provider.
 *
 * @module
 */
import type { Bank } from '../bank/bank.js';
import { NotFoundError, ValidationError } from '../core/errors.js';
import type { VerificationLevel } from '../core/operation.js';
import { supportsCopy, supportsVerification, type ProtectablePlugin, type ProtectionPlugin } from '../core/plugin.js';
import { PluginRegistry } from '../core/registry.js';
import type { JsonSchema, SchemaValidator } from '../core/schema.js';

/** How a provider is configured. */
export interface ProviderConfig {
  /** A UUID, stable across restarts. */
  readonly id: string;
  /** Display name. */
  readonly name: string;
  /** Free text. */
  readonly description?: string;
  /** The main bank: where checkpoints are created. Its name is `main`. */
  readonly bank: Bank;
  /** Copy destinations by name (not `main`): banks in other zones or regions. */
  readonly destinations?: Readonly<Record<string, Bank>>;
  /** The destination used when a copy request names none. */
  readonly defaultDestination?: string;
  /** The protection plugins of this provider. */
  readonly plugins: readonly ProtectionPlugin[];
  /** The protectable plugins of this provider. */
  readonly protectables?: readonly ProtectablePlugin[];
}

/** What clients discover about a provider's plugins (Karbor's `extended_info_schema`, plus verify and copy). */
export interface ExtendedInfoSchema {
  /** Protect options schema by resource type. */
  readonly optionsSchema: Readonly<Record<string, JsonSchema>>;
  /** Restore parameters schema by resource type. */
  readonly restoreSchema: Readonly<Record<string, JsonSchema>>;
  /** Saved-info schema by resource type. */
  readonly savedInfoSchema: Readonly<Record<string, JsonSchema>>;
  /** Verify parameters schema by resource type (only types whose plugin verifies). */
  readonly verifySchema: Readonly<Record<string, JsonSchema>>;
  /** Copy parameters schema by resource type (only types whose plugin copies). */
  readonly copySchema: Readonly<Record<string, JsonSchema>>;
  /** Verification levels offered, by resource type. */
  readonly verificationLevels: Readonly<Record<string, readonly VerificationLevel[]>>;
}

/** The name of a provider's main bank. */
export const MAIN_BANK = 'main';

const EMPTY_SCHEMA: JsonSchema = { type: 'object', properties: {} };

/** A configured provider. */
export class Provider {
  /** The provider id. */
  readonly id: string;
  /** Display name. */
  readonly name: string;
  /** Free text. */
  readonly description: string;
  /** The plugins of this provider. */
  readonly registry: PluginRegistry;
  readonly #banks: ReadonlyMap<string, Bank>;
  readonly #defaultDestination: string | undefined;

  /** Checks the configuration and registers the plugins; throws `KTS_ERR_PROVIDER_INVALID` or a plugin registration error. */
  constructor(config: ProviderConfig, validator?: SchemaValidator) {
    const invalid = (why: string): ValidationError =>
      new ValidationError(`Provider ${JSON.stringify(config?.name ?? config?.id)}: ${why}`, { code: 'KTS_ERR_PROVIDER_INVALID' });
    if (typeof config?.id !== 'string' || config.id.length === 0) throw invalid('needs an id');
    if (typeof config.name !== 'string' || config.name.length === 0) throw invalid('needs a name');
    if (!config.bank || typeof config.bank.section !== 'function') throw invalid('needs a main bank');
    const destinations = Object.entries(config.destinations ?? {});
    if (destinations.some(([name]) => name === MAIN_BANK || name.length === 0)) throw invalid(`a destination may not be named "${MAIN_BANK}" or ""`);
    if (config.defaultDestination !== undefined && !destinations.some(([name]) => name === config.defaultDestination)) {
      throw invalid(`default destination "${config.defaultDestination}" is not one of its destinations`);
    }
    this.id = config.id;
    this.name = config.name;
    this.description = config.description ?? '';
    this.#banks = new Map([[MAIN_BANK, config.bank], ...destinations]);
    this.#defaultDestination = config.defaultDestination ?? (destinations.length === 1 ? destinations[0]![0] : undefined);
    this.registry = new PluginRegistry(validator ? { validator } : {});
    for (const plugin of config.plugins) this.registry.register(plugin);
    for (const protectable of config.protectables ?? []) this.registry.registerProtectable(protectable);
  }

  /** The main bank. */
  get bank(): Bank {
    return this.#banks.get(MAIN_BANK)!;
  }

  /** The names of the copy destinations. */
  destinationNames(): string[] {
    return [...this.#banks.keys()].filter((name) => name !== MAIN_BANK);
  }

  /** The bank named `name` (`main` or a destination); `KTS_ERR_DESTINATION_NOT_FOUND` otherwise. */
  bankNamed(name: string): Bank {
    const bank = this.#banks.get(name);
    if (!bank) throw new NotFoundError(`Provider ${this.name} has no bank named "${name}"`, { code: 'KTS_ERR_DESTINATION_NOT_FOUND', details: { provider: this.id, bank: name } });
    return bank;
  }

  /** Every bank with its name, main first. */
  banks(): [string, Bank][] {
    return [...this.#banks];
  }

  /** The destination a copy goes to: `requested`, else the default; `KTS_ERR_DESTINATION_NOT_FOUND` when neither. */
  destinationFor(requested?: string): string {
    const name = requested ?? this.#defaultDestination;
    if (name === undefined) {
      throw new NotFoundError(`Provider ${this.name} has several copy destinations and no default; name one (${this.destinationNames().join(', ') || 'none configured'})`, {
        code: 'KTS_ERR_DESTINATION_NOT_FOUND',
        details: { provider: this.id },
      });
    }
    if (name === MAIN_BANK || !this.#banks.has(name)) {
      throw new NotFoundError(`Provider ${this.name} has no copy destination "${name}"`, { code: 'KTS_ERR_DESTINATION_NOT_FOUND', details: { provider: this.id, destination: name } });
    }
    return name;
  }

  /** The schemas clients use to build forms and validate requests. */
  extendedInfoSchema(): ExtendedInfoSchema {
    const optionsSchema: Record<string, JsonSchema> = {};
    const restoreSchema: Record<string, JsonSchema> = {};
    const savedInfoSchema: Record<string, JsonSchema> = {};
    const verifySchema: Record<string, JsonSchema> = {};
    const copySchema: Record<string, JsonSchema> = {};
    const verificationLevels: Record<string, readonly VerificationLevel[]> = {};
    for (const type of this.registry.resourceTypes()) {
      const plugin = this.registry.pluginFor(type);
      const schemas = this.registry.schemasFor(type);
      optionsSchema[type] = schemas.options ?? EMPTY_SCHEMA;
      restoreSchema[type] = schemas.restore ?? EMPTY_SCHEMA;
      savedInfoSchema[type] = schemas.savedInfo ?? EMPTY_SCHEMA;
      if (supportsVerification(plugin)) {
        verifySchema[type] = schemas.verify ?? EMPTY_SCHEMA;
        verificationLevels[type] = plugin.verificationLevels;
      }
      if (supportsCopy(plugin)) copySchema[type] = schemas.copy ?? EMPTY_SCHEMA;
    }
    return { optionsSchema, restoreSchema, savedInfoSchema, verifySchema, copySchema, verificationLevels };
  }
}
