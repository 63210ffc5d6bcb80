/**
 * The world of one bank kind's block of the protection-plugin conformance suite: the subject,
 * a memory record store, a protection service with two providers (the plugin, and the plugin
 * stripped of its optional operations) over four fault-injecting banks; made before the block's
 * cases and released after them, even when the setup failed partway.
 *
 * @module
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createBank, type Bank } from '../../bank/index.js';
import type { ProtectionPlugin } from '../../core/plugin.js';
import type { Resource } from '../../core/resource.js';
import { createProtectionService, type ProtectionService, type RequestContext } from '../../protection/index.js';
import { createMemoryStore, type Store } from '../../store/index.js';
import { createFaultyDriver, type FaultyDriver } from '../faulty-driver.js';
import type { PluginSuiteSubject } from '../plugin-suite.js';
import { openSuiteDrivers, type PluginSuiteBankContext, type PluginSuiteBankKind } from '../plugin-suite-banks.js';
import type { SuiteSettings } from './settings.js';

/** The request context of every call the suite makes. */
export const ME: RequestContext = { projectId: 'plugin-conformance' };
/** The provider of the plugin under test, over the main bank and the copy destination. */
export const MAIN = 'conformance';
/** The provider of the plugin stripped of verify and copy, over the bare banks. */
export const BARE = 'conformance-bare';
/** The name of both providers' copy destination. */
export const DESTINATION = 'conformance-copy';

/** Everything one bank kind's cases share. */
export interface World {
  /** The plugin under test and its test resources, as `create` made them. */
  readonly subject: PluginSuiteSubject;
  /** The subject's resources, in its order. */
  readonly resources: readonly Resource[];
  /** The service's record store (in memory). */
  readonly store: Store;
  /** The protection service, with the providers {@link MAIN} and {@link BARE}. */
  readonly service: ProtectionService;
  /** Fault-injecting drivers by bank: main, copy, bare-main, bare-copy. */
  readonly drivers: Readonly<Record<'main' | 'copy' | 'bareMain' | 'bareCopy', FaultyDriver>>;
  /** The banks over those drivers. */
  readonly banks: Readonly<Record<'main' | 'copy' | 'bareMain' | 'bareCopy', Bank>>;
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

/**
 * Registers, in the current `describe` block, the `beforeAll` that makes the block's
 * {@link World} on bank kind `kind` and the `afterAll` that releases it; returns the accessor
 * the cases read it through, which throws when the setup failed.
 */
export function setUpWorld(kind: PluginSuiteBankKind, settings: SuiteSettings): () => World {
  const { name, create, count } = settings;
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

  return the;
}
