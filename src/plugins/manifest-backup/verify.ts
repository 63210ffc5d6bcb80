/**
 * Verification shared by the plugins whose backup is data objects listed in a manifest: the
 * `head` checks of one object at a level, the loop that checks every object with progress, and
 * the wording of the one `KTS_ERR_BANK_INTEGRITY` message that lists what is damaged.
 *
 * @module
 */
import type { BankSection } from '../../core/bank-section.js';
import { isCancellation, messageOf } from '../../core/errors.js';
import type { VerificationLevel } from '../../core/operation.js';
import { asCancelled, forEachLimit } from '../bank-copy/index.js';

/** A problem with one object; the plugin adds which object it is. */
export interface ObjectProblem {
  /** What is wrong. */
  readonly problem: 'missing' | 'size' | 'etag' | 'unreadable';
  /** What the manifest says. */
  readonly expected?: string;
  /** What the bank has. */
  readonly found?: string;
}

/**
 * What one `head` shows wrong with the object a manifest records (key, size, md5): missing,
 * unreadable, another size, and — above `presence` — an etag other than its md5. No data is
 * read; a cancellation is rethrown.
 */
export async function headProblems(bank: BankSection, object: { readonly key: string; readonly size: number; readonly md5: string }, level: VerificationLevel, signal: AbortSignal): Promise<ObjectProblem[]> {
  let info;
  try {
    info = await bank.head(object.key);
  } catch (error) {
    if (isCancellation(error) || signal.aborted) throw asCancelled(signal.reason ?? error);
    return [{ problem: 'unreadable', found: messageOf(error) }];
  }
  if (info === undefined) return [{ problem: 'missing' }];
  const found: ObjectProblem[] = [];
  if (info.size !== object.size) found.push({ problem: 'size', expected: `${object.size} bytes`, found: `${info.size} bytes` });
  if (level !== 'presence' && info.etag !== object.md5) found.push({ problem: 'etag', expected: `md5 ${object.md5}`, found: `etag ${info.etag}` });
  return found;
}

/** Options of {@link checkEach}. */
export interface CheckEachOptions {
  /** Items checked at once. */
  readonly concurrency: number;
  /** Stops the checks. */
  readonly signal: AbortSignal;
  /** Hears the share of items checked after each one. */
  readonly onFraction?: (fraction: number) => void;
}

/** Runs `check` over every item, `concurrency` at once, and returns all it found. */
export async function checkEach<T, D>(items: readonly T[], options: CheckEachOptions, check: (item: T, signal: AbortSignal) => Promise<readonly D[]>): Promise<D[]> {
  const found: D[] = [];
  let done = 0;
  await forEachLimit(items, options, async (item, _index, signal) => {
    found.push(...(await check(item, signal)));
    options.onFraction?.(++done / items.length);
  });
  return found;
}

const MESSAGE_LIMIT = 1000;

/** A problem in words: `object missing`, `could not be read: …` or `expected …, found …`. */
export function describeProblem(damage: { readonly problem: string; readonly expected?: string; readonly found?: string }): string {
  if (damage.problem === 'missing') return 'object missing';
  if (damage.problem === 'unreadable') return `could not be read: ${damage.found ?? 'unknown error'}`;
  return `expected ${damage.expected ?? '?'}, found ${damage.found ?? '?'}`;
}

/** `head` then `lines` joined by `; `, cut near 1,000 characters with the count of lines left out. */
export function cappedMessage(head: string, lines: readonly string[]): string {
  let message = head;
  let shown = 0;
  for (const line of lines) {
    if (shown > 0 && message.length + line.length > MESSAGE_LIMIT) break;
    message += `${shown > 0 ? '; ' : ''}${line}`;
    shown++;
  }
  if (shown < lines.length) message += `; and ${lines.length - shown} more problems (see details.damaged)`;
  return message;
}
