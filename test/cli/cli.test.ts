/**
 * The `karbor-ts` command end to end: the real binary (`node bin/karbor-ts.mjs`, running the
 * source through tsx) against a running service, configured from the environment as a
 * `karbor` user would (KARBOR_URL, KARBOR_TOKEN). The story: create a plan, protect it twice
 * with --wait, copy the plan's checkpoints to another bank with --wait (progress on stderr,
 * the final table on stdout), damage one stored object and watch a full verification fail
 * (exit 1, the damaged resource's reason printed), verify the copy and restore from it; --json
 * output parses; errors and usage errors exit 1 and 2.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_A, PROVIDER_ID, TOKENS, startHttpService, type HttpTestService } from '../helpers/http-service.js';

const BIN = fileURLToPath(new URL('../../bin/karbor-ts.mjs', import.meta.url));
const DIR = 'OS::Local::Directory';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let api: HttpTestService;
beforeAll(async () => {
  api = await startHttpService();
});
afterAll(() => api?.close());

/** Runs the binary with a clean environment: KARBOR_URL and KARBOR_TOKEN (member of project A) unless overridden. */
function karbor(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const base: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/tmp',
    KARBOR_URL: api.base(),
    KARBOR_TOKEN: TOKENS.memberA,
    KARBOR_POLL_INTERVAL: '20',
    KARBOR_TS_CLI: 'src',
  };
  const merged = Object.fromEntries(Object.entries({ ...base, ...env }).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function ok(args: readonly string[], env?: Record<string, string | undefined>): Promise<Run> {
  const run = await karbor(args, env);
  expect(run.code, `karbor-ts ${args.join(' ')}\n${run.stderr}`).toBe(0);
  return run;
}

async function json(args: readonly string[]): Promise<any> {
  return JSON.parse((await ok(['--json', ...args])).stdout);
}

/** The Property/Value rows of a show table. */
function properties(table: string): Record<string, string> {
  const rows: Record<string, string> = {};
  for (const line of table.split('\n')) {
    const match = /^│ (\S+)\s*│ (.*?)\s*│$/.exec(line);
    if (match && match[1] !== 'Property') rows[match[1]!] = match[2]!;
  }
  return rows;
}

/** Every content file of the fs bank under `dir` (the `%v-*` files hold object bytes). */
function contentFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.startsWith('%v-') && !entry.parentPath.endsWith('.json'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('karbor-ts (the binary)', () => {
  const state: { plan?: string; checkpoints: string[]; copies: string[]; copyId?: string } = { checkpoints: [], copies: [] };

  it('lists and shows providers, as a table and as JSON', async () => {
    const table = (await ok(['provider', 'list'])).stdout;
    expect(table).toMatch(/│ Id\s+│ Name\s+│ Description\s+│ Destinations\s+│/);
    expect(table).toContain(PROVIDER_ID);
    expect(table).toContain('region-b');
    const listed = await json(['provider', 'list']);
    expect(listed.map((provider: any) => provider.id)).toEqual([PROVIDER_ID]);
    const shown = await json(['provider', 'show', PROVIDER_ID]);
    expect(shown.destinations).toEqual(['region-b']);
  });

  it('creates, lists and shows a plan', async () => {
    const created = await json(['plan', 'create', 'cli-plan', PROVIDER_ID, `docs=${DIR}=docs`, '--description', 'from the CLI']);
    expect(created).toMatchObject({ name: 'cli-plan', status: 'suspended', project_id: PROJECT_A, resources: [{ id: 'docs', type: DIR, name: 'docs' }] });
    state.plan = created.id;
    const list = (await ok(['plan', 'list', '--name', 'cli-plan'])).stdout;
    expect(list).toContain(created.id);
    expect(list).toContain('from the CLI');
    expect(properties((await ok(['plan', 'show', created.id])).stdout)).toMatchObject({ id: created.id, name: 'cli-plan', status: 'suspended' });
  });

  it('protects the plan twice with --wait: progress on stderr, the available checkpoint on stdout', async () => {
    for (let i = 0; i < 2; i++) {
      const run = await ok(['checkpoint', 'create', PROVIDER_ID, state.plan!, '--extra-info', 'by=cli', '--wait']);
      const shown = properties(run.stdout);
      expect(shown.status).toBe('available');
      expect(run.stderr).toMatch(new RegExp(`^checkpoint ${shown.id}: protecting`, 'm'));
      expect(run.stderr).toMatch(new RegExp(`^checkpoint ${shown.id}: available \\[#{24}\\] 1/1 resources, .* \\(100%\\)$`, 'm'));
      state.checkpoints.push(shown.id!);
    }
    const listed = await json(['checkpoint', 'list', PROVIDER_ID, '--plan', state.plan!]);
    expect(listed.map((checkpoint: any) => checkpoint.id).sort()).toEqual([...state.checkpoints].sort());
    expect(listed[0].extra_info).toMatchObject({ by: 'cli' });
  });

  it('checkpoint copy --wait copies the plan\'s checkpoints, with progress and the final table', async () => {
    const run = await ok(['checkpoint', 'copy', PROVIDER_ID, state.plan!, '--destination', 'region-b', '--wait']);
    const progress = run.stderr.split('\n').filter((line) => line.startsWith('copy '));
    expect(progress.length).toBeGreaterThan(1);
    expect(progress[0]).toMatch(/^copy [0-9a-f-]{36}: (wait_copying|copying)/);
    expect(progress.every((line) => !line.includes(' [') || /\[[#-]{24}\] \d\/2 resources, [\d.]+ K?i?B\/[\d.]+ K?i?B \([\d.]+%\)$/.test(line))).toBe(true);
    expect(progress.at(-1)).toMatch(/: finished \[#{24}\] 2\/2 resources, .* \(100%\)$/);
    const shown = properties(run.stdout);
    expect(shown).toMatchObject({ status: 'finished', destination: 'region-b', plan_id: state.plan });
    state.copyId = shown.id;
    // The pairs table: one row per copied checkpoint.
    const pairs = run.stdout.split('\n').filter((line) => /^│ [0-9a-f-]{36}\s+│ [0-9a-f-]{36}\s+│ finished/.test(line));
    expect(pairs).toHaveLength(2);
    for (const checkpoint of state.checkpoints) expect(run.stdout).toContain(checkpoint);

    const copy = await json(['copy', 'show', shown.id!]);
    expect(copy.checkpoints.map((pair: any) => pair.source_checkpoint_id).sort()).toEqual([...state.checkpoints].sort());
    state.copies = copy.checkpoints.map((pair: any) => pair.copy_checkpoint_id);
    const copies = await json(['copy', 'list', '--plan', state.plan!]);
    expect(copies.map((record: any) => record.id)).toEqual([shown.id]);
    expect((await ok(['copy', 'list'])).stdout).toMatch(new RegExp(`│ ${shown.id} +│ ${state.plan} +│ region-b +│ finished +│ 2 `));
    const inDestination = await json(['checkpoint', 'list', PROVIDER_ID, '--bank', 'region-b']);
    expect(inDestination.map((checkpoint: any) => checkpoint.id).sort()).toEqual([...state.copies].sort());
    expect(properties((await ok(['checkpoint', 'show', PROVIDER_ID, state.copies[0]!])).stdout).bank).toBe('region-b');
  });

  it('a verification of a damaged checkpoint ends in error: exit 1 and the damaged resource\'s reason', async () => {
    const checkpoint = state.checkpoints[0]!;
    const stored = contentFiles(join(api.data, '..', 'bank-main', 'checkpoints', checkpoint)).sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
    const bytes = readFileSync(stored);
    bytes[1000] = bytes[1000]! ^ 0x01;
    writeFileSync(stored, bytes);

    const run = await karbor(['verification', 'create', PROVIDER_ID, checkpoint, '--level', 'full', '--wait']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/^verification [0-9a-f-]{36}: verifying/m);
    expect(run.stderr).toMatch(/^karbor-ts: verification [0-9a-f-]{36} ended in error: /m);
    expect(run.stderr).toMatch(new RegExp(`^  ${DIR}#docs: error — .*b\\.bin`, 'm'));
    expect(properties(run.stdout)).toMatchObject({ status: 'error', level: 'full', checkpoint_id: checkpoint });

    // --json keeps stdout parseable, and the exit status still says it failed.
    const scripted = await karbor(['--json', 'verification', 'create', PROVIDER_ID, checkpoint, '--level', 'full', '--wait']);
    expect(scripted.code).toBe(1);
    const record = JSON.parse(scripted.stdout);
    expect(record).toMatchObject({ status: 'error', resources_status: { [`${DIR}#docs`]: 'error' } });
    expect(record.resources_reason[`${DIR}#docs`]).toContain('b.bin');

    const list = await json(['verification', 'list', '--checkpoint', checkpoint]);
    expect(list.map((verification: any) => verification.status)).toEqual(['error', 'error']);
    expect(properties((await ok(['verification', 'show', list[0].id])).stdout)).toMatchObject({ id: list[0].id, status: 'error' });
  });

  it('the copy of the damaged checkpoint verifies, and a restore from it succeeds', async () => {
    const copyOfDamaged = (await json(['checkpoint', 'show', PROVIDER_ID, state.checkpoints[0]!])).copied_to['region-b'].checkpoint_id;
    const verified = await ok(['verification', 'create', PROVIDER_ID, copyOfDamaged, '--level', 'full', '--bank', 'region-b', '--wait']);
    expect(properties(verified.stdout)).toMatchObject({ status: 'success', bank: 'region-b' });

    const target = join(api.data, '..', 'restored-cli');
    const restored = await ok(['restore', 'create', PROVIDER_ID, copyOfDamaged, '--parameters', JSON.stringify({ [DIR]: { target_path: target } }), '--wait']);
    const shown = properties(restored.stdout);
    expect(shown.status).toBe('success');
    expect(restored.stderr).toMatch(/^restore [0-9a-f-]{36}: success \[#{24}\]/m);
    expect(readFileSync(join(target, 'a.txt'), 'utf8')).toBe('alpha\n');
    expect((await json(['restore', 'show', shown.id!])).status).toBe('success');
  });

  it('lists operation logs and deletes a checkpoint', async () => {
    const logs = await json(['operation-log', 'list', '--checkpoint', state.checkpoints[0]!]);
    expect(logs.map((log: any) => log.operation_type)).toEqual(expect.arrayContaining(['protect', 'copy', 'verify', 'verify']));
    const table = (await ok(['operation-log', 'list', '--type', 'verify', '--status', 'error'])).stdout;
    expect(table).toMatch(/│ verify\s+│ error\s+│/);
    const limited = await json(['operation-log', 'list', '--limit', '1']);
    expect(limited).toHaveLength(1);
    const deleted = properties((await ok(['checkpoint', 'delete', PROVIDER_ID, state.checkpoints[1]!])).stdout);
    expect(deleted.status).toBe('deleting');
    await api.service.settled(`delete-${state.checkpoints[1]}`);

    const waited = await ok(['checkpoint', 'delete', PROVIDER_ID, state.checkpoints[0]!, '--wait']);
    expect(properties(waited.stdout).status).toBe('deleted');
    expect(waited.stderr).toMatch(/^checkpoint [0-9a-f-]{36}: deleting/m);
    const gone = await karbor(['checkpoint', 'show', PROVIDER_ID, state.checkpoints[0]!]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/KTS_ERR_CHECKPOINT_NOT_FOUND/);
  });

  it('errors print the message and request id (exit 1); usage errors exit 2', async () => {
    const missing = await karbor(['plan', 'show', '00000000-0000-4000-8000-000000000000']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^karbor-ts: .*00000000-0000-4000-8000-000000000000.* \(KTS_ERR_PLAN_NOT_FOUND, HTTP 404, request req-[0-9a-f-]+\)$/m);
    const denied = await karbor(['plan', 'list'], { KARBOR_TOKEN: 'not-a-valid-token-0123456789' });
    expect([denied.code, denied.stderr]).toEqual([1, expect.stringContaining('KTS_ERR_UNAUTHORIZED, HTTP 401')]);
    const unreachable = await karbor(['plan', 'list'], { KARBOR_URL: `http://127.0.0.1:9/v1/${PROJECT_A}` });
    expect([unreachable.code, unreachable.stderr]).toEqual([1, expect.stringContaining('KTS_ERR_API_UNREACHABLE')]);

    const usage = await karbor(['checkpoint', 'copy', PROVIDER_ID]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("missing required argument 'plan'");
    expect((await karbor(['verification', 'create', PROVIDER_ID, 'x', '--level', 'deep'])).code).toBe(2);
    expect((await karbor(['no-such-command'])).code).toBe(2);
    const unconfigured = await karbor(['plan', 'list'], { KARBOR_URL: undefined, KARBOR_TOKEN: undefined });
    expect([unconfigured.code, unconfigured.stderr]).toEqual([2, expect.stringContaining('No Karbor API configured')]);
    const help = await karbor(['checkpoint', 'copy', '--help']);
    expect([help.code, help.stdout]).toEqual([0, expect.stringContaining('--destination <name>')]);
  });

  it('takes the service root with KARBOR_PROJECT, and OS_AUTH_TOKEN as the token', async () => {
    const run = await karbor(['--json', 'plan', 'list'], { KARBOR_URL: api.url, KARBOR_PROJECT: PROJECT_A, KARBOR_TOKEN: undefined, OS_AUTH_TOKEN: TOKENS.memberA });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).map((plan: any) => plan.id)).toContain(state.plan);
  });
});
