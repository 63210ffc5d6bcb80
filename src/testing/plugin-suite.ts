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
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointCollection, createBank, type Bank, type BankDriver } from '../bank/index.js';
import type { BankSection } from '../core/bank-section.js';
import type { Checkpoint } from '../core/checkpoint.js';
import { VERIFICATION_LEVELS, type VerificationLevel } from '../core/operation.js';
import { supportsCopy, supportsVerification, type ProtectablePlugin, type ProtectionPlugin } from '../core/plugin.js';
import { resourceKey, type Resource } from '../core/resource.js';
import { createProtectionService, type ProtectionService, type RequestContext } from '../protection/index.js';
import { createMemoryStore, type CopyRecord, type RestoreRecord, type Store, type VerificationRecord } from '../store/index.js';
import { createFaultyDriver, type FaultyDriver } from './faulty-driver.js';
import { openSuiteDrivers, resolveBankKinds, type BuiltInPluginSuiteBankKind, type PluginSuiteBankContext, type PluginSuiteBankKind } from './plugin-suite-banks.js';

/** The groups of the suite, each a `describe` block. */
export const PLUGIN_TEST_GROUPS = ['claims', 'round-trip', 'optional-operations', 'corruption', 'cancellation'] as const;

/** One of {@link PLUGIN_TEST_GROUPS}. */
export type PluginTestGroup = (typeof PLUGIN_TEST_GROUPS)[number];

/**
 * The kinds of damage the `corruption` group inflicts on one object of a resource's section in
 * the main bank. "Data objects" are the section's objects that are not metadata objects (see
 * {@link PluginSuiteSubject.isMetadataObject}); the largest one is damaged.
 *
 * - `flipped-byte` — its last byte inverted at rest (bit rot); `head` still reports the recorded size and etag;
 * - `truncated` — its content cut to half at rest; `head` still reports the recorded size and etag;
 * - `deleted` — it is gone;
 * - `wrong-etag` — `head` reports an etag that is not the content's md5 (damaged metadata); the content is intact;
 * - `rewritten` — replaced by other bytes of the same size (`head`: same size, new etag);
 * - `resized` — replaced by its first half (`head`: new size, new etag);
 * - `metadata-deleted` — the first metadata object (e.g. a manifest) is gone;
 * - `metadata-corrupted` — a byte in the middle of the first metadata object inverted at rest;
 * - `misplaced` — the section holds the intact backup of the second resource (same type) instead
 *   of its own: every object replaced by the other's (a mix-up by a faulty copy or tool); the
 *   reason must name the other resource's id.
 */
export const CORRUPTION_CLASSES = ['flipped-byte', 'truncated', 'deleted', 'wrong-etag', 'rewritten', 'resized', 'metadata-deleted', 'metadata-corrupted', 'misplaced'] as const;

/** One of {@link CORRUPTION_CLASSES}. */
export type CorruptionClass = (typeof CORRUPTION_CLASSES)[number];

/** The classes only a level that re-reads data can detect (`head` reports nothing wrong). */
const NEEDS_DATA_READ: readonly CorruptionClass[] = ['flipped-byte', 'truncated'];

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

type Case = (title: string, body: () => Promise<void>, unless?: string) => void;

const ME: RequestContext = { projectId: 'plugin-conformance' };
const MAIN = 'conformance';
const BARE = 'conformance-bare';
const DESTINATION = 'conformance-copy';

/** Everything one bank kind's cases share. */
interface World {
  readonly subject: PluginSuiteSubject;
  readonly resources: readonly Resource[];
  readonly store: Store;
  readonly service: ProtectionService;
  /** Fault-injecting drivers by bank: main, copy, bare-main, bare-copy. */
  readonly drivers: Readonly<Record<'main' | 'copy' | 'bareMain' | 'bareCopy', FaultyDriver>>;
  readonly banks: Readonly<Record<'main' | 'copy' | 'bareMain' | 'bareCopy', Bank>>;
}

const md5 = (bytes: Uint8Array | string): string => createHash('md5').update(bytes).digest('hex');

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** Every key under `prefix`, read straight from a driver. */
async function driverKeys(driver: BankDriver, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let marker: string | undefined;
  do {
    const page = await driver.list({ prefix, ...(marker === undefined ? {} : { marker }) });
    keys.push(...page.keys);
    marker = page.nextMarker;
  } while (marker !== undefined);
  return keys;
}

