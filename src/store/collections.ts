/**
 * The record collections as every store implementation sees them: their names, the fields
 * `list` filters and sorts on, and the fields a record must carry as strings. Declared once here
 * so that the memory and SQLite stores (and the conformance suite) cannot drift apart.
 *
 * @module
 */
import type { Store } from './store.js';

/** The name of one record collection of a {@link Store}. */
export type CollectionName = 'plans' | 'restores' | 'verifications' | 'copies' | 'operationLogs' | 'quotas' | 'services';

/** What the store knows about one collection. */
export interface CollectionSpec {
  /** The collection's name (also its property on {@link Store}). */
  readonly name: CollectionName;
  /** Fields `list` can filter and sort on (string fields; a missing value sorts as `''`). */
  readonly filterable: readonly string[];
  /** Fields besides the base ones that every record must carry as a string. */
  readonly required: readonly string[];
}

/** The fields every collection sorts on besides its filterable ones. */
export const BASE_SORT_KEYS = ['createdAt', 'updatedAt', 'id'] as const;

/** The collections, in a stable order. */
export const COLLECTION_NAMES: readonly CollectionName[] = ['plans', 'restores', 'verifications', 'copies', 'operationLogs', 'quotas', 'services'];

/** The specification of every collection. */
export const COLLECTIONS: { readonly [K in CollectionName]: CollectionSpec } = {
  plans: { name: 'plans', filterable: ['name', 'status', 'providerId', 'description'], required: ['name', 'status', 'providerId'] },
  restores: { name: 'restores', filterable: ['status', 'providerId', 'checkpointId'], required: ['status', 'providerId', 'checkpointId'] },
  verifications: {
    name: 'verifications',
    filterable: ['status', 'providerId', 'checkpointId'],
    required: ['providerId', 'checkpointId'],
  },
  copies: {
    name: 'copies',
    filterable: ['status', 'providerId', 'planId', 'destination'],
    required: ['status', 'providerId', 'planId', 'destination'],
  },
  operationLogs: {
    name: 'operationLogs',
    filterable: ['status', 'operationType', 'providerId', 'checkpointId', 'planId', 'restoreId', 'verificationId', 'copyId'],
    required: ['status', 'operationType', 'providerId', 'startedAt'],
  },
  quotas: { name: 'quotas', filterable: ['scope', 'name'], required: ['scope', 'name'] },
  services: { name: 'services', filterable: ['binary', 'host', 'status'], required: ['binary', 'host', 'status'] },
};

/** The fields `list` can sort `spec`'s collection on. */
export function sortKeysOf(spec: CollectionSpec): readonly string[] {
  return [...BASE_SORT_KEYS, ...spec.filterable];
}

/** Whether `field` is never missing on a valid record of `spec` (so it needs no `''` default). */
export function isAlwaysPresent(spec: CollectionSpec, field: string): boolean {
  return (BASE_SORT_KEYS as readonly string[]).includes(field) || spec.required.includes(field);
}
