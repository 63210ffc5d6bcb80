/**
 * The bank-driver conformance suite: one set of vitest cases every {@link BankDriver} passes,
 * so that listing, metadata, etags, ranges, conditional writes, leases, large objects, errors,
 * cancellation and the optional bank-side hash (`hashObject`; its cases skip themselves for a
 * driver without it) behave the same on every back-end. A driver's test file is a few lines:
 *
 * ```ts
 * import { createMemoryDriver } from 'karbor-ts/bank';
 * import { testBankDriver } from 'karbor-ts/testing';
 *
 * testBankDriver({ name: 'memory', create: () => createMemoryDriver() });
 * ```
 *
 * A gap is declared, never left out: `skip: [{ test: 'ranges', reason: 'no ranged reads' }]`
 * skips a group (or one case, named `'<group>: <case title>'`), and the reason is printed in
 * the skipped test's name. Naming a group or case that does not exist fails the suite.
 *
 * Each case gets a fresh driver from `create` and hands it to `cleanup` afterwards. Leases are
 * tested through the bank facade ({@link createBank}), so a driver without native leases is
 * tested with the lease documents the facade keeps over its conditional put.
 *
 * @module
 */
import { afterEach, beforeEach, describe } from 'vitest';
import type { BankDriver, createBank } from '../bank/index.js';
import { bankSideHashCases } from './bank-driver-suite/bank-side-hash.js';
import { cancellationCases } from './bank-driver-suite/cancellation.js';
import { conditionalPutCases } from './bank-driver-suite/conditional-put.js';
import { createSuiteContext, type Case, type SuiteContext } from './bank-driver-suite/context.js';
import { deleteCases } from './bank-driver-suite/delete.js';
import { errorsCases } from './bank-driver-suite/errors.js';
import { etagCases } from './bank-driver-suite/etag.js';
import { createGroupRegistry } from './bank-driver-suite/gaps.js';
import { largeObjectCases } from './bank-driver-suite/large-object.js';
import { leasesCases } from './bank-driver-suite/leases.js';
import { listingCases } from './bank-driver-suite/listing.js';
import { metadataCases } from './bank-driver-suite/metadata.js';
import { rangesCases } from './bank-driver-suite/ranges.js';

/** The groups of the suite, each a `describe` block. */
export const BANK_DRIVER_TEST_GROUPS = [
  'listing',
  'metadata',
  'etag',
  'ranges',
  'conditional-put',
  'leases',
  'large-object',
  'errors',
  'delete',
  'cancellation',
  'bank-side-hash',
] as const;

/** One of {@link BANK_DRIVER_TEST_GROUPS}. */
export type BankDriverTestGroup = (typeof BANK_DRIVER_TEST_GROUPS)[number];

/** A declared gap: a group, or one case as `'<group>: <case title>'`, with the reason. */
export interface BankDriverSkip {
  /** The group id, or `'<group>: <case title>'`. */
  readonly test: BankDriverTestGroup | `${BankDriverTestGroup}: ${string}`;
  /** Why the driver cannot pass it; printed in the skipped test's name. */
  readonly reason: string;
}

/** Options of {@link testBankDriver}. */
export interface BankDriverSuiteOptions {
  /** The driver's name in test titles. */
  readonly name: string;
  /** Makes a fresh, empty driver for one case. */
  readonly create: () => BankDriver | Promise<BankDriver>;
  /** Disposes of what `create` made (after the driver's own `close`). */
  readonly cleanup?: (driver: BankDriver) => void | Promise<void>;
  /** Declared gaps. */
  readonly skip?: readonly BankDriverSkip[];
  /**
   * Size of the object in the `large-object` case, in bytes.
   * @default 67108864 (64 MiB)
   */
  readonly largeObjectBytes?: number;
}

/** The cases of each group; the groups run in the order of {@link BANK_DRIVER_TEST_GROUPS}. */
const GROUP_CASES: Readonly<Record<BankDriverTestGroup, (test: Case, suite: SuiteContext) => void>> = {
  listing: listingCases,
  metadata: metadataCases,
  etag: etagCases,
  ranges: rangesCases,
  'conditional-put': conditionalPutCases,
  leases: leasesCases,
  'large-object': largeObjectCases,
  errors: errorsCases,
  delete: deleteCases,
  cancellation: cancellationCases,
  'bank-side-hash': bankSideHashCases,
};

/** Registers the conformance cases for one driver. */
export function testBankDriver(options: BankDriverSuiteOptions): void {
  const { name, create, cleanup, skip = [], largeObjectBytes = 64 * 1024 * 1024 } = options;
  const suite = createSuiteContext(largeObjectBytes);
  const registry = createGroupRegistry(skip);

  describe(`bank driver conformance: ${name}`, () => {
    beforeEach(async () => {
      suite.driver = await create();
    });
    afterEach(async () => {
      await suite.driver.close?.();
      await cleanup?.(suite.driver);
    });

    for (const id of BANK_DRIVER_TEST_GROUPS) registry.group(id, (test) => GROUP_CASES[id](test, suite));

    registry.declaresOnlyGapsThatExist();
  });
}
