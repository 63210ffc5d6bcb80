/**
 * The tables of the SQLite store, declared through the generic column mapping: one table per
 * collection, a real snake_case column for every filterable or sortable field (and for the
 * seed's columns), JSON text for structured fields, and `extra` (JSON) for the rest — for
 * example `bank`, `level`, `progress`, `failure`, `ownerId` and `incarnation` of run records.
 *
 * The verifications table has exactly seed 001's columns (`id`, `project_id`, `provider_id`,
 * `checkpoint_id`, `status`, `parameters`, `resources_status`, `resources_reason`,
 * `created_at`, `updated_at`, `deleted_at`) plus `extra` and `revision` (which every table has:
 * see migration `0003_revisions`). The DDL lives in `migrations.ts`, frozen; a test checks that
 * every column declared here exists there.
 *
 * @module
 */
import { COLLECTIONS, type CollectionName } from './collections.js';
import { defineTable, json, text, type TableSpec } from './sqlite-columns.js';

/** The table of every collection. */
export const TABLES: { readonly [K in CollectionName]: TableSpec } = {
  plans: defineTable(COLLECTIONS.plans, 'plans', [
    text('name'),
    text('description'),
    text('providerId'),
    text('status'),
    json('resources'),
    json('parameters'),
  ]),
  restores: defineTable(COLLECTIONS.restores, 'restores', [
    text('providerId'),
    text('checkpointId'),
    text('status'),
    text('restoreTarget'),
    json('parameters'),
    json('resourcesStatus'),
    json('resourcesReason'),
  ]),
  verifications: defineTable(COLLECTIONS.verifications, 'verifications', [
    text('providerId'),
    text('checkpointId'),
    text('status'),
    json('parameters'),
    json('resourcesStatus'),
    json('resourcesReason'),
  ]),
  copies: defineTable(COLLECTIONS.copies, 'copies', [
    text('providerId'),
    text('planId'),
    text('destination'),
    text('status'),
    json('parameters'),
    json('resourcesStatus'),
    json('resourcesReason'),
    json('checkpoints'),
  ]),
  operationLogs: defineTable(COLLECTIONS.operationLogs, 'operation_logs', [
    text('operationType'),
    text('providerId'),
    text('checkpointId'),
    text('planId'),
    text('restoreId'),
    text('verificationId'),
    text('copyId'),
    text('status'),
    text('startedAt'),
    text('endedAt'),
    json('errorInfo'),
    json('extraInfo'),
  ]),
  quotas: defineTable(COLLECTIONS.quotas, 'quotas', [text('scope'), text('name'), json('limits')]),
  services: defineTable(COLLECTIONS.services, 'services', [text('binary'), text('host'), text('status'), text('disabledReason')]),
};

/** The table of store leases. */
export const LEASES_TABLE = 'leases';
