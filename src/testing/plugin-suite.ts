/**
 * The protection-plugin conformance suite: one set of vitest cases every
 * {@link ProtectionPlugin} passes, run through a real protection service (a memory record store,
 * memory, filesystem or the caller's own banks, a copy destination), so that protect, verify,
 * copy, restore and delete behave as the contract says, and verification finds exactly the
 * damage it claims to. A plugin's test file is a few lines:
 *
 * ```ts
 * import { testProtectionPlugin } from 'karbor-ts/testing';
 *
 * testProtectionPlugin({
 *   name: 'notes',
 *   create: ({ count }) => notesSubject(count), // the plugin, `count` resources with known content, how to read a restore back
 *   copy: true,
 *   verification: { levels: ['presence', 'checksum'], detects: { presence: ['deleted', 'resized'], checksum: ['deleted', 'resized', 'wrong-etag', 'rewritten'] } },
 * });
 * ```
 *
 * What it checks, per bank kind (`memory` and `fs` by default; `banks` also takes any bank
 * driver as a {@link PluginSuiteBankKind}, e.g. `banks: ['memory', swift]` to run on Swift):
 *
 * - `claims` — the declared verification levels and copy support are the plugin's, and the
 *   corruption matrix fits the level definitions (`presence` and `checksum` read no data, so
 *   they cannot claim `flipped-byte` or `truncated`);
 * - `round-trip` — protect → verify at every claimed level → copy to the destination → verify
 *   the copy at every level → restore from the copy (with the main bank's copy of that data made
 *   unreadable) and from the main bank, content identical → delete: the plugin's own delete
 *   empties its sections, and only the checkpoint's tombstone document remains;
 * - `optional-operations` — the plugin stripped of verify and copy: a verification marks every
 *   resource `skipped` (with a reason) and succeeds; a copy fails with
 *   `KTS_ERR_PLUGIN_OPERATION_UNSUPPORTED` and leaves nothing in the destination;
 * - `corruption` — for each of {@link CORRUPTION_CLASSES}, a fresh checkpoint is damaged in the
 *   main bank (one object of the first resource) and verified at every claimed level: a level
 *   that claims the class must end the verification in `error`, the damaged resource in `error`
 *   with a reason naming the damaged object, and the other resources in `success`; a level that
 *   does not claim it must report `success` (the declared matrix is exact, both ways);
 * - `cancellation` — a protect cancelled midway (its bank writes held at a gate) ends `error`
 *   and its revert leaves no object in the checkpoint's resource sections.
 *
 * A gap is declared, never left out: `skip: [{ test: 'cancellation', reason: '…' }]` skips a
 * group (or one case, named `'<group>: <case title>'`), and the reason is printed in the
 * skipped test's name; cases that cannot apply (copy checks of a plugin without copy) are
 * skipped the same way, with the reason given by the suite. Naming a group or case that does
 * not exist fails the suite.
 *
 * @module
 */
import type { BankSection } from '../core/bank-section.js';
import type { VerificationLevel } from '../core/operation.js';
import type { ProtectablePlugin, ProtectionPlugin } from '../core/plugin.js';
import type { Resource } from '../core/resource.js';
import type { FaultyDriver } from './faulty-driver.js';
import { describeBankKind } from './plugin-suite/bank-kind.js';
import { createGroupRegistry } from './plugin-suite/gaps.js';
import type { CorruptionClass, PluginTestGroup } from './plugin-suite/names.js';
import { resolveSettings } from './plugin-suite/settings.js';
import { resolveBankKinds, type BuiltInPluginSuiteBankKind, type PluginSuiteBankKind } from './plugin-suite-banks.js';

export { CORRUPTION_CLASSES, PLUGIN_TEST_GROUPS, type CorruptionClass, type PluginTestGroup } from './plugin-suite/names.js';

/** A declared gap: a group, or one case as `'<group>: <case title>'`, with the reason. */
export interface PluginSuiteSkip {
  /** The group id, or `'<group>: <case title>'`. */
  readonly test: PluginTestGroup | `${PluginTestGroup}: ${string}`;
  /** Why the plugin cannot pass it; printed in the skipped test's name. */
  readonly reason: string;
}

/** What the plugin claims about verification. */
export interface VerificationClaims {
  /** The levels it offers, as its `verificationLevels` lists them. */
  readonly levels: readonly VerificationLevel[];
  /** The corruption classes each level detects; a class absent from a level must not be reported there. */
  readonly detects: Readonly<Partial<Record<VerificationLevel, readonly CorruptionClass[]>>>;
}

