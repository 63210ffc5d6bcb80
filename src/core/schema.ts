/**
 * JSON-schema validation with one ajv instance per owner: schemas are compiled once and
 * cached; failures become `ValidationError`s whose `details.errors` are ajv's errors.
 *
 * Settings, decided once: `allErrors` (report every problem, not the first), `useDefaults`
 * (defaults declared by a schema are filled into the validated data) and `strict: false`
 * (vendors' schemas may carry UI keywords such as `title` variants or `enumNames`).
 *
 * @module
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { ValidationError, type KindErrorOptions } from './errors.js';

/** A JSON schema (draft-07, as ajv 8 reads by default). */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** A compiled schema: returns the (defaults-filled) data or throws `KTS_ERR_VALIDATION`. */
export type Validator<T = unknown> = (data: unknown, what?: string) => T;

/** Compiles schemas once and turns their failures into coded errors. */
export class SchemaValidator {
  readonly #ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
  readonly #cache = new WeakMap<object, ValidateFunction>();

  /**
   * Compiles `schema` (once per schema object). Throws ajv's error when the schema itself is
   * invalid; callers turn that into their own coded error.
   */
  compile<T = unknown>(schema: JsonSchema, options: KindErrorOptions<'validation'> = {}): Validator<T> {
    let validate = this.#cache.get(schema);
    if (!validate) {
      validate = this.#ajv.compile(schema as Record<string, unknown>);
      this.#cache.set(schema, validate);
    }
    const check = validate;
    return (data: unknown, what = 'input'): T => {
      if (check(data)) return data as T;
      const errors = check.errors ?? [];
      throw new ValidationError(`Invalid ${what}: ${describeErrors(errors)}`, {
        ...options,
        details: { ...options.details, errors: errors.map(toPlainError) },
      });
    };
  }

  /** Validates `data` against `schema` (compiling it on first use). */
  validate<T = unknown>(schema: JsonSchema, data: unknown, what?: string): T {
    return this.compile<T>(schema)(data, what);
  }
}

/** A one-line, human-readable summary of ajv errors (`/path must be string; …`). */
export function describeErrors(errors: readonly ErrorObject[]): string {
  return errors
    .map((error) => {
      const where = error.instancePath === '' ? '(root)' : error.instancePath;
      const extra =
        error.keyword === 'additionalProperties'
          ? ` (${String((error.params as { additionalProperty?: unknown }).additionalProperty)})`
          : '';
      return `${where} ${error.message ?? 'is invalid'}${extra}`;
    })
    .join('; ');
}

function toPlainError(error: ErrorObject): Record<string, unknown> {
  return { path: error.instancePath, keyword: error.keyword, message: error.message, params: error.params };
}
