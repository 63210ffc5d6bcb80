/**
 * docs/http.md lists every route of the table with its policy action, and no route that does
 * not exist.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../src/http/routes/index.js';

const doc = readFileSync(new URL('../../docs/http.md', import.meta.url), 'utf8');
const rows = [...doc.matchAll(/^\| (GET|POST|PUT|DELETE) \| `([^`]+)` \| `([^`]+)` \| (\d{3}) \|/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]} ${m[4]}`);

describe('docs/http.md and the route table', () => {
  it('has one row per route, with its policy action and status', () => {
    const routes = API_ROUTES.map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')} ${route.action} ${route.status ?? 200}`);
    expect([...rows].sort()).toEqual([...routes].sort());
  });
});
