/**
 * A ready-made copy operation for any plugin whose backup data lives in the bank: `onMain`
 * copies every object of the resource's section (`ctx.bank`, the source) to `ctx.destination`
 * with {@link copyObjects}; `onRevert` deletes exactly the objects this operation created —
 * never an object that was already at the destination (skipped, or overwritten because it held
 * other content).
 *
 * @example
 * ```ts
 * const plugin = defineProtectionPlugin({
 *   // …protect, restore, delete…
 *   getCopyOperation: () => createBankCopyOperation({ isMetadata: (key) => key === 'manifest.json' }),
 * });
 * ```
 *
 * @module
 */
import type { BankSection } from '../../core/bank-section.js';
import type { CopyContext, Operation } from '../../core/operation.js';
import { copyObjects, DEFAULT_COPY_CONCURRENCY, type CopyObjectsOptions } from './copy-objects.js';
import { deleteKeys } from './section-objects.js';

/** Options of {@link createBankCopyOperation}. */
export type BankCopyOperationOptions = Pick<CopyObjectsOptions, 'concurrency' | 'prefix' | 'isMetadata' | 'durable'>;

/** The copy operation, plus a look at what it wrote (for tests and diagnostics). */
export interface BankCopyOperation extends Operation<CopyContext> {
  /** Keys this operation created in `destination` for copy checkpoint `copyCheckpointId` and has not reverted. */
  createdKeys(copyCheckpointId: string, destination: BankSection): readonly string[];
}

/**
 * Creates a copy operation over the bank. What it created is recorded per copy checkpoint and
 * destination section, so one instance can serve several runs. The record lives in memory: a
 * crash between copy and revert leaves the created objects for the caller's clean-up of the
 * failed copy checkpoint.
 */
export function createBankCopyOperation(options: BankCopyOperationOptions = {}): BankCopyOperation {
  const journals = new Map<string, Set<string>>();
  const journalKey = (copyCheckpointId: string, destination: BankSection): string => `${copyCheckpointId}\u0000${destination.prefix}`;
  const journalOf = (context: CopyContext): Set<string> => {
    const key = journalKey(context.copyCheckpoint.id, context.destination);
    let journal = journals.get(key);
    if (journal === undefined) journals.set(key, (journal = new Set()));
    return journal;
  };

  return {
    async onMain(context) {
      const journal = journalOf(context);
      const result = await copyObjects(context.bank, context.destination, {
        ...options,
        signal: context.signal,
        progress: context.progress,
        onWritten: (key, _info, outcome) => {
          if (outcome === 'created') journal.add(key);
        },
      });
      context.logger.info('Copied the resource objects to the destination bank', {
        created: result.created.length,
        replaced: result.replaced.length,
        skipped: result.skipped.length,
        bytesCopied: result.bytesCopied,
        bytesSkipped: result.bytesSkipped,
      });
    },

    async onRevert(context) {
      const key = journalKey(context.copyCheckpoint.id, context.destination);
      const journal = journals.get(key);
      if (journal === undefined || journal.size === 0) return;
      context.logger.info('Reverting a copy: deleting the objects it created', { objects: journal.size });
      await deleteKeys(context.destination, [...journal], {
        concurrency: options.concurrency ?? DEFAULT_COPY_CONCURRENCY,
        signal: context.signal,
        ...(options.isMetadata === undefined ? {} : { isMetadata: options.isMetadata }),
        onDeleted: (deleted) => journal.delete(deleted),
      });
      journals.delete(key);
    },

    createdKeys(copyCheckpointId, destination) {
      return [...(journals.get(journalKey(copyCheckpointId, destination)) ?? [])];
    },
  };
}
