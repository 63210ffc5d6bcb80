/**
 * Resources and their keys. A resource is identified by its type *and* id, written `Type#id`,
 * so two resources of different types with the same id never collide (Karbor keyed by id only).
 *
 * @module
 */
import { ValidationError } from './errors.js';

/** A protectable thing: a volume, an image, a directory, a server… */
export interface Resource {
  /** The resource type, e.g. `OS::Cinder::Volume`. Never contains `#`. */
  readonly type: string;
  /** The id, unique within its type. */
  readonly id: string;
  /** A display name. */
  readonly name?: string;
  /** Free-form facts a protectable plugin attaches (JSON-safe). */
  readonly extraInfo?: Readonly<Record<string, unknown>>;
}

/** The key of a resource: `Type#id`. */
export type ResourceKey = `${string}#${string}`;

const TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9:._-]*$/;

/** Throws `KTS_ERR_RESOURCE_KEY_INVALID` unless `type` is a valid resource type. */
export function assertResourceType(type: string): void {
  if (!TYPE_PATTERN.test(type)) {
    throw new ValidationError(`Invalid resource type ${JSON.stringify(type)}: expected letters, digits, ':', '.', '_' or '-'`, {
      code: 'KTS_ERR_RESOURCE_KEY_INVALID',
      details: { type },
    });
  }
}

/** The `Type#id` key of a resource. */
export function resourceKey(resource: Pick<Resource, 'type' | 'id'>): ResourceKey {
  assertResourceType(resource.type);
  if (resource.id.length === 0) {
    throw new ValidationError(`Resource of type ${resource.type} has an empty id`, {
      code: 'KTS_ERR_RESOURCE_KEY_INVALID',
      details: { type: resource.type },
    });
  }
  return `${resource.type}#${resource.id}`;
}

/** Splits a `Type#id` key (at the first `#`; ids may contain `#`). */
export function parseResourceKey(key: string): { type: string; id: string } {
  const at = key.indexOf('#');
  if (at <= 0 || at === key.length - 1) {
    throw new ValidationError(`Invalid resource key ${JSON.stringify(key)}: expected "Type#id"`, {
      code: 'KTS_ERR_RESOURCE_KEY_INVALID',
      details: { key },
    });
  }
  const type = key.slice(0, at);
  assertResourceType(type);
  return { type, id: key.slice(at + 1) };
}

/** Whether `key` has the `Type#id` form. */
export function isResourceKey(key: string): key is ResourceKey {
  const at = key.indexOf('#');
  return at > 0 && at < key.length - 1 && TYPE_PATTERN.test(key.slice(0, at));
}

/**
 * The parameters for one resource, Karbor's rule: start from `parameters[type]`, then overlay
 * `parameters["Type#id"]` so the per-instance entry wins.
 */
export function resourceParameters(
  parameters: Readonly<Record<string, unknown>> | undefined,
  resource: Pick<Resource, 'type' | 'id'>,
): Record<string, unknown> {
  const byType = parameters?.[resource.type];
  const byKey = parameters?.[`${resource.type}#${resource.id}`];
  return { ...asObject(byType), ...asObject(byKey) };
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
