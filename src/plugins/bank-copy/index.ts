/**
 * Bank copy: a reusable copy operation (seed 000) for any resource whose backup data lives in
 * the bank — streaming, bounded, incremental by etag, verified, metadata last, and reverted by
 * deleting only what it created — plus the helpers it is built from.
 *
 * @module
 */
/** Copying every object of a section. */
export { copyObjects, DEFAULT_COPY_CONCURRENCY, type CopyObjectsOptions, type CopyObjectsResult, type CopyOutcome, type ObjectCopier } from './copy-objects.js';
/** The copy operation built on {@link copyObjects}. */
export { createBankCopyOperation, type BankCopyOperation, type BankCopyOperationOptions } from './operation.js';
/** Listing and deleting whole sections. */
export { deleteKeys, isMetadataKey, listAllKeys, type DeleteKeysOptions } from './section-objects.js';
/** Bounded concurrency with cancellation. */
export { asCancelled, forEachLimit, type ForEachLimitOptions, type PoolWorker } from './pool.js';
/** Bodies opened only when their consumer reads them. */
export { lazyBody, type LazyBody } from './lazy-body.js';
