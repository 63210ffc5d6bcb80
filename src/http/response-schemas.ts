/**
 * Response bodies of the Karbor v1 API, as JSON schemas declared `as const`: one per view
 * (plan, checkpoint, restore, verification, copy, operation log, provider, protectable type and
 * instance, quota, service) and the wrappers around them (`{"plan": …}`, `{"plans": […],
 * "plans_links": […]}`).
 *
 * They are the single description of what the server answers:
 *
 * - the view functions (`views.ts`) are typed to return `FromSchema<…>` of these schemas, so the
 *   server cannot answer a shape the schemas do not describe (and a test validates real answers
 *   against them with ajv);
 * - the OpenAPI document publishes them as each route's response;
 * - the typed client (`karbor-ts/client`) derives its response types from them.
 *
 * Every view lists all of its keys as required (absent values are `null`; the `karbor` client's
 * tables need identical rows) and allows no others. Status enums are built from the status
 * vocabularies of `core`, so a new status cannot be forgotten here.
 *
 * @module
 */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import {
  CheckpointStatus,
  CopyStatus,
  OperationKind,
  OperationLogStatus,
  ResourceStatus,
  RestoreStatus,
  VerificationLevel,
  VerificationStatus,
  type JsonSchema,
} from '../core/index.js';
import { PlanStatus } from '../store/index.js';

/** The schema of a closed object: every listed property required, no other allowed. */
export type ClosedObject<P> = {
  readonly type: 'object';
  readonly properties: P;
  readonly required: readonly (keyof P & string)[];
  readonly additionalProperties: false;
};

function closed<const P extends Readonly<Record<string, JSONSchema>>>(properties: P): ClosedObject<P> {
  return { type: 'object', properties, required: Object.keys(properties) as (keyof P & string)[], additionalProperties: false };
}

function enumOf<const T extends Readonly<Record<string, string>>>(values: T): { readonly type: 'string'; readonly enum: readonly T[keyof T][] } {
  return { type: 'string', enum: Object.values(values) as T[keyof T][] };
}

const string = { type: 'string' } as const;
const nullableString = { type: ['string', 'null'] } as const;
const integer = { type: 'integer' } as const;
const object = { type: 'object' } as const;
const nullableObject = { type: ['object', 'null'] } as const;
const stringMap = { type: 'object', additionalProperties: string } as const;
const resourceStatusMap = { type: 'object', additionalProperties: enumOf(ResourceStatus) } as const;
const schemaMap = { type: 'object', additionalProperties: object } as const;

/** A resource: `{id, type, name, extra_info}`. */
export const RESOURCE_VIEW = closed({ id: string, type: string, name: nullableString, extra_info: nullableObject });

/** Progress of a running (or finished) operation: resources and bytes, and a percentage. */
export const PROGRESS_VIEW = closed({
  resources_done: integer,
  resources_total: integer,
  bytes_done: integer,
  bytes_total: integer,
  percent: { type: 'number', minimum: 0, maximum: 100 },
});

/** A provider, with its extended-info schemas by resource type and its copy destinations. */
export const PROVIDER_VIEW = closed({
  id: string,
  name: string,
  description: string,
  extended_info_schema: closed({
    options_schema: schemaMap,
    restore_schema: schemaMap,
    saved_info_schema: schemaMap,
    verify_schema: schemaMap,
    copy_schema: schemaMap,
    verification_levels: { type: 'object', additionalProperties: { type: 'array', items: enumOf(VerificationLevel) } },
  }),
  destinations: { type: 'array', items: string },
});

/** A plan. */
export const PLAN_VIEW = closed({
  id: string,
  name: string,
  description: string,
  provider_id: string,
  status: enumOf(PlanStatus),
  resources: { type: 'array', items: RESOURCE_VIEW },
  parameters: object,
  project_id: string,
  created_at: string,
  updated_at: string,
});

/** A checkpoint, as read from one bank (`bank`). */
export const CHECKPOINT_VIEW = closed({
  id: string,
  project_id: string,
  provider_id: string,
  status: enumOf(CheckpointStatus),
  protection_plan: closed({ id: string, name: string, provider_id: string, resources: { type: 'array', items: RESOURCE_VIEW } }),
  resource_graph: { ...nullableString, description: 'Karbor\'s resource graph: a JSON string of [nodes, edges].' },
  created_at: string,
  updated_at: string,
  extra_info: object,
  bank: string,
  resources_status: resourceStatusMap,
  resources_reason: stringMap,
  progress: { oneOf: [PROGRESS_VIEW, { type: 'null' }] },
  error: nullableString,
  copy_of: { oneOf: [closed({ checkpoint_id: string, copy_id: string, bank: string }), { type: 'null' }] },
  copied_to: {
    oneOf: [{ type: 'object', additionalProperties: closed({ checkpoint_id: string, copy_id: string, copied_at: string }) }, { type: 'null' }],
  },
});

