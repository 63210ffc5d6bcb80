import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/error-codes.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const rows = [...doc.matchAll(/^\| `(KTS_ERR_[A-Z0-9_]+)` \| ([a-z_]+) \| (yes|no) \|/gm)].map((m) => ({
  code: m[1]!,
  kind: m[2]!,
  retryable: m[3] === 'yes',
}));

describe('docs/errors.md and the error registry', () => {
  it('documents every registry code exactly once, with its kind and retry hint', () => {
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      const matching = rows.filter((row) => row.code === code);
      expect(matching, `row for ${code}`).toHaveLength(1);
      expect(matching[0]).toEqual({ code, kind: spec.kind, retryable: spec.retryable });
    }
  });

  it('names no code that the registry lacks', () => {
    const mentioned = new Set(doc.match(/KTS_ERR_[A-Z0-9_]+/g) ?? []);
    const unknown = [...mentioned].filter((code) => !(code in ERROR_CODES) && !code.endsWith('_'));
    expect(unknown).toEqual([]);
  });
});
