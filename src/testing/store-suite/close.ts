/**
 * The `close` group of the record-store conformance suite: calls after close are refused.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, it } from 'vitest';
import type { Store } from '../../store/index.js';
import type { RunningCase } from './context.js';
import { plan } from './fixtures.js';
import { expectCode } from './helpers.js';

/** Registers the suite's `close` group over the running case's store. */
export function describeClose(running: RunningCase): void {
  describe('close', () => {
    let store: Store;
    beforeEach(() => {
      store = running.store;
    });

    it('refuses calls after close with KTS_ERR_STORE_CLOSED', async () => {
      await store.close();
      await expectCode(store.plans.get(randomUUID()), 'KTS_ERR_STORE_CLOSED');
      await expectCode(store.plans.insert(plan()), 'KTS_ERR_STORE_CLOSED');
      await expectCode(store.leases.holder('node:1'), 'KTS_ERR_STORE_CLOSED');
    });
  });
}
