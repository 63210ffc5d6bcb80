/**
 * Request bodies of the Karbor v1 API, as JSON schemas: validated with ajv before a handler
 * runs and published in the OpenAPI document. Shapes follow what the real `karbor` client sends
 * (`extra-info` with a hyphen, `null` for options not given) and the seeds (a verification or
 * copy request may be a list). Plugin parameters are checked later against each plugin's own
 * schemas by the protection service.
 *
 * @module
 */
import type { JsonSchema } from '../core/index.js';

const id = { type: 'string', minLength: 1, maxLength: 255 } as const;
const nullableText = { type: ['string', 'null'], maxLength: 4096 } as const;

/** Parameters keyed by resource type or `Type#id`; each value an object (or null for none). */
export const PARAMETERS: JsonSchema = {
  type: 'object',
  propertyNames: { pattern: '^[a-zA-Z0-9-_:.# ]{1,255}$' },
  additionalProperties: { type: ['object', 'null'] },
};

const resource = {
  type: 'object',
  required: ['id', 'type', 'name'],
  properties: { id, type: { type: 'string', minLength: 1, maxLength: 255 }, name: { type: 'string', maxLength: 255 }, extra_info: { type: ['object', 'null'] } },
  additionalProperties: false,
} as const;

const extraInfo = { type: ['object', 'null'], additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } } as const;

/** `POST /plans`. */
export const PLAN_CREATE: JsonSchema = wrap('plan', {
  type: 'object',
  required: ['name', 'provider_id', 'resources'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 255 }, description: nullableText, provider_id: id, resources: { type: 'array', minItems: 1, items: resource }, parameters: PARAMETERS },
  additionalProperties: false,
});

/** `PUT /plans/{id}`: at least one field. */
export const PLAN_UPDATE: JsonSchema = wrap('plan', {
  type: 'object',
  minProperties: 1,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255 },
    description: nullableText,
    status: { enum: ['suspended', 'started'] },
    resources: { type: 'array', minItems: 1, items: resource },
    parameters: PARAMETERS,
  },
  additionalProperties: false,
});

/** `POST /providers/{id}/checkpoints` (the client sends `extra-info`; `extra_info` is accepted too). */
export const CHECKPOINT_CREATE: JsonSchema = wrap('checkpoint', {
  type: 'object',
  required: ['plan_id'],
  properties: { plan_id: id, 'extra-info': extraInfo, extra_info: extraInfo },
  additionalProperties: false,
});

/** `PUT /providers/{id}/checkpoints/{id}`: reset the state. */
export const CHECKPOINT_RESET_STATE: JsonSchema = wrap('os-resetState', {
  type: 'object',
  required: ['state'],
  properties: { state: { enum: ['available', 'error'] } },
  additionalProperties: false,
});

const copyItem = {
  type: 'object',
  required: ['plan_id'],
  properties: { provider_id: id, plan_id: id, parameters: PARAMETERS, destination: id },
  additionalProperties: false,
} as const;

/** `POST /providers/{id}/checkpoints/action`: the seed's list form or Karbor's single object. */
export const CHECKPOINT_COPY: JsonSchema = wrap('copy', { oneOf: [copyItem, { type: 'array', minItems: 1, maxItems: 100, items: copyItem }] });

/** `POST /restores`. */
export const RESTORE_CREATE: JsonSchema = wrap('restore', {
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

const verificationItem = {
  type: 'object',
  required: ['provider_id', 'checkpoint_id'],
  properties: { provider_id: id, checkpoint_id: id, parameters: PARAMETERS, level: { enum: ['presence', 'checksum', 'full'] }, bank: id },
  additionalProperties: false,
} as const;

/** `POST /verifications`: Karbor's single object or the seed's list. */
export const VERIFICATION_CREATE: JsonSchema = wrap('verification', {
  oneOf: [verificationItem, { type: 'array', minItems: 1, maxItems: 100, items: verificationItem }],
});

/** `POST /{collection}/{id}/action`: cancel a running operation. */
export const CANCEL_ACTION: JsonSchema = wrap('cancel', { type: ['object', 'null'], maxProperties: 0 });

const quotaSet = {
  type: 'object',
  minProperties: 1,
  properties: { plans: { type: 'integer', minimum: -1 }, checkpoints: { type: 'integer', minimum: -1 } },
  additionalProperties: false,
} as const;

/** `PUT /quotas/{project_id}`. */
export const QUOTA_UPDATE: JsonSchema = wrap('quota', quotaSet);

/** `PUT /quota_classes/{name}`. */
export const QUOTA_CLASS_UPDATE: JsonSchema = wrap('quota_class', quotaSet);

/** `PUT /os-services/{id}` (no wrapper, as the client sends it). */
export const SERVICE_UPDATE: JsonSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { enum: ['enabled', 'disabled'] }, disabled_reason: { type: ['string', 'null'], maxLength: 255 } },
  additionalProperties: false,
};

function wrap(key: string, inner: JsonSchema): JsonSchema {
  return { type: 'object', required: [key], properties: { [key]: inner }, additionalProperties: false };
}