/** The fields every run record (restore, verification, copy) shows. */
const RUN_FIELDS = {
  resources_status: resourceStatusMap,
  resources_reason: stringMap,
  progress: PROGRESS_VIEW,
  error: nullableString,
  created_at: string,
  updated_at: string,
} as const;

/** A restore (never its credentials). */
export const RESTORE_VIEW = closed({
  id: string,
  project_id: string,
  provider_id: string,
  checkpoint_id: string,
  restore_target: nullableString,
  parameters: object,
  status: enumOf(RestoreStatus),
  ...RUN_FIELDS,
  bank: string,
});

/** A verification, with the seed's `resource_status`/`resource_reason` and Karbor's `resources_*`. */
export const VERIFICATION_VIEW = closed({
  id: string,
  project_id: string,
  provider_id: string,
  checkpoint_id: string,
  parameters: object,
  status: enumOf(VerificationStatus),
  resource_status: resourceStatusMap,
  resource_reason: stringMap,
  ...RUN_FIELDS,
  level: { oneOf: [enumOf(VerificationLevel), { type: 'null' }] },
  bank: string,
});

/** A copy, with its source → copy checkpoint pairs (also in Karbor's `checkpoint_id` form). */
export const COPY_VIEW = closed({
  id: string,
  project_id: string,
  provider_id: string,
  plan_id: string,
  destination: string,
  parameters: object,
  status: enumOf(CopyStatus),
  checkpoints: {
    type: 'array',
    items: closed({ source_checkpoint_id: string, copy_checkpoint_id: nullableString, status: enumOf(CopyStatus), reason: nullableString }),
  },
  checkpoint_id: { type: 'array', items: closed({ checkpoint_protect_id: string, checkpoint_copy_id: nullableString }) },
  ...RUN_FIELDS,
});

/** An operation log. */
export const OPERATION_LOG_VIEW = closed({
  id: string,
  project_id: string,
  operation_type: enumOf(OperationKind),
  checkpoint_id: nullableString,
  plan_id: nullableString,
  provider_id: string,
  restore_id: nullableString,
  verification_id: nullableString,
  copy_id: nullableString,
  scheduled_operation_id: { type: 'null' },
  status: enumOf(OperationLogStatus),
  started_at: string,
  ended_at: nullableString,
  error_info: nullableString,
  extra_info: object,
  bank: nullableString,
});

/** A protectable type and the types that can depend on it. */
export const PROTECTABLE_TYPE_VIEW = closed({ name: string, dependent_types: { type: 'array', items: string } });

/** A protectable instance with the resources that depend on it. */
export const PROTECTABLE_INSTANCE_VIEW = closed({ ...RESOURCE_VIEW.properties, dependent_resources: { type: 'array', items: RESOURCE_VIEW } });

/** A set of limits (`-1` is unlimited), as a quota or quota class update answers it. */
export const QUOTA_LIMITS_VIEW = closed({ plans: integer, checkpoints: integer });

/** A project's quotas or a quota class, with its id (the project id or the class name). */
export const QUOTA_VIEW = closed({ id: string, ...QUOTA_LIMITS_VIEW.properties });

/** A limit with its use. */
export const QUOTA_USAGE_VIEW = closed({ limit: integer, in_use: integer, reserved: integer });

/** A project's quotas with what is in use. */
export const QUOTA_DETAIL_VIEW = closed({ id: string, plans: QUOTA_USAGE_VIEW, checkpoints: QUOTA_USAGE_VIEW });

/** A protection-service node. */
export const SERVICE_VIEW = closed({
  id: integer,
  binary: string,
  host: string,
  status: { type: 'string', enum: ['enabled', 'disabled'] },
  state: { type: 'string', enum: ['up', 'down'] },
  updated_at: string,
  disabled_reason: nullableString,
});

/** A `<collection>_links` entry: the `next` page's absolute URL. */
export const LINK_VIEW = closed({ rel: string, href: string });

