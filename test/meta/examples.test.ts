/**
 * Examples are tests: every `examples/NN-*.ts` with a sibling `.out.txt` is run as a script and
 * its output compared with the expected one, after masking UUIDs and timestamps.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = new URL('../../examples/', import.meta.url);
const examples = readdirSync(dir).filter((file) => /^\d\d-.+\.ts$/.test(file));

const mask = (text: string): string =>
  text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .trimEnd();

describe('examples', () => {
  it('exist', () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  for (const file of examples) {
    const expected = new URL(file.replace(/\.ts$/, '.out.txt'), dir);
    it(`${file} prints what ${file.replace(/\.ts$/, '.out.txt')} says`, async () => {
      expect(existsSync(expected), 'expected output file').toBe(true);
      const { stdout } = await run(process.execPath, ['--import', 'tsx', new URL(file, dir).pathname], { timeout: 60_000 });
      expect(mask(stdout)).toBe(mask(readFileSync(expected, 'utf8')));
    });
  }
});
