import { describe, expect, it } from 'vitest';
import {
  compareKeys,
  isNormalisedKey,
  joinKey,
  normaliseKey,
  normalisePrefix,
  normaliseSectionPath,
} from '../../src/bank/index.js';

const invalid = { code: 'KTS_ERR_BANK_KEY_INVALID' };

describe('key grammar', () => {
  it('normalises repeated slashes and "." segments, nothing else', () => {
    expect(normaliseKey('a//b')).toBe('a/b');
    expect(normaliseKey('./a/./b')).toBe('a/b');
    expect(normaliseKey('a/.')).toBe('a');
    expect(normaliseKey('Caf\u00e9/%41/.hidden/..x/x..')).toBe('Caf\u00e9/%41/.hidden/..x/x..');
    expect(normaliseKey('e\u0301')).toBe('e\u0301'); // no Unicode normalisation
  });

  it('validates after normalising: nothing that normalises to a traversal or to nothing passes', () => {
    for (const key of ['.', './.', './/.', '..', './..', 'a/./../b', '.%2e', '%2E%2E', 'a/%2e']) {
      expect(() => normaliseKey(key), key).toThrow(expect.objectContaining(invalid));
    }
  });

  it('explains why a key is refused', () => {
    expect(() => normaliseKey('../x')).toThrow(/"\.\." segment/u);
    expect(() => normaliseKey('/x')).toThrow(/absolute/u);
    expect(() => normaliseKey('a\u0000')).toThrow(/control character/u);
    try {
      normaliseKey('a/../b');
    } catch (error) {
      expect(error).toMatchObject({ code: 'KTS_ERR_BANK_KEY_INVALID', kind: 'validation', details: { key: 'a/../b' } });
    }
  });

  it('accepts a segment of 240 bytes and a key of 1024 bytes, and no more', () => {
    expect(normaliseKey('x'.repeat(240))).toHaveLength(240);
    expect(() => normaliseKey('\u00e9'.repeat(121))).toThrow(expect.objectContaining(invalid)); // 242 bytes
    const long = Array.from({ length: 8 }, () => 'y'.repeat(127)).join('/'); // 1023 bytes
    expect(normaliseKey(`${long}z`)).toHaveLength(1024);
    expect(() => normaliseKey(`${long}zz`)).toThrow(expect.objectContaining(invalid));
    expect(() => joinKey('p', long)).toThrow(expect.objectContaining(invalid));
  });

  it('refuses non-strings', () => {
    expect(() => normaliseKey(42 as unknown as string)).toThrow(expect.objectContaining(invalid));
    expect(() => normaliseKey(undefined as unknown as string)).toThrow(expect.objectContaining(invalid));
  });

  it('joins keys to sections and keeps the reserved segment at the root', () => {
    expect(joinKey('', 'a')).toBe('a');
    expect(joinKey('s/t', 'a/b')).toBe('s/t/a/b');
    expect(joinKey('s', '.kts')).toBe('s/.kts');
    expect(() => joinKey('', '.kts/leases/x')).toThrow(expect.objectContaining(invalid));
    expect(() => joinKey('', '.kts')).toThrow(expect.objectContaining(invalid));
    expect(joinKey('', '.ktsx')).toBe('.ktsx');
  });

  it('normalises section paths and list prefixes', () => {
    expect(normaliseSectionPath('a/b/')).toBe('a/b');
    expect(() => normaliseSectionPath('/a')).toThrow(expect.objectContaining(invalid));
    expect(normalisePrefix('')).toBe('');
    expect(normalisePrefix('a//b/')).toBe('a/b/');
    expect(normalisePrefix('a/./.h')).toBe('a/.h');
    expect(normalisePrefix('a/..')).toBe('a/..'); // a partial last segment: matches "a/..x"
    expect(() => normalisePrefix('../a')).toThrow(expect.objectContaining(invalid));
    expect(() => normalisePrefix('/a')).toThrow(expect.objectContaining(invalid));
  });

  it('tells normalised keys apart', () => {
    expect(isNormalisedKey('a/b')).toBe(true);
    expect(isNormalisedKey('a//b')).toBe(false);
    expect(isNormalisedKey('../a')).toBe(false);
  });
});

describe('compareKeys', () => {
  const oracle = (a: string, b: string): number => Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));

  it('orders like UTF-8 bytes, not like UTF-16 code units', () => {
    expect(compareKeys('\u{1F600}', '\uFF71')).toBeGreaterThan(0);
    expect('\u{1F600}' < '\uFF71').toBe(true); // what plain string comparison would say
    expect(compareKeys('a!', 'a/')).toBeLessThan(0);
    expect(compareKeys('a', 'a/')).toBeLessThan(0);
    expect(compareKeys('same', 'same')).toBe(0);
  });

  it('agrees with Buffer.compare on many generated pairs', () => {
    const alphabet = ['a', 'b', '/', '-', '!', '\u00e9', '\u0800', '\uFF71', '\uFFFD', '\u{10000}', '\u{1F600}', '\u{10FFFF}'];
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const word = (): string => Array.from({ length: 1 + Math.floor(random() * 4) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    for (let i = 0; i < 2000; i++) {
      const a = word();
      const b = word();
      expect(Math.sign(compareKeys(a, b)), `${a} vs ${b}`).toBe(oracle(a, b));
    }
  });
});
