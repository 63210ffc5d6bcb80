/**
 * The `delete` group of the record-store conformance suite: hard deletes that free the id.
 *
 * @module
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../store/index.js';
import type { RunningCase } from './context.js';
import { restore } from './fixtures.js';

/** Registers the suite's `delete` group over the running case's store. */
export function describeDelete(running: RunningCase): void {
  describe('delete', () => {
    let store: Store;
    beforeEach(() => {
      store = running.store;
    });

    it('hard-deletes, says whether the record existed, and frees the id', async () => {
      const record = await store.restores.insert(restore());
      expect(await store.restores.delete(record.id)).toBe(true);
      expect(await store.restores.get(record.id)).toBeUndefined();
      expect((await store.restores.list({ includeDeleted: true })).items).toEqual([]);
      expect(await store.restores.delete(record.id)).toBe(false);
      expect(await store.restores.insert(record)).toStrictEqual(record);
    });
  });
}