/** One test resource and the content it was created with. */
export interface PluginTestResource {
  /** The resource, as a plan lists it. */
  readonly resource: Resource;
  /** Its content, in any form `toEqual` compares with what {@link PluginSuiteSubject.readRestored} returns. */
  readonly content: unknown;
}

/** What the suite gives {@link PluginSuiteOptions.create}. */
export interface PluginSuiteContext {
  /** How many resources to create. */
  readonly count: number;
  /** An empty scratch directory, removed after the group of cases (after `dispose`). */
  readonly workDir: string;
}

/** Where {@link PluginSuiteSubject.inflict} is to damage a resource. */
export interface CorruptionTarget {
  /** The resource to damage. */
  readonly resource: Resource;
  /** The checkpoint whose backup of it to damage (in the main bank). */
  readonly checkpointId: string;
  /** The resource's section of that checkpoint, writable. */
  readonly section: BankSection;
  /** The main bank's fault-injecting driver (faults are keyed by full key: `${section.prefix}/${key}`). */
  readonly driver: FaultyDriver;
}

/** The plugin under test and its test resources, made by {@link PluginSuiteOptions.create}. */
export interface PluginSuiteSubject {
  /** The plugin. */
  readonly plugin: ProtectionPlugin;
  /** Its protectable plugins, if any. */
  readonly protectables?: readonly ProtectablePlugin[];
  /** The `count` resources, created with known content. */
  readonly resources: readonly PluginTestResource[];
  /** Protect parameters of the plans, keyed by type or `Type#id`. */
  readonly planParameters?: Readonly<Record<string, Record<string, unknown>>>;
  /** Restore parameters for `resource`; `label` differs per restore, so each can get a fresh target. */
  restoreParameters(resource: Resource, label: string): Readonly<Record<string, unknown>>;
  /** Reads back what the restore with `parameters` made of `resource`, to compare with its `content`. */
  readRestored(resource: Resource, parameters: Readonly<Record<string, unknown>>): Promise<unknown>;
  /** Whether the object `key` of a resource's section is metadata rather than backup data. @default keys ending in `.json` */
  isMetadataObject?(key: string): boolean;
  /**
   * Inflicts `kind` itself (for data kept outside the bank) and returns what the verification's
   * reason must name; `undefined` lets the suite damage the bank as described in
   * {@link CORRUPTION_CLASSES}.
   */
  inflict?(kind: CorruptionClass, target: CorruptionTarget): Promise<string | undefined>;
  /** Releases what `create` made (runs before `workDir` is removed). */
  dispose?(): void | Promise<void>;
}

/** Options of {@link testProtectionPlugin}. */
export interface PluginSuiteOptions {
  /** The plugin's name in test titles. */
  readonly name: string;
  /** Makes the plugin and its test resources; called once per bank kind. */
  readonly create: (context: PluginSuiteContext) => PluginSuiteSubject | Promise<PluginSuiteSubject>;
  /** Whether the plugin copies (has `getCopyOperation`). */
  readonly copy: boolean;
  /** What the plugin claims about verification; omit when it has no verify operation. */
  readonly verification?: VerificationClaims;
  /**
   * How many resources to protect together (at least 2, so damage to one must not fail another).
   * @default 3
   */
  readonly resources?: number;
  /**
   * The bank kinds to run on, each a `describe` block with its own service and four banks
   * (main, copy, bare main, bare copy), each behind the suite's fault-injecting driver.
   * An entry is a built-in kind, `'memory'` or `'fs'` (a directory under the block's scratch
   * directory), or a {@link PluginSuiteBankKind} to run on any bank driver — Swift, S3, a
   * vendor's back-end: its `createDriver(label, context)` makes each bank's driver over fresh,
   * empty storage, and its `dispose(context)` removes that storage after the block. Names must
   * be distinct; a malformed entry throws `KTS_ERR_INVALID_OPTION` when the suite is registered.
   * @default ['memory', 'fs']
   */
  readonly banks?: readonly (BuiltInPluginSuiteBankKind | PluginSuiteBankKind)[];
  /** Declared gaps. */
  readonly skip?: readonly PluginSuiteSkip[];
  /**
   * Timeout of one case, in milliseconds.
   * @default 60000
   */
  readonly timeoutMs?: number;
}

/** Registers the conformance cases for one protection plugin. */
export function testProtectionPlugin(options: PluginSuiteOptions): void {
  const settings = resolveSettings(options);
  const bankKinds = resolveBankKinds(options.banks ?? ['memory', 'fs']);
  const registry = createGroupRegistry(settings);
  for (const kind of bankKinds) describeBankKind(kind, settings, registry);
  registry.declaresOnlyGapsThatExist();
}