/** A resource view. */
export type ResourceView = FromSchema<typeof RESOURCE_VIEW>;
/** A progress view. */
export type ProgressView = FromSchema<typeof PROGRESS_VIEW>;
/** A provider view. */
export type ProviderView = FromSchema<typeof PROVIDER_VIEW>;
/** A plan view. */
export type PlanView = FromSchema<typeof PLAN_VIEW>;
/** A checkpoint view. */
export type CheckpointView = FromSchema<typeof CHECKPOINT_VIEW>;
/** A restore view. */
export type RestoreView = FromSchema<typeof RESTORE_VIEW>;
/** A verification view. */
export type VerificationView = FromSchema<typeof VERIFICATION_VIEW>;
/** A copy view. */
export type CopyView = FromSchema<typeof COPY_VIEW>;
/** An operation-log view. */
export type OperationLogView = FromSchema<typeof OPERATION_LOG_VIEW>;
/** A protectable-type view. */
export type ProtectableTypeView = FromSchema<typeof PROTECTABLE_TYPE_VIEW>;
/** A protectable-instance view. */
export type ProtectableInstanceView = FromSchema<typeof PROTECTABLE_INSTANCE_VIEW>;
/** A quota-limits view (update answers). */
export type QuotaLimitsView = FromSchema<typeof QUOTA_LIMITS_VIEW>;
/** A quota (or quota class) view. */
export type QuotaView = FromSchema<typeof QUOTA_VIEW>;
/** A quota-detail view. */
export type QuotaDetailView = FromSchema<typeof QUOTA_DETAIL_VIEW>;
/** A service view. */
export type ServiceView = FromSchema<typeof SERVICE_VIEW>;
/** A next-page link. */
export type LinkView = FromSchema<typeof LINK_VIEW>;

/** The body schema of a single answer: `{"<key>": <view>}`. */
export function singleBody(key: string, view: JsonSchema): JsonSchema {
  return { type: 'object', required: [key], properties: { [key]: view }, additionalProperties: false };
}

/** The body schema of a list answer: `{"<key>": [<view>…], "<key>_links": [next]}` (links only on a full page). */
export function listBody(key: string, view: JsonSchema): JsonSchema {
  return {
    type: 'object',
    required: [key],
    properties: { [key]: { type: 'array', items: view }, [`${key}_links`]: { type: 'array', items: LINK_VIEW } },
    additionalProperties: false,
  };
}

/**
 * The view schema behind each response key of the route table (`plan` and `plans` → the plan
 * view…). Routes whose key is ambiguous (`protectable_type`) or whose body has several forms
 * (the verification and copy list forms) declare their `response` schema themselves.
 */
export const VIEWS_BY_KEY: Readonly<Record<string, { readonly view: JsonSchema; readonly list: boolean }>> = {
  provider: { view: PROVIDER_VIEW, list: false },
  providers: { view: PROVIDER_VIEW, list: true },
  plan: { view: PLAN_VIEW, list: false },
  plans: { view: PLAN_VIEW, list: true },
  checkpoint: { view: CHECKPOINT_VIEW, list: false },
  checkpoints: { view: CHECKPOINT_VIEW, list: true },
  restore: { view: RESTORE_VIEW, list: false },
  restores: { view: RESTORE_VIEW, list: true },
  verification: { view: VERIFICATION_VIEW, list: false },
  verifications: { view: VERIFICATION_VIEW, list: true },
  copy: { view: COPY_VIEW, list: false },
  copies: { view: COPY_VIEW, list: true },
  operation_log: { view: OPERATION_LOG_VIEW, list: false },
  operation_logs: { view: OPERATION_LOG_VIEW, list: true },
  instance: { view: PROTECTABLE_INSTANCE_VIEW, list: false },
  instances: { view: PROTECTABLE_INSTANCE_VIEW, list: true },
  quota: { view: QUOTA_VIEW, list: false },
  quota_class: { view: QUOTA_VIEW, list: false },
  service: { view: SERVICE_VIEW, list: false },
  services: { view: SERVICE_VIEW, list: true },
};

/** `{"verification": …}` for one item, `{"verifications": […]}` for a list of several. */
export const VERIFICATION_CREATED = {
  oneOf: [singleBody('verification', VERIFICATION_VIEW), singleBody('verifications', { type: 'array', minItems: 2, items: VERIFICATION_VIEW })],
} as const satisfies JsonSchema;

/** `{"copy": …}` for one item, `{"copies": […]}` for a list of several. */
export const COPY_CREATED = {
  oneOf: [singleBody('copy', COPY_VIEW), singleBody('copies', { type: 'array', minItems: 2, items: COPY_VIEW })],
} as const satisfies JsonSchema;

/** `GET /protectables`: the type names, under the singular key as Karbor answers. */
export const PROTECTABLE_TYPES_BODY = singleBody('protectable_type', { type: 'array', items: string });

/** `GET /protectables/{type}`. */
export const PROTECTABLE_TYPE_BODY = singleBody('protectable_type', PROTECTABLE_TYPE_VIEW);

/** `PUT /quotas/{id}` and `PUT /quota_classes/{name}`: the limits set, without an id. */
export function quotaUpdatedBody(key: 'quota' | 'quota_class'): JsonSchema {
  return singleBody(key, QUOTA_LIMITS_VIEW);
}
