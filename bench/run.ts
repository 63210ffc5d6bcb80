/**
 * `npm run bench [-- name...]`: runs every benchmark in `bench/` (or the named ones), each in
 * its own process so that their memory figures do not mix. Benchmarks print figures; none
 * asserts anything. Every `bench/*.ts` but this file is one: `bank`, `copy-verify` (issue 6:
 * copy vs rclone and cp, full verify vs md5sum, checksum verify on fs and Swift), `flow`, `http`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const all = readdirSync(here)
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts')
  .map((file) => file.replace(/\.ts$/, ''))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Available: ${all.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n### bench/${name}.ts`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', `${here}${name}.ts`], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
