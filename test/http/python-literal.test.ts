/**
 * The Python-literal subset the karbor client sends in query strings.
 */
import { describe, expect, it } from 'vitest';
import { parsePythonLiteral } from '../../src/http/index.js';

describe('parsePythonLiteral', () => {
  it('parses the dict repr the client sends, and JSON', () => {
    expect(parsePythonLiteral("{'region': 'RegionOne', 'az': None}", 'p')).toEqual({ region: 'RegionOne', az: null });
    expect(parsePythonLiteral('{"a": [1, 2.5, -3e2], "b": true, "c": null}', 'p')).toEqual({ a: [1, 2.5, -300], b: true, c: null });
    expect(parsePythonLiteral("{'t': (1, 'x'), 'ok': True, 'no': False}", 'p')).toEqual({ t: [1, 'x'], ok: true, no: false });
    expect(parsePythonLiteral("{'q': 'it\\'s \\u00e9\\n', 1: 'one',}", 'p')).toEqual({ q: "it's é\n", 1: 'one' });
    expect(parsePythonLiteral('  {}  ', 'p')).toEqual({});
  });

  it('refuses anything else with a validation error that names the value', () => {
    for (const text of ["{'a': ", "{'a' 1}", "__import__('os')", "{'a': b}", "{'a': 1} extra", "'unterminated", "{'a': '\\q'}", '[' .repeat(40) + ']'.repeat(40), "{[1]: 2}"]) {
      expect(() => parsePythonLiteral(text, 'parameters'), text).toThrow(expect.objectContaining({ code: 'KTS_ERR_VALIDATION', message: expect.stringContaining('Invalid parameters') }));
    }
  });
});
