/**
 * Compare-and-swap updates of JSON documents: read the document and its version, compute the
 * new value, write it only if the version did not move (`ifMatch`, or `ifNoneMatch: '*'` for a
 * new document), and on a lost race wait a random, growing delay (full jitter) and start over.
 * After `maxAttempts` lost races the update fails with `KTS_ERR_CONFLICT` (retryable).
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { VersionedDocument } from '../core/bank-section.js';
import { ConflictError, isFrameworkError } from '../core/errors.js';
import { encodeJson, readJsonDocument } from './documents.js';
import type { BankDriver } from './driver.js';
import { invalidOption } from './internal/errors.js';

/** How compare-and-swap updates retry. */
export interface CasOptions {
  /**
   * Attempts before giving up with `KTS_ERR_CONFLICT`.
   * @default 100
   */
  readonly maxAttempts?: number;
  /**
   * The first backoff window in milliseconds; it doubles after every lost race.
   * @default 1
   */
  readonly baseDelayMs?: number;
  /**
   * The largest backoff window in milliseconds.
   * @default 50
   */
  readonly maxDelayMs?: number;
}

/** {@link CasOptions} with every default filled in. */
export type ResolvedCasOptions = Required<CasOptions>;

/** Validates {@link CasOptions} and fills in defaults. */
export function resolveCasOptions(options: CasOptions = {}): ResolvedCasOptions {
  const { maxAttempts = 100, baseDelayMs = 1, maxDelayMs = 50 } = options;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) throw invalidOption('cas.maxAttempts', 'an integer ≥ 1', maxAttempts);
  if (!Number.isFinite(baseDelayMs) || baseDelayMs < 0) throw invalidOption('cas.baseDelayMs', 'a number ≥ 0', baseDelayMs);
  if (!Number.isFinite(maxDelayMs) || maxDelayMs < baseDelayMs) throw invalidOption('cas.maxDelayMs', `a number ≥ baseDelayMs (${baseDelayMs})`, maxDelayMs);
  return { maxAttempts, baseDelayMs, maxDelayMs };
}

/** Runs a compare-and-swap update of the JSON document at a full driver key. */
export async function updateJsonDocument<T>(
  driver: BankDriver,
  key: string,
  update: (current: T | undefined) => T | Promise<T>,
  options: ResolvedCasOptions,
  durable?: boolean,
): Promise<VersionedDocument<T>> {
  for (let attempt = 1; ; attempt++) {
    const current = await readJsonDocument<T>(driver, key);
    const next = await update(current?.value);
    const body = encodeJson(key, next);
    try {
      const condition = current === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: current.version };
      const info = await driver.put(key, body, { ...condition, ...(durable === undefined ? {} : { durable }) });
      return { value: next, version: info.version };
    } catch (error) {
      if (!isFrameworkError(error, 'KTS_ERR_BANK_PRECONDITION_FAILED')) throw error;
      if (attempt >= options.maxAttempts) {
        throw new ConflictError(`Updating ${JSON.stringify(key)} lost ${attempt} races against concurrent writers`, {
          code: 'KTS_ERR_CONFLICT',
          details: { key, attempts: attempt },
          cause: error,
        });
      }
      const window = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.random() * window);
    }
  }
}
