/**
 * Deep freezing of stored JSON data: the memory store freezes every record it keeps, so that
 * the records its shared reads hand out (`getEntry`, `listEntries`) cannot be changed by a
 * caller that breaks its promise not to — the mutation throws instead of changing the store.
 *
 * @module
 */

/** Freezes `value` and everything in it (plain JSON data: objects, arrays, primitives); returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    const members = Array.isArray(value) ? value : Object.values(value);
    for (let i = 0; i < members.length; i += 1) deepFreeze(members[i]);
    Object.freeze(value);
  }
  return value;
}
