/**
 * JSON schemas of the protection service's inputs. The library validates with them, and the
 * HTTP adapter publishes them in its OpenAPI document: one definition of each shape.
 *
 * @module
 */
import type { JsonSchema } from '../core/schema.js';

const id = { type: 'string', minLength: 1, maxLength: 255 } as const;
const parameters = { type: 'object', additionalProperties: { type: 'object' } } as const;

/** A resource as requests give it. */
export const RESOURCE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['id', 'type', 'name'],
  properties: {
    id,
    type: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9:._-]*$', maxLength: 255 },
    name: { type: 'string', maxLength: 255 },
    extraInfo: { type: 'object' },
  },
  additionalProperties: false,
};

/** Input of plan creation. */
export const PLAN_CREATE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['name', 'providerId', 'resources'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255 },
    description: { type: 'string', maxLength: 4096 },
    providerId: id,
    resources: { type: 'array', minItems: 1, items: RESOURCE_SCHEMA },
    parameters,
  },
  additionalProperties: false,
};

/** Input of plan update (at least one field). */
export const PLAN_UPDATE_SCHEMA: JsonSchema = {
  type: 'object',
  minProperties: 1,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255 },
    description: { type: 'string', maxLength: 4096 },
    status: { type: 'string', enum: ['suspended', 'started'] },
    resources: { type: 'array', minItems: 1, items: RESOURCE_SCHEMA },
    parameters,
  },
  additionalProperties: false,
};

/** Input of checkpoint creation. */
export const CHECKPOINT_CREATE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['planId'],
  properties: { planId: id, extraInfo: { type: 'object' } },
  additionalProperties: false,
};

/** Input of a verification. */
export const VERIFICATION_CREATE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['providerId', 'checkpointId'],
  properties: {
    providerId: id,
    checkpointId: id,
    parameters,
    level: { type: 'string', enum: ['presence', 'checksum', 'full'] },
    bank: id,
  },
  additionalProperties: false,
};

/** Input of a restore. */
export const RESTORE_CREATE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['providerId', 'checkpointId'],
  properties: {
    providerId: id,
    checkpointId: id,
    parameters,
    restoreTarget: { type: 'string', maxLength: 4096 },
    bank: id,
  },
  additionalProperties: false,
};

/** Input of a copy. */
export const COPY_CREATE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['providerId', 'planId'],
  properties: { providerId: id, planId: id, parameters, destination: id },
  additionalProperties: false,
};
