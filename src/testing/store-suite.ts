/**
 * The record-store conformance suite: one set of vitest cases every {@link Store} passes, so
 * that inserts (of every collection, quotas and service nodes included), atomic updates, listing (scope, filters, dates, sort, marker paging, soft
 * delete), shared reads (entries and their revisions), deletes, leases and — where the store is
 * durable — restarts behave the same on every implementation. A store's test file is a few lines:
 *
 * ```ts
 * import { createMemoryStore } from 'karbor-ts/store';
 * import { testRecordStore } from 'karbor-ts/testing';
 *
 * testRecordStore({ name: 'memory', create: async () => createMemoryStore() });
 * ```
 *
 * Each case gets a fresh, empty store from `create` and closes it afterwards. With `reopen`, the
 * `durability` group closes a store and reopens it (`reopen` gets the closed store and returns a
 * new one over the same data) to check that records and leases survive.
 *
 * @module
 */
import { afterEach, beforeEach, describe } from 'vitest';
import type { Store } from '../store/index.js';
import type { RunningCase } from './store-suite/context.js';
import { describeClose } from './store-suite/close.js';
import { describeDelete } from './store-suite/delete.js';
import { describeDurability } from './store-suite/durability.js';
import { describeLeases } from './store-suite/leases.js';
import { describeListing } from './store-suite/listing.js';
import { describeRecords } from './store-suite/records.js';
import { describeServiceWideRecords } from './store-suite/service-wide-records.js';
import { describeSharedReads } from './store-suite/shared-reads.js';
import { describeUpdate } from './store-suite/update.js';

/** Options of {@link testRecordStore}. */
export interface RecordStoreSuiteOptions {
  /** The implementation's name in test titles. */
  readonly name: string;
  /** Makes a fresh, empty store for one case. */
  readonly create: () => Promise<Store>;
  /** Opens a new store over the data of `previous` (already closed); enables the durability cases. */
  readonly reopen?: (previous: Store) => Promise<Store>;
}

/**
 * Registers the conformance suite for one store implementation (a `describe` block of vitest
 * cases).
 */
export function testRecordStore(options: RecordStoreSuiteOptions): void {
  const { name, create, reopen } = options;

  describe(`record store conformance: ${name}`, () => {
    const running = {} as RunningCase;
    beforeEach(async () => {
      running.store = await create();
    });
    afterEach(async () => {
      await running.store.close();
    });

    describeRecords(running);
    describeUpdate(running);
    describeListing(running);
    describeSharedReads(running);
    describeServiceWideRecords(running);
    describeDelete(running);
    describeLeases(running);
    describeClose(running);
    // Only stores that can be reopened (durable ones) get the durability group; memory has none to declare.
    if (reopen !== undefined) describeDurability(running, reopen);
  });
}