/** Every key of a section. */
async function sectionKeys(section: BankSection): Promise<string[]> {
  const keys: string[] = [];
  let marker: string | undefined;
  do {
    const page = await section.list(marker === undefined ? {} : { marker });
    keys.push(...page.keys);
    marker = page.nextMarker;
  } while (marker !== undefined);
  return keys;
}

/** A record's outcome in one line, for assertion messages. */
function outcome(record: { status: string; resourcesStatus: Readonly<Record<string, string>>; resourcesReason: Readonly<Record<string, string>>; failure?: { message: string } }): string {
  return JSON.stringify({ status: record.status, resourcesStatus: record.resourcesStatus, resourcesReason: record.resourcesReason, failure: record.failure?.message });
}

/** The plugin without its optional operations. */
function bare(plugin: ProtectionPlugin): ProtectionPlugin {
  return {
    name: plugin.name,
    version: plugin.version,
    ...(plugin.description === undefined ? {} : { description: plugin.description }),
    resourceTypes: plugin.resourceTypes,
    getProtectOperation: (resource) => plugin.getProtectOperation(resource),
    getRestoreOperation: (resource) => plugin.getRestoreOperation(resource),
    getDeleteOperation: (resource) => plugin.getDeleteOperation(resource),
  };
}

/** Runs every step in order, whatever failed before it; rethrows the first failure. */
async function releaseAll(steps: readonly (() => unknown)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw failures[0];
}

