#!/usr/bin/env node
// The `karbor-ts` command. A published package runs the built CLI (dist/cli/main.js). A source
// checkout (src/ present, tsx installed by `npm install`) runs src/cli/main.ts through tsx, so
// the command works on a fresh clone without a build and never runs a stale dist/.
// KARBOR_TS_CLI=dist or KARBOR_TS_CLI=src forces one or the other.
import { existsSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const built = new URL('dist/cli/main.js', root);
const source = new URL('src/cli/main.ts', root);
const wanted = process.env.KARBOR_TS_CLI;

async function load() {
  if (wanted !== 'dist' && existsSync(source)) {
    try {
      const { register } = await import('tsx/esm/api');
      register();
      return await import(source.href);
    } catch (error) {
      if (wanted === 'src' || !existsSync(built) || error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    }
  }
  if (existsSync(built)) return import(built.href);
  throw new Error('karbor-ts: neither dist/cli/main.js (run `npm run build`) nor src/ with tsx (run `npm install`) is available');
}

try {
  const { runCli } = await load();
  process.exitCode = await runCli(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
