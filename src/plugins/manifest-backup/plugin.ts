/**
 * Wiring shared by the plugins whose backup is the objects of the resource's bank section with
 * one manifest: their delete and copy hooks.
 *
 * @module
 */
import type { CopyOperation, ProtectionPlugin } from '../../core/plugin.js';
import { createBankCopyOperation, deleteKeys, listAllKeys } from '../bank-copy/index.js';

/** Options of {@link deleteAndCopyOperations}. */
export interface DeleteAndCopyOptions {
  /** The manifest's key: the one metadata object, deleted first and copied last. */
  readonly manifestKey: string;
  /** Objects deleted or copied at once. */
  readonly concurrency: number;
  /** What a delete logs once done, with the number of objects (`Image backup deleted`). */
  readonly deletedMessage: string;
}

/** The delete hooks (every object of the section) and the bank-copy hooks, to spread into a plugin. */
export function deleteAndCopyOperations(options: DeleteAndCopyOptions): Pick<ProtectionPlugin, 'getDeleteOperation'> & CopyOperation {
  const { manifestKey, concurrency, deletedMessage } = options;
  const isMetadata = (key: string): boolean => key === manifestKey;
  return {
    getDeleteOperation: () => ({
      async onMain(context) {
        const keys = await listAllKeys(context.bank, { signal: context.signal });
        await deleteKeys(context.bank, keys, { concurrency, signal: context.signal, isMetadata });
        context.logger.info(deletedMessage, { objects: keys.length });
      },
    }),
    getCopyOperation: () => createBankCopyOperation({ concurrency, isMetadata }),
  };
}

