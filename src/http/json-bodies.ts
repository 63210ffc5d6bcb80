/**
 * Response bodies assembled from JSON text already rendered (the view cache's, see
 * `view-cache.ts`): `{"<key>":<item>}` and `{"<key>":[<item>,…],<more members>}` — character for
 * character what `JSON.stringify` gives for the same object (whose keys are not array indices),
 * with no view built nor stringified again.
 *
 * @module
 */

/** `JSON.stringify({[key]: item})`, from `item`'s JSON text. */
export function jsonObjectOf(key: string, item: string): string {
  return `{${JSON.stringify(key)}:${item}}`;
}

/**
 * `JSON.stringify({[key]: items, ...more})`, from each item's JSON text (`more` is stringified
 * as usual; members it has no JSON for are left out, as `JSON.stringify` does).
 */
export function jsonListOf(key: string, items: readonly string[], more: Readonly<Record<string, unknown>> = {}): string {
  let tail = '';
  for (const name of Object.keys(more)) {
    const text = JSON.stringify(more[name]);
    if (text !== undefined) tail += `,${JSON.stringify(name)}:${text}`;
  }
  return `{${JSON.stringify(key)}:[${items.join(',')}]${tail}}`;
}
