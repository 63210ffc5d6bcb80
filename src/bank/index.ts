/**
 * The bank module: the {@link createBank} facade (sections, JSON documents and binary objects,
 * key safety, compare-and-swap, read-only sections, leases), the memory and filesystem
 * drivers, and the helpers a third-party driver needs to list and check conditions exactly as
 * the built-in ones do.
 *
 * @module
 */
/** The facade: {@link createBank} and its types. */
export { createBank, type Bank, type BankOptions } from './bank.js';
/** Compare-and-swap retry settings. */
export { type CasOptions } from './cas.js';
/** The driver contract. */
export type { BankCapabilities, BankDriver, LeaseOperations, LeaseRecord } from './driver.js';
/** The filesystem driver. */
export { createFsDriver, type FsDriverOptions } from './drivers/fs.js';
/** The memory driver. */
export { createMemoryDriver, type MemoryDriverOptions } from './drivers/memory.js';
/** The conditional-write rule, for third-party drivers. */
export { checkConditions } from './internal/conditions.js';
/** The coded errors a driver throws, worded and shaped as the built-in drivers do. */
export { cancelled, integrityError, ioError, objectNotFound, preconditionFailed } from './internal/errors.js';
/** The key grammar and the listing order. */
export {
  MAX_KEY_BYTES,
  MAX_SEGMENT_BYTES,
  RESERVED_SEGMENT,
  compareKeys,
  isNormalisedKey,
  joinKey,
  normaliseKey,
  normalisePrefix,
  normaliseSectionPath,
} from './keys.js';
/** Leases. */
export { createDocumentLeases, type BankLeases, type LeaseApproach, type LeaseOptions } from './leases.js';
/** Listing semantics, for third-party drivers. */
export { isPastMarker, matchesListOptions, pageOf, selectPage, takePage } from './listing.js';
/** Metadata rules. */
export { MAX_METADATA_BYTES, normaliseMetadata } from './options.js';
/** Owner ids that survive restarts. */
export { OWNER_ID_PATTERN, loadOrCreateOwnerId } from './owner.js';
/** Integrity checks of stored objects. */
export { verifyObject, type VerifyObjectOptions } from './verify.js';
/** The section contract, declared in core. */
export type {
  BankSection,
  GetObjectOptions,
  ListOptions,
  ListPage,
  ObjectBody,
  ObjectInfo,
  PutObjectOptions,
  VersionedDocument,
} from '../core/bank-section.js';
/** Checkpoints stored in a bank: documents, per-resource sections, indices and claims. */
export { CheckpointCollection, indexTime, type CheckpointListOptions, type CheckpointPage } from './checkpoints.js';
