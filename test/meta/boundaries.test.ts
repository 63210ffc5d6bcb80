/**
 * Keeps the dependency direction of DESIGN.md true by scanning import specifiers:
 * core imports nothing of ours; flow and bank import only core; nothing in src imports
 * testing or http; plugins, http and testing use only the public API (http reads record types from the store's).
 * The typed client reads http's schema modules for their types only (`import type`), so it
 * ships none of the server; the CLI is built on the client.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The top-level area of a file under src: `core`, `flow`, `bank`, `framework.ts`, `index.ts`, … */
function areaOf(file: string): string {
  return relative(src, file).split(sep)[0]!.replace(/\.[jt]s$/, '');
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/g), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)];
  return specifiers.map((m) => m[1]!).filter((spec) => spec.startsWith('.'));
}

/** What each area may import (by area); the public API is `index`. */
const allowed: Record<string, readonly string[]> = {
  core: ['core'],
  flow: ['flow', 'core'],
  bank: ['bank', 'core'],
  store: ['store', 'core'],
  protection: ['protection', 'core', 'flow', 'bank', 'store'],
  framework: ['core', 'flow', 'bank', 'store', 'protection'],
  index: ['core', 'framework', 'flow', 'bank', 'protection', 'store'],
  clients: ['clients', 'core'],
  plugins: ['plugins', 'index', 'core', 'bank', 'flow', 'clients'],
  http: ['http', 'index', 'core', 'protection', 'store', 'clients'],
  client: ['client', 'core', 'clients', 'http'],
  cli: ['cli', 'client', 'core'],
  // The plugin conformance suite runs plugins through the protection service, as a vendor's test would.
  testing: ['testing', 'index', 'core', 'bank', 'flow', 'store', 'protection'],
};

describe('dependency direction (DESIGN.md)', () => {
  const files = sourceFiles(src);

  it('finds the source tree', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  for (const file of files) {
    const area = areaOf(file);
    it(`${relative(root, file)} imports only what ${area} may`, () => {
      expect(allowed[area], `area ${area} has no rule`).toBeDefined();
      const offending = importsOf(file)
        .map((spec) => resolve(dirname(file), spec))
        .filter((target) => target.startsWith(src + sep))
        .map((target) => areaOf(target))
        .filter((target) => !allowed[area]!.includes(target));
      expect(offending).toEqual([]);
    });
  }

  it('the client imports only types from http, and only its schema modules', () => {
    const clientFiles = files.filter((file) => areaOf(file) === 'client');
    expect(clientFiles.length).toBeGreaterThan(0);
    for (const file of clientFiles) {
      const text = readFileSync(file, 'utf8');
      const fromHttp = [...text.matchAll(/(?:^|\n)\s*(import|export)(\s+type)?\s[^;]*?from\s+['"](\.\.\/http\/[^'"]+)['"]/g)];
      for (const match of fromHttp) {
        expect(match[2], `${relative(root, file)} imports ${match[3]} as values`).toBeDefined();
        expect(['../http/schemas.js', '../http/response-schemas.js']).toContain(match[3]);
      }
    }
  });

  it('imports tsyringe and reflect-metadata only in the composition root', () => {
    const users = files.filter((file) => /from\s+['"](tsyringe|reflect-metadata)['"]|import\s+['"]reflect-metadata['"]/.test(readFileSync(file, 'utf8')));
    expect(users.map((file) => relative(src, file))).toEqual(['framework.ts']);
  });
});
