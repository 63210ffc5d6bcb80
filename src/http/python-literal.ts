/**
 * The `karbor` client sends some query values as the *Python repr* of a dict
 * (`protectable-list-instances --parameters region=RegionOne` sends
 * `parameters={'region': 'RegionOne'}`), which the real server `literal_eval`s. This parses that
 * subset safely — dicts, lists, tuples, strings, numbers, `True`, `False`, `None` — and JSON,
 * which is almost the same grammar. Nothing is evaluated.
 *
 * @module
 */
import { ValidationError } from '../core/index.js';

const WORDS: Readonly<Record<string, unknown>> = { None: null, True: true, False: false, null: null, true: true, false: false };

/** Parses a Python literal (or JSON) value; malformed text is `KTS_ERR_VALIDATION` naming `what`. */
export function parsePythonLiteral(text: string, what: string): unknown {
  let at = 0;
  const fail = (why: string): never => {
    throw new ValidationError(`Invalid ${what} ${JSON.stringify(text)}: ${why} at character ${at}`);
  };
  const space = (): void => {
    while (at < text.length && /\s/.test(text[at]!)) at++;
  };
  const value = (depth: number): unknown => {
    if (depth > 32) fail('nested too deeply');
    space();
    const char = text[at];
    if (char === '{') return sequence('}', depth, true);
    if (char === '[' || char === '(') return sequence(char === '[' ? ']' : ')', depth, false);
    if (char === "'" || char === '"') return string(char);
    const word = /^[A-Za-z_]+|^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/.exec(text.slice(at))?.[0];
    if (!word) return fail('expected a value');
    at += word.length;
    if (word in WORDS) return WORDS[word];
    const number = Number(word);
    return Number.isFinite(number) ? number : fail(`unknown name ${word}`);
  };
  const sequence = (close: string, depth: number, isDict: boolean): unknown => {
    at++;
    const entries: [string, unknown][] = [];
    const items: unknown[] = [];
    for (;;) {
      space();
      if (text[at] === close) break;
      const first = value(depth + 1);
      if (isDict) {
        space();
        if (text[at] !== ':') fail('expected ":"');
        at++;
        if (typeof first !== 'string' && typeof first !== 'number') fail('dict keys must be strings or numbers');
        entries.push([String(first), value(depth + 1)]);
      } else items.push(first);
      space();
      if (text[at] === ',') at++;
      else if (text[at] !== close) fail(`expected "," or "${close}"`);
    }
    at++;
    return isDict ? Object.fromEntries(entries) : items;
  };
  const string = (quote: string): string => {
    let out = '';
    for (at++; at < text.length && text[at] !== quote; at++) {
      if (text[at] !== '\\') {
        out += text[at];
        continue;
      }
      const next = text[++at];
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
      if (next !== undefined && next in simple) out += simple[next];
      else if (next === 'u' || next === 'x') {
        const size = next === 'u' ? 4 : 2;
        const hex = text.slice(at + 1, at + 1 + size);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== size) fail('bad escape');
        out += String.fromCharCode(parseInt(hex, 16));
        at += size;
      } else fail('bad escape');
    }
    if (text[at] !== quote) fail('unterminated string');
    at++;
    return out;
  };
  const result = value(0);
  space();
  if (at !== text.length) fail('unexpected text after the value');
  return result;
}
