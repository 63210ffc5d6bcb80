/**
 * The banks the protection-plugin conformance suite runs on (its option `banks`):
 * the built-in kinds `'memory'` and `'fs'`, and any bank driver a caller brings as a
 * {@link PluginSuiteBankKind}. Each kind is one `describe` block with four banks
 * ({@link PLUGIN_SUITE_BANK_LABELS}); this module checks the option and makes the banks'
 * drivers over fresh, empty storage. The suite closes them, and runs the kind's `dispose`,
 * after the block.
 *
 * @module
 */
import { join } from 'node:path';
import { createFsDriver, createMemoryDriver, type BankDriver } from '../bank/index.js';
import { ValidationError } from '../core/errors.js';

/**
 * The four banks of one bank kind's `describe` block, in the order they are made: the main
 * bank and its copy destination, then the same two for the plugin stripped of its verify and
 * copy operations (the `optional-operations` group).
 */
export const PLUGIN_SUITE_BANK_LABELS = ['main', 'copy', 'bareMain', 'bareCopy'] as const;

/** One of {@link PLUGIN_SUITE_BANK_LABELS}. */
export type PluginSuiteBankLabel = (typeof PLUGIN_SUITE_BANK_LABELS)[number];

/** The names of the built-in bank kinds. */
export type BuiltInPluginSuiteBankKind = 'memory' | 'fs';

/**
 * What the suite gives {@link PluginSuiteBankKind.createDriver} and
 * {@link PluginSuiteBankKind.dispose}: one object per `describe` block, the same for the
 * block's four `createDriver` calls and its `dispose` (a kind used by several blocks can key
 * its bookkeeping by it).
 */
export interface PluginSuiteBankContext {
  /** The plugin's name, as the suite's option `name` gives it. */
  readonly plugin: string;
  /** An empty scratch directory for this block's banks, removed after the block (after `dispose`). */
  readonly workDir: string;
}

/**
 * A bank kind the caller brings: any {@link BankDriver} (Swift, S3, a vendor's back-end), run
 * as its own `describe` block titled `(<name> banks)`.
 *
 * ```ts
 * const containers: string[] = [];
 * const swift: PluginSuiteBankKind = {
 *   name: 'swift',
 *   createDriver(label) {
 *     const container = `conformance-${label}-${randomUUID()}`; // fresh and empty, every call
 *     containers.push(container);
 *     return createSwiftDriver({ auth, container });
 *   },
 *   dispose: () => deleteContainers(containers.splice(0)), // your clean-up: their objects, then the containers
 * };
 * testProtectionPlugin({ ..., banks: ['memory', 'fs', swift] });
 * ```
 */
export interface PluginSuiteBankKind {
  /** The kind's name in test titles; distinct from the other entries' names (`memory` and `fs` included). */
  readonly name: string;
  /**
   * Makes the driver of the bank `label`, over fresh, empty storage that nothing else uses (a
   * new container, bucket or directory per call). Called once per label of
   * {@link PLUGIN_SUITE_BANK_LABELS}, in that order, before the block's cases; the suite fails
   * the block when a driver lists any key. The suite wraps each driver in its fault-injecting
   * driver (`createFaultyDriver`) and closes it after the block.
   */
  createDriver(label: PluginSuiteBankLabel, context: PluginSuiteBankContext): BankDriver | Promise<BankDriver>;
  /**
   * Removes what `createDriver` made for the block (containers and their objects, buckets,
   * server processes). Called once after the block, once its drivers are closed, and also when
   * the block's setup failed partway (after fewer than four `createDriver` calls, or none); a
   * failure here fails the block's `afterAll`.
   */
  dispose?(context: PluginSuiteBankContext): void | Promise<void>;
}

/** The built-in kinds as {@link PluginSuiteBankKind}s. */
const BUILT_IN: Readonly<Record<BuiltInPluginSuiteBankKind, PluginSuiteBankKind>> = {
  memory: { name: 'memory', createDriver: () => createMemoryDriver() },
  fs: { name: 'fs', createDriver: (label, { workDir }) => createFsDriver({ root: join(workDir, label) }) },
};

const invalid = (message: string, details: Record<string, unknown>): ValidationError => new ValidationError(`testProtectionPlugin: ${message}`, { code: 'KTS_ERR_INVALID_OPTION', details });

/**
 * The bank kinds of the suite's option `banks`, each as a {@link PluginSuiteBankKind};
 * an entry that is neither a built-in name nor a kind, or a name used twice, is
 * `KTS_ERR_INVALID_OPTION`.
 *
 * @internal
 */
export function resolveBankKinds(entries: readonly (BuiltInPluginSuiteBankKind | PluginSuiteBankKind)[]): PluginSuiteBankKind[] {
  const kinds = entries.map((entry, index) => {
    if (typeof entry === 'string') {
      if (Object.hasOwn(BUILT_IN, entry)) return BUILT_IN[entry];
      throw invalid(`banks[${index}] is ${JSON.stringify(entry)}: expected 'memory', 'fs' or a bank kind { name, createDriver }`, { index, entry });
    }
    if (typeof entry !== 'object' || entry === null || typeof entry.name !== 'string' || entry.name === '' || typeof entry.createDriver !== 'function') {
      throw invalid(`banks[${index}] is not a bank kind: expected { name: a non-empty string, createDriver: a function, dispose?: a function }`, { index });
    }
    if (entry.dispose !== undefined && typeof entry.dispose !== 'function') throw invalid(`banks[${index}] (${entry.name}): dispose must be a function`, { index, name: entry.name });
    return entry;
  });
  const names = kinds.map((kind) => kind.name);
  const twice = names.filter((name, index) => names.indexOf(name) !== index);
  if (twice.length > 0) throw invalid(`banks names ${JSON.stringify([...new Set(twice)])} more than once; give each bank kind its own name`, { names });
  return kinds;
}

/**
 * Makes the four drivers of one block with `kind`, in label order, checking that each lists no
 * key (`KTS_ERR_INVALID_OPTION` otherwise). When a step fails, the drivers made so far are
 * closed and the failure is rethrown (a failure to close one is secondary and dropped); on
 * success the caller owns the drivers and closes them (through their banks). Either way the
 * caller runs the kind's `dispose` after the block.
 *
 * @internal
 */
export async function openSuiteDrivers(kind: PluginSuiteBankKind, context: PluginSuiteBankContext): Promise<Readonly<Record<PluginSuiteBankLabel, BankDriver>>> {
  const drivers: Partial<Record<PluginSuiteBankLabel, BankDriver>> = {};
  try {
    for (const label of PLUGIN_SUITE_BANK_LABELS) {
      const driver = await kind.createDriver(label, context);
      drivers[label] = driver;
      const { keys } = await driver.list({ limit: 5 });
      if (keys.length > 0) {
        throw invalid(`the ${kind.name} bank kind made the ${label} bank over storage that is not empty (it lists ${JSON.stringify(keys)}); createDriver must give fresh, empty storage each call`, {
          kind: kind.name,
          label,
          keys,
        });
      }
    }
    return drivers as Record<PluginSuiteBankLabel, BankDriver>;
  } catch (error) {
    for (const driver of Object.values(drivers)) await Promise.resolve().then(() => driver.close?.()).catch(() => undefined);
    throw error;
  }
}
