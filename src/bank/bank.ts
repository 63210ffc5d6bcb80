/**
 * The bank facade: {@link createBank} turns a small {@link BankDriver} into a {@link Bank}, the
 * root {@link BankSection} plus leases. The facade does what drivers must not each repeat: key
 * safety, sections, JSON encoding, compare-and-swap retries, read-only enforcement, option
 * validation and leases for drivers that lack them.
 *
 * **Owner id.** Leases are taken in the name of `options.owner`. Give a stable id — a
 * configured node name, or {@link loadOrCreateOwnerId} with a path on the node's own disk — so
 * that a restarted node recognises (and re-acquires at once) the leases it held before. When
 * omitted, the bank uses a random `ephemeral-<uuid>` id that does *not* survive a restart:
 * fine for tests and one-shot tools only.
 *
 * @example
 * ```ts
 * const bank = createBank(createFsDriver({ root: '/var/lib/kts/bank' }), {
 *   owner: await loadOrCreateOwnerId('/var/lib/kts/owner-id'),
 * });
 * const checkpoint = bank.section('checkpoints/0b1c');
 * await checkpoint.updateJson('index.json', (doc) => ({ ...doc, status: 'available' }));
 * ```
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { BankSection } from '../core/bank-section.js';
import { resolveCasOptions, type CasOptions } from './cas.js';
import type { BankDriver } from './driver.js';
import { invalidOption } from './internal/errors.js';
import { createBankLeases, type BankLeases } from './leases.js';
import { OWNER_ID_PATTERN } from './owner.js';
import { Section } from './section.js';

/** Options of {@link createBank}. */
export interface BankOptions {
  /**
   * The owner id leases are taken for; keep it stable across restarts (1–128 printable ASCII
   * characters, no spaces).
   * @default `ephemeral-<random uuid>` (changes on every start)
   */
  readonly owner?: string;
  /**
   * Make the whole bank read-only: every write throws `KTS_ERR_BANK_READONLY`.
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * Epoch milliseconds, used for lease documents (drivers with native leases use their own).
   * @default Date.now
   */
  readonly clock?: () => number;
  /**
   * How long a lease lasts when a call gives no `ttlMs`, in milliseconds.
   * @default 60000
   */
  readonly leaseTtlMs?: number;
  /** How `updateJson` retries lost compare-and-swap races. */
  readonly cas?: CasOptions;
}

/** A bank: its root section, its leases, and its driver. */
export interface Bank extends BankSection {
  /** The driver behind the bank. */
  readonly driver: BankDriver;
  /** The owner id leases are taken for. */
  readonly owner: string;
  /** Acquire, renew, release and inspect leases. */
  readonly leases: BankLeases;
  /** Releases the driver's connections and handles. */
  close(): Promise<void>;
}

class RootSection extends Section implements Bank {
  readonly driver: BankDriver;
  readonly owner: string;
  readonly leases: BankLeases;

  constructor(driver: BankDriver, options: BankOptions) {
    super({ driver, cas: resolveCasOptions(options.cas) }, '', options.readOnly === true);
    const owner = options.owner ?? `ephemeral-${randomUUID()}`;
    if (typeof owner !== 'string' || !OWNER_ID_PATTERN.test(owner)) {
      throw invalidOption('owner', '1–128 printable ASCII characters without spaces', owner);
    }
    const leaseTtlMs = options.leaseTtlMs ?? 60_000;
    if (!Number.isSafeInteger(leaseTtlMs) || leaseTtlMs < 1) throw invalidOption('leaseTtlMs', 'an integer ≥ 1 (milliseconds)', leaseTtlMs);
    const clock = options.clock ?? Date.now;
    if (typeof clock !== 'function') throw invalidOption('clock', 'a function returning epoch milliseconds', clock);
    this.driver = driver;
    this.owner = owner;
    this.leases = createBankLeases(driver, { owner, clock, defaultTtlMs: leaseTtlMs });
  }

  async close(): Promise<void> {
    await this.driver.close?.();
  }
}

/** Creates a {@link Bank} over `driver`. Options are checked here, not at first use. */
export function createBank(driver: BankDriver, options: BankOptions = {}): Bank {
  if (typeof driver !== 'object' || driver === null || typeof driver.put !== 'function' || typeof driver.list !== 'function') {
    throw invalidOption('driver', 'a BankDriver', driver);
  }
  return new RootSection(driver, options);
}
