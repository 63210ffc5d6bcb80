/**
 * Whole-section helpers for plugins whose backup data lives in the bank: list every key of a
 * section (page by page), and delete a set of keys with bounded concurrency, metadata first,
 * so that a half-deleted resource never still looks complete.
 *
 * @module
 */
import type { BankSection } from '../../core/bank-section.js';
import { PluginError, isCancellation, messageOf } from '../../core/errors.js';
import { asCancelled, forEachLimit } from './pool.js';

const LIST_PAGE = 1000;

/**
 * Whether `key` names a metadata object — copied last and deleted first, so a partial copy or
 * delete never looks complete. The default rule: the last segment ends in `.json` (a manifest,
 * an index) or is `metadata` or `status` (Karbor's names).
 */
export function isMetadataKey(key: string): boolean {
  const last = key.slice(key.lastIndexOf('/') + 1);
  return last.endsWith('.json') || last === 'metadata' || last === 'status';
}

/** Every key of `section` (optionally under `prefix`), in listing order, read page by page. */
export async function listAllKeys(section: BankSection, options: { prefix?: string; signal?: AbortSignal } = {}): Promise<string[]> {
  const keys: string[] = [];
  let marker: string | undefined;
  do {
    if (options.signal?.aborted) throw asCancelled(options.signal.reason);
    const page = await section.list({
      limit: LIST_PAGE,
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
      ...(marker === undefined ? {} : { marker }),
    });
    keys.push(...page.keys);
    marker = page.nextMarker;
  } while (marker !== undefined);
  return keys;
}

/** Options of {@link deleteKeys}. */
export interface DeleteKeysOptions {
  /** Deletes running at once. @default 4 */
  readonly concurrency?: number;
  /** Which keys are metadata (deleted first, one by one). @default {@link isMetadataKey} */
  readonly isMetadata?: (key: string) => boolean;
  /** Stops deleting. */
  readonly signal?: AbortSignal;
  /** Called after each key was deleted. */
  readonly onDeleted?: (key: string) => void;
}

/**
 * Deletes `keys` from `section`: metadata keys first (one at a time), then the rest with
 * bounded concurrency. Every key is attempted; if some deletes fail, one
 * `KTS_ERR_PLUGIN_OPERATION_FAILED` error names them (its `cause` is the first failure).
 */
export async function deleteKeys(section: BankSection, keys: Iterable<string>, options: DeleteKeysOptions = {}): Promise<void> {
  const isMetadata = options.isMetadata ?? isMetadataKey;
  const all = [...keys];
  const failed: { key: string; error: unknown }[] = [];
  const remove = async (key: string): Promise<void> => {
    try {
      await section.delete(key);
      options.onDeleted?.(key);
    } catch (error) {
      if (isCancellation(error)) throw error;
      failed.push({ key, error });
    }
  };
  const poolOptions = (concurrency: number) => ({ concurrency, ...(options.signal === undefined ? {} : { signal: options.signal }) });
  await forEachLimit(all.filter(isMetadata), poolOptions(1), remove);
  await forEachLimit(all.filter((key) => !isMetadata(key)), poolOptions(options.concurrency ?? 4), remove);
  if (failed.length > 0) {
    const shown = failed.slice(0, 5).map(({ key, error }) => `${key} (${messageOf(error)})`).join('; ');
    throw new PluginError(`Could not delete ${failed.length} of ${all.length} objects: ${shown}${failed.length > 5 ? '; …' : ''}`, {
      code: 'KTS_ERR_PLUGIN_OPERATION_FAILED',
      details: { keys: failed.map(({ key }) => key) },
      cause: failed[0]!.error,
    });
  }
}
