/**
 * The two stores the quota and service-node tests run on: memory, and SQLite on a fresh file
 * (so a second store can open the same file, as a second process would).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createMemoryStore, createSqliteStore, type Store } from '../../src/store/index.js';

/** A kind of store: a fresh one, and another over the same data (where the kind allows). */
export interface StoreKind {
  readonly name: string;
  /** A fresh, empty store. */
  readonly create: () => Promise<Store>;
  /** A second store over the data of `store` (the same object for memory). */
  readonly share: (store: Store) => Promise<Store>;
}

const dir = mkdtempSync(join(tmpdir(), 'kts-protection-stores-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const paths = new WeakMap<Store, string>();

export const STORE_KINDS: readonly StoreKind[] = [
  { name: 'memory', create: async () => createMemoryStore(), share: async (store) => store },
  {
    name: 'sqlite',
    create: async () => {
      const path = join(dir, `${randomUUID()}.sqlite`);
      const store = await createSqliteStore({ path });
      paths.set(store, path);
      return store;
    },
    share: async (store) => {
      const shared = await createSqliteStore({ path: paths.get(store)! });
      paths.set(shared, paths.get(store)!);
      return shared;
    },
  },
];
