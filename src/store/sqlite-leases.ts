/**
 * Store leases on SQLite, in the `leases` table (`name` primary key, `owner`, `expires_at` in
 * epoch ms). Each decision is one conditional statement, so it is atomic across processes:
 * acquire is an upsert whose update only applies when the row is ours or expired; renew is an
 * update only of our unexpired row; release deletes only our row. The rules are those of
 * `leases.ts`, the same as the memory store's.
 *
 * @module
 */
import { leaseHeld, leaseLost } from './errors.js';
import type { SqliteContext } from './internal/sqlite-context.js';
import { checkLeaseArgs, expiryOf } from './leases.js';
import type { SqlRow } from './sqlite-columns.js';
import { LEASES_TABLE } from './sqlite-schema.js';
import type { LeaseTable, StoreLease } from './store.js';

function leaseOf(row: SqlRow): StoreLease {
  return { name: String(row.name), owner: String(row.owner), expiresAt: Number(row.expires_at) };
}

/** A {@link LeaseTable} over the `leases` table. */
export class SqliteLeases implements LeaseTable {
  readonly #context: SqliteContext;

  /** Keeps leases through `context`. */
  constructor(context: SqliteContext) {
    this.#context = context;
  }

  /** Takes the lease if free, expired or already ours; `KTS_ERR_STORE_LEASE_HELD` otherwise. */
  async acquire(name: string, owner: string, ttlMs: number): Promise<StoreLease> {
    checkLeaseArgs(name, owner, ttlMs);
    return this.#context.write('lease acquire', async () => {
      const now = this.#context.clock();
      const row = await this.#context.db
        .insertInto(LEASES_TABLE)
        .values({ name, owner, expires_at: expiryOf(now, ttlMs) })
        .onConflict((conflict) =>
          conflict
            .column('name')
            .doUpdateSet((eb) => ({ owner: eb.ref('excluded.owner'), expires_at: eb.ref('excluded.expires_at') }))
            .where((eb) => eb.or([eb(`${LEASES_TABLE}.owner`, '=', owner), eb(`${LEASES_TABLE}.expires_at`, '<=', now)])),
        )
        .returningAll()
        .executeTakeFirst();
      if (row !== undefined) return leaseOf(row);
      const holder = await this.#live(name, now);
      throw leaseHeld(name, holder ?? { name, owner: 'unknown', expiresAt: now });
    });
  }

  /** Extends our lease; `KTS_ERR_STORE_LEASE_LOST` if we no longer hold it. */
  async renew(name: string, owner: string, ttlMs: number): Promise<StoreLease> {
    checkLeaseArgs(name, owner, ttlMs);
    return this.#context.write('lease renew', async () => {
      const now = this.#context.clock();
      const row = await this.#context.db
        .updateTable(LEASES_TABLE)
        .set({ expires_at: expiryOf(now, ttlMs) })
        .where('name', '=', name)
        .where('owner', '=', owner)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
      if (row === undefined) throw leaseLost(name, owner);
      return leaseOf(row);
    });
  }

  /** Releases our lease (no-op if not ours). */
  async release(name: string, owner: string): Promise<void> {
    checkLeaseArgs(name, owner);
    await this.#context.write('lease release', async () => {
      await this.#context.db.deleteFrom(LEASES_TABLE).where('name', '=', name).where('owner', '=', owner).execute();
    });
  }

  /** The live holder, or `undefined` when free or expired. */
  async holder(name: string): Promise<StoreLease | undefined> {
    checkLeaseArgs(name, 'anyone');
    return this.#context.run('lease holder', () => this.#live(name, this.#context.clock()));
  }

  async #live(name: string, now: number): Promise<StoreLease | undefined> {
    const row = await this.#context.db.selectFrom(LEASES_TABLE).selectAll().where('name', '=', name).where('expires_at', '>', now).executeTakeFirst();
    return row === undefined ? undefined : leaseOf(row);
  }
}
