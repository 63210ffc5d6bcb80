/**
 * The one rule for conditional writes, shared by drivers that check conditions themselves:
 * `ifNoneMatch: '*'` needs the key to be free, `ifMatch` needs the current version to be the
 * given one (an absent object matches no version). Both may be given; both must then hold.
 *
 * @module
 */
import type { PutObjectOptions } from '../../core/bank-section.js';
import { preconditionFailed } from './errors.js';

/** Throws `KTS_ERR_BANK_PRECONDITION_FAILED` when a condition of `options` fails for `current`. */
export function checkConditions(key: string, current: { readonly version: string } | undefined, options: PutObjectOptions): void {
  if (options.ifNoneMatch === '*' && current !== undefined) throw preconditionFailed(key, 'ifNoneMatch: *');
  if (options.ifMatch !== undefined && current?.version !== options.ifMatch) {
    throw preconditionFailed(key, `ifMatch: ${options.ifMatch}`);
  }
}
