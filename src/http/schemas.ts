/**
 * Request bodies of the Karbor v1 API, as JSON schemas: validated with ajv before a handler
 * runs and published in the OpenAPI document. Shapes follow what the real `karbor` client sends
 * (`extra-info` with a hyphen, `null` for options not given) and the seeds (a verification or
 * copy request may be a list). Plugin parameters are checked later against each plugin's own
 * schemas by the protection service.
 *
 * Every schema is declared `as const`, so the typed client (`karbor-ts/client`) derives its
 * request types from these very objects with json-schema-to-ts's `FromSchema`: one source of
 * truth for the server's validation, the OpenAPI document and the client's types.
 *
 * @module
 */
import type { JsonSchema } from '../core/index.js';

const id = { type: 'string', minLength: 1, maxLength: 255 } as const;
const nullableText = { type: ['string', 'null'], maxLength: 4096 } as const;

/** Parameters keyed by resource type or `Type#id`; each value an object (or null for none). */
export const PARAMETERS = {
  type: 'object',
  propertyNames: { pattern: '^[a-zA-Z0-9-_:.# ]{1,255}$' },
  additionalProperties: { type: ['object', 'null'] },
} as const satisfies JsonSchema;

/** One resource of a plan: `{id, type, name, extra_info}`. */
export const PLAN_RESOURCE = {
  type: 'object',
  required: ['id', 'type', 'name'],
  properties: { id, type: { type: 'string', minLength: 1, maxLength: 255 }, name: { type: 'string', maxLength: 255 }, extra_info: { type: ['object', 'null'] } },
  additionalProperties: false,
} as const satisfies JsonSchema;

const extraInfo = { type: ['object', 'null'], additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } } as const;

/** `POST /plans`. */
export const PLAN_CREATE = wrap('plan', {
  type: 'object',
  required: ['name', 'provider_id', 'resources'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 255 }, description: nullableText, provider_id: id, resources: { type: 'array', minItems: 1, items: PLAN_RESOURCE }, parameters: PARAMETERS },
  additionalProperties: false,
});

/** `PUT /plans/{id}`: at least one field. */
export const PLAN_UPDATE = wrap('plan', {
  type: 'object',
  minProperties: 1,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255 },
    description: nullableText,
    status: { enum: ['suspended', 'started'] },
    resources: { type: 'array', minItems: 1, items: PLAN_RESOURCE },
    parameters: PARAMETERS,
  },
  additionalProperties: false,
});

/** `POST /providers/{id}/checkpoints` (the client sends `extra-info`; `extra_info` is accepted too). */
export const CHECKPOINT_CREATE = wrap('checkpoint', {
  type: 'object',
  required: ['plan_id'],
  properties: { plan_id: id, 'extra-info': extraInfo, extra_info: extraInfo },
  additionalProperties: false,
});

/** `PUT /providers/{id}/checkpoints/{id}`: reset the state. */
export const CHECKPOINT_RESET_STATE = wrap('os-resetState', {
  type: 'object',
  required: ['state'],
  properties: { state: { enum: ['available', 'error'] } },
  additionalProperties: false,
});

/** One item of the copy action: a plan whose checkpoints go to a destination. */
export const COPY_ITEM = {
  type: 'object',
  required: ['plan_id'],
  properties: { provider_id: id, plan_id: id, parameters: PARAMETERS, destination: id },
  additionalProperties: false,
} as const satisfies JsonSchema;

/** `POST /providers/{id}/checkpoints/action`: the seed's list form or Karbor's single object. */
export const CHECKPOINT_COPY = wrap('copy', { oneOf: [COPY_ITEM, { type: 'array', minItems: 1, maxItems: 100, items: COPY_ITEM }] });

/** `POST /restores`. */
export const RESTORE_CREATE = wrap('restore', {
  type: 'object',
  required: ['provider_id', 'checkpoint_id'],
  properties: {
    provider_id: id,
    checkpoint_id: id,
    parameters: PARAMETERS,
    restore_target: nullableText,
    restore_auth: {
      type: ['object', 'null'],
      properties: { type: { type: 'string' }, username: { type: 'string' }, password: { type: 'string' } },
    },
    bank: id,
  },
  additionalProperties: false,
});

/** One item of a verification request: a checkpoint to verify. */
export const VERIFICATION_ITEM = {
  type: 'object',
  required: ['provider_id', 'checkpoint_id'],
  properties: { provider_id: id, checkpoint_id: id, parameters: PARAMETERS, level: { enum: ['presence', 'checksum', 'full'] }, bank: id },
  additionalProperties: false,
} as const satisfies JsonSchema;

/** `POST /verifications`: Karbor's single object or the seed's list. */
export const VERIFICATION_CREATE = wrap('verification', {
  oneOf: [VERIFICATION_ITEM, { type: 'array', minItems: 1, maxItems: 100, items: VERIFICATION_ITEM }],
});

/** `POST /{collection}/{id}/action`: cancel a running operation. */
export const CANCEL_ACTION = wrap('cancel', { type: ['object', 'null'], maxProperties: 0 });

/** The limits a quota or quota class update sets (at least one). */
export const QUOTA_SET = {
  type: 'object',
  minProperties: 1,
  properties: { plans: { type: 'integer', minimum: -1 }, checkpoints: { type: 'integer', minimum: -1 } },
  additionalProperties: false,
} as const satisfies JsonSchema;

/** `PUT /quotas/{project_id}`. */
export const QUOTA_UPDATE = wrap('quota', QUOTA_SET);

/** `PUT /quota_classes/{name}`. */
export const QUOTA_CLASS_UPDATE = wrap('quota_class', QUOTA_SET);

/** `PUT /os-services/{id}` (no wrapper, as the client sends it). */
export const SERVICE_UPDATE = {
  type: 'object',
  required: ['status'],
  properties: { status: { enum: ['enabled', 'disabled'] }, disabled_reason: { type: ['string', 'null'], maxLength: 255 } },
  additionalProperties: false,
} as const satisfies JsonSchema;

/** The schema of an object with the one required key `key` holding `inner` (Karbor's request wrapper). */
export type Wrapped<K extends string, S> = {
  readonly type: 'object';
  readonly required: readonly [K];
  readonly properties: { readonly [P in K]: S };
  readonly additionalProperties: false;
};

function wrap<const K extends string, const S extends JsonSchema>(key: K, inner: S): Wrapped<K, S> {
  return { type: 'object', required: [key], properties: { [key]: inner } as { readonly [P in K]: S }, additionalProperties: false };
}
