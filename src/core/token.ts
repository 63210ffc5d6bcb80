/**
 * Typed dependency-injection tokens. A token is keyed by `Symbol.for('karbor-ts:<Name>')`, so
 * it survives the library being loaded twice; its type parameter keeps `resolve` typed.
 *
 * @module
 */

/** A typed key for a registered service. */
export interface Token<T> {
  /** The registry key. */
  readonly key: symbol;
  /** The service's name, for messages. */
  readonly name: string;
  /** Carries `T` at the type level only. */
  readonly __type?: T;
}

/** Creates the token of service `name`. */
export function createToken<T>(name: string): Token<T> {
  return { key: Symbol.for(`karbor-ts:${name}`), name };
}