/** Registers the conformance cases for one protection plugin. */
export function testProtectionPlugin(options: PluginSuiteOptions): void {
  const { name, create, copy: copies, verification, skip = [], timeoutMs = 60_000 } = options;
  const count = options.resources ?? 3;
  const bankKinds = resolveBankKinds(options.banks ?? ['memory', 'fs']);
  const levels = verification?.levels ?? [];
  const detects = (level: VerificationLevel, kind: CorruptionClass): boolean => verification?.detects[level]?.includes(kind) === true;
  const known = new Set<string>();
  const reasonFor = (id: string): string | undefined => skip.find((entry) => entry.test === id)?.reason;

  function group(id: PluginTestGroup, register: (test: Case) => void): void {
    known.add(id);
    describe(id, () => {
      register((title, body, unless) => {
        const caseId = `${id}: ${title}`;
        known.add(caseId);
        const reason = reasonFor(caseId) ?? reasonFor(id) ?? unless;
        if (reason === undefined) it(title, body, timeoutMs);
        else it.skip(`${title} (skipped: ${reason})`, body);
      });
    });
  }

  const noVerify = verification === undefined ? 'the plugin claims no verify operation (see optional-operations)' : undefined;
  const noCopy = copies ? undefined : 'the plugin claims no copy operation (see optional-operations)';

  for (const kind of bankKinds) {
    describe(`protection plugin conformance: ${name} (${kind.name} banks)`, () => {
      let world: World | undefined;
      let workDir: string | undefined;
      /** What setup made, released in afterAll even when setup failed partway. */
      let made: { subject?: PluginSuiteSubject; bankContext?: PluginSuiteBankContext; banks?: Bank[]; store?: Store; service?: ProtectionService } = {};
      const the = (): World => {
        if (world === undefined) throw new Error('the suite could not set up its service (see the beforeAll failure)');
        return world;
      };

      beforeAll(async () => {
        workDir = await mkdtemp(join(tmpdir(), 'kts-plugin-suite-'));
        const subjectDir = join(workDir, 'subject');
        const banksDir = join(workDir, 'banks');
        await mkdir(subjectDir);
        await mkdir(banksDir);
        const bankContext = (made.bankContext = { plugin: name, workDir: banksDir });
        const subject = (made.subject = await create({ count, workDir: subjectDir }));
        const inner = await openSuiteDrivers(kind, bankContext);
        const drivers = { main: createFaultyDriver(inner.main), copy: createFaultyDriver(inner.copy), bareMain: createFaultyDriver(inner.bareMain), bareCopy: createFaultyDriver(inner.bareCopy) };
        const banks = { main: createBank(drivers.main), copy: createBank(drivers.copy), bareMain: createBank(drivers.bareMain), bareCopy: createBank(drivers.bareCopy) };
        made.banks = Object.values(banks);
        const store = (made.store = createMemoryStore());
        const protectables = subject.protectables ?? [];
        const service = (made.service = await createProtectionService({
          store,
          providers: [
            { id: MAIN, name: `${name} (conformance)`, bank: banks.main, destinations: { [DESTINATION]: banks.copy }, plugins: [subject.plugin], protectables },
            { id: BARE, name: `${name} without verify and copy (conformance)`, bank: banks.bareMain, destinations: { [DESTINATION]: banks.bareCopy }, plugins: [bare(subject.plugin)], protectables },
          ],
        }));
        world = { subject, resources: subject.resources.map((entry) => entry.resource), store, service, drivers, banks };
      });

      afterAll(async () => {
        const { subject, bankContext, banks = [], store, service } = made;
        world = undefined;
        made = {};
        // Every step runs, in this order, whatever failed before it; the first failure is rethrown.
        await releaseAll([
          () => service?.close(),
          () => store?.close(),
          ...banks.map((bank) => () => bank.close()),
          () => (bankContext === undefined ? undefined : kind.dispose?.(bankContext)),
          () => subject?.dispose?.(),
          () => (workDir === undefined ? undefined : rm(workDir, { recursive: true, force: true })),
        ]);
      });

      /** Creates a plan over the test resources and protects it; the checkpoint must become available. */
      async function protect(providerId: string, label: string): Promise<{ planId: string; checkpoint: Checkpoint }> {
        const { service, resources, subject } = the();
        const plan = await service.plans.create(ME, { name: `conformance ${label}`, providerId, resources, ...(subject.planParameters ? { parameters: subject.planParameters } : {}) });
        const created = await service.checkpoints.create(ME, providerId, { planId: plan.id });
        await service.settled(created.id);
        const checkpoint = await service.checkpoints.get(ME, providerId, created.id);
        expect(checkpoint.status, `protect ended ${checkpoint.status}: ${JSON.stringify({ failure: checkpoint.failure?.message, resources: checkpoint.resources })}`).toBe('available');
        return { planId: plan.id, checkpoint };
      }

      async function verify(providerId: string, checkpointId: string, level: VerificationLevel, bank?: string): Promise<VerificationRecord> {
        const { service } = the();
        const started = await service.verifications.create(ME, { providerId, checkpointId, level, ...(bank === undefined ? {} : { bank }) });
        await service.settled(started.id);
        return service.verifications.get(ME, started.id);
      }

      async function expectVerified(checkpointId: string, bank?: string): Promise<void> {
        for (const level of levels) {
          const record = await verify(MAIN, checkpointId, level, bank);
          expect(record.status, `verify (${level}) of an untouched checkpoint: ${outcome(record)}`).toBe('success');
          for (const resource of the().resources) expect(record.resourcesStatus[resourceKey(resource)], `verify (${level}): ${outcome(record)}`).toBe('success');
        }
      }

      async function restore(checkpointId: string, bank: string, label: string): Promise<void> {
        const { service, subject, resources } = the();
        const parameters = Object.fromEntries(resources.map((resource) => [resourceKey(resource), { ...subject.restoreParameters(resource, label) }]));
        const started = await service.restores.create(ME, { providerId: MAIN, checkpointId, bank, parameters });
        await service.settled(started.id);
        const record: RestoreRecord = await service.restores.get(ME, started.id);
        expect(record.status, `restore (${label}): ${outcome(record)}`).toBe('success');
        for (const entry of subject.resources) {
          const key = resourceKey(entry.resource);
          expect(record.resourcesStatus[key], `restore (${label}): ${outcome(record)}`).toBe('available');
          expect(await subject.readRestored(entry.resource, parameters[key]!), `the content restored (${label}) of ${key}`).toEqual(entry.content);
        }
      }

      /** The keys of a checkpoint's resource sections, read from the driver. */
      const resourceObjects = (driver: BankDriver, checkpointId: string): Promise<string[]> => driverKeys(driver, `checkpoints/${checkpointId}/resources/`);

      /**
       * Deletes a checkpoint through the service; returns what the plugin's delete hooks left in
       * the resource sections (looked at when the service starts removing the index entries,
       * which it does only after every delete hook finished and before it purges the rest).
       */
      async function deleteCheckpoint(driver: FaultyDriver, checkpointId: string, bank: string): Promise<string[]> {
        const { service } = the();
        let leftBehind: string[] | undefined;
        driver.inject({
          type: 'intercept',
          operation: 'delete',
          key: new RegExp(`^indices/.*@${checkpointId.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')}$`, 'u'),
          call: 1,
          before: async () => {
            leftBehind = await resourceObjects(driver.inner, checkpointId);
          },
        });
        try {
          await service.checkpoints.delete(ME, MAIN, checkpointId, bank);
          await service.settled(`delete-${checkpointId}`);
        } finally {
          driver.clear();
        }
        const collection = new CheckpointCollection(createBank(driver.inner));
        const tombstone = await collection.find(checkpointId);
        expect(tombstone?.status, `the delete of checkpoint ${checkpointId} in ${bank} ended ${tombstone?.status}: ${JSON.stringify({ failure: tombstone?.failure?.message, resources: tombstone?.resources })}`).toBe('deleted');
        expect(leftBehind, 'the service never reached the end of the delete').toBeDefined();
        return leftBehind ?? [];
      }

      group('claims', (test) => {
        test('the declared verification levels and copy support are the plugin’s', async () => {
          const { plugin } = the().subject;
          expect(supportsCopy(plugin), 'options.copy').toBe(copies);
          if (verification === undefined) {
            expect(supportsVerification(plugin), 'the plugin verifies, but options.verification is not given').toBe(false);
          } else {
            expect(supportsVerification(plugin), 'options.verification is given, but the plugin cannot verify').toBe(true);
            expect([...(plugin.verificationLevels ?? [])], 'options.verification.levels').toEqual([...verification.levels]);
          }
        });

        test('the corruption matrix fits the level definitions', async () => {
          if (verification === undefined) return;
          for (const [level, classes] of Object.entries(verification.detects) as [VerificationLevel, readonly CorruptionClass[]][]) {
            expect(VERIFICATION_LEVELS, `detects.${level}: not a verification level`).toContain(level);
            expect(verification.levels, `detects.${level}: the plugin does not offer this level`).toContain(level);
            for (const kind of classes) expect(CORRUPTION_CLASSES, `detects.${level}: unknown corruption class`).toContain(kind);
            if (level !== 'full') {
              const impossible = classes.filter((kind) => NEEDS_DATA_READ.includes(kind));
              expect(impossible, `detects.${level}: ${level} reads no data, so it cannot see damage that head() does not show`).toEqual([]);
            }
          }
        });

        test('the subject made the resources asked for', async () => {
          const { resources } = the();
          expect(count, 'options.resources: at least 2, so damage to one must not fail another').toBeGreaterThanOrEqual(2);
          expect(resources.length).toBe(count);
          expect(new Set(resources.map(resourceKey)).size, 'resource keys must be distinct').toBe(count);
          for (const resource of resources) expect(Object.keys(the().subject.plugin.resourceTypes), `the plugin handles ${resourceKey(resource)}`).toContain(resource.type);
        });
      });

      group('round-trip', (test) => {
        let protectedOnce: Promise<{ planId: string; checkpoint: Checkpoint }> | undefined;
        const protectedCheckpoint = () => (protectedOnce ??= protect(MAIN, 'round trip'));
        let copiedOnce: Promise<string> | undefined;
        const copiedCheckpoint = () =>
          (copiedOnce ??= (async () => {
            const { service } = the();
            const { planId, checkpoint } = await protectedCheckpoint();
            const started = await service.copies.create(ME, { providerId: MAIN, planId, destination: DESTINATION });
            await service.settled(started.id);
            const record: CopyRecord = await service.copies.get(ME, started.id);
            expect(record.status, `copy: ${outcome(record)} ${JSON.stringify(record.checkpoints)}`).toBe('finished');
            expect(record.checkpoints.map((pair) => pair.sourceCheckpointId)).toEqual([checkpoint.id]);
            const copyId = record.checkpoints[0]?.copyCheckpointId;
            expect(copyId, 'the copy record names its copy checkpoint').toBeTypeOf('string');
            for (const resource of the().resources) expect(record.resourcesStatus[resourceKey(resource)], outcome(record)).toBe('finished');
            return copyId!;
          })());

        test('protect: the checkpoint and every resource become available', async () => {
          const { checkpoint } = await protectedCheckpoint();
          for (const resource of the().resources) expect(checkpoint.resources[resourceKey(resource)]?.status, resourceKey(resource)).toBe('available');
        });

        test('verify: an untouched checkpoint succeeds at every claimed level', async () => {
          await expectVerified((await protectedCheckpoint()).checkpoint.id);
        }, noVerify);

        test('copy: the checkpoint is copied to the destination, where it is available', async () => {
          const copyId = await copiedCheckpoint();
          const copy = await the().service.checkpoints.get(ME, MAIN, copyId, DESTINATION);
          expect(copy).toMatchObject({ status: 'available', copyOf: { checkpointId: (await protectedCheckpoint()).checkpoint.id } });
        }, noCopy);

        test('verify the copy: it succeeds at every claimed level', async () => {
          await expectVerified(await copiedCheckpoint(), DESTINATION);
        }, noCopy ?? noVerify);

        test('restore from the copy: the content is identical, without reading the main bank', async () => {
          const copyId = await copiedCheckpoint();
          const { checkpoint } = await protectedCheckpoint();
          const { drivers } = the();
          const source = new RegExp(`^checkpoints/${checkpoint.id}/resources/`, 'u');
          drivers.main.inject({ type: 'fail', operation: 'get', key: source }, { type: 'fail', operation: 'head', key: source });
          try {
            await restore(copyId, DESTINATION, 'from-copy');
          } finally {
            drivers.main.clear();
          }
        }, noCopy);

        test('restore from the main bank: the content is identical', async () => {
          await restore((await protectedCheckpoint()).checkpoint.id, 'main', 'from-main');
        });

        test('delete: the plugin’s delete empties its sections; only the checkpoint’s tombstone remains', async () => {
          const { drivers, service } = the();
          const { planId, checkpoint } = await protectedCheckpoint();
          const deletions: [FaultyDriver, string, string][] = [[drivers.main, checkpoint.id, 'main']];
          if (copies) deletions.unshift([drivers.copy, await copiedCheckpoint(), DESTINATION]);
          for (const [driver, id, bank] of deletions) {
            expect(await resourceObjects(driver.inner, id), `checkpoint ${id} in ${bank} holds backup data before the delete`).not.toEqual([]);
            expect(await deleteCheckpoint(driver, id, bank), `what the plugin’s delete left in the sections of checkpoint ${id} (${bank})`).toEqual([]);
            expect(await driverKeys(driver.inner, `checkpoints/${id}/`), `what remains of checkpoint ${id} (${bank})`).toEqual([`checkpoints/${id}/index.json`]);
            const listed = await service.checkpoints.list(ME, MAIN, { planId, ...(bank === 'main' ? {} : { bank }) });
            expect(listed.items.map((item) => item.id), 'a deleted checkpoint is no longer listed').not.toContain(id);
          }
        });
      });

      group('optional-operations', (test) => {
        let protectedOnce: Promise<{ planId: string; checkpoint: Checkpoint }> | undefined;
        const protectedCheckpoint = () => (protectedOnce ??= protect(BARE, 'without verify and copy'));

        test('without verify: every resource is skipped with a reason, and the verification succeeds', async () => {
          const { checkpoint } = await protectedCheckpoint();
          for (const level of VERIFICATION_LEVELS) {
            const record = await verify(BARE, checkpoint.id, level);
            expect(record.status, `verify (${level}): ${outcome(record)}`).toBe('success');
            for (const resource of the().resources) {
              const key = resourceKey(resource);
              expect(record.resourcesStatus[key], outcome(record)).toBe('skipped');
              expect(record.resourcesReason[key], outcome(record)).toMatch(/no verify operation/u);
            }
          }
        });

        test('without copy: the copy fails, naming the missing operation, and leaves nothing in the destination', async () => {
          const { service, drivers } = the();
          const { planId, checkpoint } = await protectedCheckpoint();
          const started = await service.copies.create(ME, { providerId: BARE, planId, destination: DESTINATION });
          await service.settled(started.id);
          const record = await service.copies.get(ME, started.id);
          expect(record.status, outcome(record)).toBe('error');
          expect(record.checkpoints, outcome(record)).toEqual([expect.objectContaining({ sourceCheckpointId: checkpoint.id, status: 'error', reason: expect.stringMatching(/has no copy operation/u) })]);
          for (const resource of the().resources) {
            expect(record.resourcesStatus[resourceKey(resource)], outcome(record)).toBe('error');
            expect(record.resourcesReason[resourceKey(resource)], outcome(record)).toMatch(/has no copy operation/u);
          }
          expect(await driverKeys(drivers.bareCopy.inner, 'checkpoints/'), 'the destination holds no copy checkpoint').toEqual([]);
          expect((await service.checkpoints.get(ME, BARE, checkpoint.id)).status, 'the source stays available').toBe('available');
        });
      });

      group('corruption', (test) => {
        /** Damages one object of `resource` in checkpoint `checkpointId`; returns the name the reason must contain. */
        async function inflict(kind: CorruptionClass, resource: Resource, checkpointId: string): Promise<string> {
          const { subject, drivers, banks } = the();
          const section = new CheckpointCollection(banks.main).resourceSection(checkpointId, resource);
          const own = await subject.inflict?.(kind, { resource, checkpointId, section, driver: drivers.main });
          if (own !== undefined) return own;
          if (kind === 'misplaced') {
            const other = the().resources[1];
            if (other === undefined) throw new Error('misplaced needs at least two resources (options.resources ≥ 2)');
            if (other.type !== resource.type) throw new Error(`misplaced needs the first two resources to be of one type (${resourceKey(resource)}, ${resourceKey(other)}); reorder them, or declare a skip of 'corruption: misplaced' with the reason`);
            const source = new CheckpointCollection(banks.main).resourceSection(checkpointId, other, { readOnly: true });
            for (const key of await sectionKeys(section)) await section.delete(key);
            for (const key of await sectionKeys(source)) {
              const info = await source.head(key);
              await section.putObject(key, await source.getObject(key), info === undefined ? {} : { metadata: info.metadata });
            }
            return other.id;
          }
          const isMetadata = subject.isMetadataObject ?? ((key: string) => key.endsWith('.json'));
          const keys = await sectionKeys(section);
          const metadata = kind === 'metadata-deleted' || kind === 'metadata-corrupted';
          const candidates = keys.filter((key) => isMetadata(key) === metadata);
          let key: string | undefined;
          let size = 0;
          for (const candidate of candidates) {
            const info = await section.head(candidate);
            if (info !== undefined && info.size >= 2 && (key === undefined || (!metadata && info.size > size))) [key, size] = [candidate, info.size];
            if (metadata && key !== undefined) break;
          }
          if (key === undefined) {
            throw new Error(
              `${resourceKey(resource)} has no ${metadata ? 'metadata' : 'data'} object of at least 2 bytes to damage (its objects: ${JSON.stringify(keys)}); ` +
                `give it more content, adjust isMetadataObject, or declare a skip of 'corruption: ${kind}' with the reason`,
            );
          }
          const full = `${section.prefix}/${key}`;
          switch (kind) {
            case 'flipped-byte':
              drivers.main.inject({ type: 'corrupt', key: full, offset: size - 1 });
              break;
            case 'truncated':
              drivers.main.inject({ type: 'truncate', key: full, bytes: Math.floor(size / 2) });
              break;
            case 'deleted':
            case 'metadata-deleted':
              await section.delete(key);
              break;
            case 'wrong-etag': {
              const info = await section.head(key);
              const wrong = md5(`not the md5 of ${key}`);
              drivers.main.inject({ type: 'metadata', key: full, etag: wrong === info?.etag ? md5(wrong) : wrong });
              break;
            }
            case 'rewritten':
            case 'resized': {
              const info = await section.head(key);
              const bytes = await readAll(await section.getObject(key));
              const replacement = kind === 'rewritten' ? Buffer.from(bytes.map((byte) => byte ^ 0xff)) : bytes.subarray(0, Math.floor(bytes.length / 2));
              await section.putObject(key, replacement, info === undefined ? {} : { metadata: info.metadata });
              break;
            }
            case 'metadata-corrupted':
              drivers.main.inject({ type: 'corrupt', key: full, offset: Math.floor(size / 2) });
              break;
          }
          return key;
        }

        for (const kind of CORRUPTION_CLASSES) {
          test(
            kind,
            async () => {
              const { resources, drivers } = the();
              const { checkpoint } = await protect(MAIN, `corruption ${kind}`);
              const victim = resources[0]!;
              const victimKey = resourceKey(victim);
              try {
                const named = await inflict(kind, victim, checkpoint.id);
                for (const level of levels) {
                  const record = await verify(MAIN, checkpoint.id, level);
                  if (detects(level, kind)) {
                    const where = `${kind} (${named}) in ${victimKey}, which ${level} claims to detect: ${outcome(record)}`;
                    expect.soft(record.status, where).toBe('error');
                    expect.soft(record.resourcesStatus[victimKey], where).toBe('error');
                    expect.soft(record.resourcesReason[victimKey] ?? '', `the reason must name ${named}: ${where}`).toContain(named);
                    for (const other of resources.slice(1)) expect.soft(record.resourcesStatus[resourceKey(other)], `an intact resource: ${where}`).toBe('success');
                  } else {
                    const where = `${kind} (${named}) in ${victimKey}, which ${level} does not claim to detect (claim it, or fix the false report): ${outcome(record)}`;
                    expect.soft(record.status, where).toBe('success');
                  }
                }
              } finally {
                drivers.main.clear();
              }
            },
            noVerify,
          );
        }
      });

      group('cancellation', (test) => {
        test('cancelling a protect midway reverts it: no object is left in its sections', async () => {
          const { service, resources, subject, drivers } = the();
          const plan = await service.plans.create(ME, { name: 'conformance cancellation', providerId: MAIN, resources, ...(subject.planParameters ? { parameters: subject.planParameters } : {}) });
          let reached!: () => void;
          const reachedGate = new Promise<'reached'>((resolve) => (reached = () => resolve('reached')));
          let release!: () => void;
          const gate = new Promise<void>((resolve) => (release = resolve));
          // The first write into a resource section passes; later ones wait at the gate until
          // their signal aborts (or the gate opens, for writes made without the hook's signal).
          drivers.main.inject({
            type: 'intercept',
            operation: 'put',
            key: /^checkpoints\/[^/]+\/resources\//u,
            call: 2,
            times: Number.POSITIVE_INFINITY,
            before: async ({ signal }) => {
              reached();
              await Promise.race([gate, new Promise<void>((resolve) => (signal?.aborted ? resolve() : signal?.addEventListener('abort', () => resolve(), { once: true })))]);
            },
          });
          try {
            const created = await service.checkpoints.create(ME, MAIN, { planId: plan.id });
            const settled = service.settled(created.id);
            const first = await Promise.race([reachedGate, settled.then(() => 'settled' as const)]);
            expect(first, 'the protect finished before it could be cancelled: it writes fewer than two objects to the bank; declare a skip of this case with the reason').toBe('reached');
            // Cancel only once an object is stored, so the revert has something to remove.
            const deadline = Date.now() + 10_000;
            while ((await resourceObjects(drivers.main.inner, created.id)).length === 0) {
              expect(Date.now() < deadline, 'no object of the protect reached the bank while its later writes were held').toBe(true);
              await sleep(5);
            }
            const cancelling = service.checkpoints.cancel(ME, MAIN, created.id);
            const opener = setTimeout(release, 200);
            try {
              await cancelling;
              await settled;
            } finally {
              clearTimeout(opener);
              release();
            }
            const checkpoint = await service.checkpoints.get(ME, MAIN, created.id);
            expect(checkpoint.status, JSON.stringify({ failure: checkpoint.failure?.message, resources: checkpoint.resources })).toBe('error');
            expect(await resourceObjects(drivers.main.inner, created.id), 'objects the cancelled protect left behind').toEqual([]);
          } finally {
            release();
            drivers.main.clear();
          }
        });
      });
    });
  }

  it(`protection plugin conformance: ${name} declares only gaps that exist`, () => {
    const unknown = skip.filter((entry) => !known.has(entry.test));
    expect(unknown.map((entry) => entry.test)).toEqual([]);
  });
}
