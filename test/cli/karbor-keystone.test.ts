/**
 * The real `karbor` CLI (python3-karborclient 2.1.0, /usr/bin/karbor) logging in to the REAL
 * Keystone of `scripts/keystone-up.sh` as an operator with an openrc would: `OS_AUTH_URL`,
 * `OS_USERNAME`/`OS_PASSWORD` (demo), `OS_PROJECT_NAME`, the domain ids, `OS_REGION_NAME` and
 * `OS_IDENTITY_API_VERSION=3` in a clean environment, no `--os-no-client-auth`, no
 * `--karbor-url`. The client discovers Keystone, gets a project-scoped token, finds the
 * `data-protect` endpoint in the catalog (registered by this file in a region of its own, at
 * `http://127.0.0.1:PORT/v1/$(project_id)s`) and calls the API, which validates the token with
 * Keystone (`createKeystoneAuthenticator`, as the `karbor` service user).
 *
 * Covered: provider-list; plan-create, plan-list and plan-show in demo's project; quota-show
 * without `--tenant` (the project comes from the token); a wrong password (exit 1, Keystone's
 * 401 message, the API never called); a region without the service (exit 1, the client's
 * "endpoint not found" message).
 *
 * test/helpers/karbor-cli.ts runs the CLI in no-auth mode only, so the invocation is here; its
 * table parsers are reused. Every invocation costs a Python start-up plus a Keystone discovery
 * and login: a handful of them, one at a time (this Keystone answers one request at a time).
 */
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { PROVIDER_ID } from '../helpers/http-service.js';
import { useKeystoneApi } from '../helpers/keystone-api.js';
import { KARBOR_CLI, assertKarborCli, errorText, parseProperties, parseTable, type KarborCliResult } from '../helpers/karbor-cli.js';
import { keystoneLogin, requireKeystone } from '../helpers/keystone.js';
import { uniqueName } from '../helpers/services.js';

const keystone = await requireKeystone();
/** The demo user's ids, as Keystone itself gives them. */
const demo = await keystoneLogin(keystone, keystone.demo);
const DEMO_PROJECT = demo.body.project!.id;
const DEMO_USER = demo.body.user.id;
/** The region (and service name) this file registers the API in. */
const REGION = uniqueName('kts-cli-ks');
const DIR = 'OS::Local::Directory';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const REQUEST_ID = /\(Request-ID: req-[0-9a-f-]{36}\)$/;

/** The API, behind the Keystone authenticator, in the catalog in this file's region. */
const { checked } = useKeystoneApi(keystone, REGION);
/** demo's openrc, in this file's region. */
const openrc: Readonly<Record<string, string>> = {
  OS_AUTH_URL: keystone.authUrl,
  OS_USERNAME: keystone.demo.username,
  OS_PASSWORD: keystone.demo.password,
  OS_PROJECT_NAME: keystone.demo.projectName,
  OS_USER_DOMAIN_ID: 'default',
  OS_PROJECT_DOMAIN_ID: 'default',
  OS_REGION_NAME: REGION,
  OS_IDENTITY_API_VERSION: '3',
};

/** Runs `karbor <args>` with a clean environment plus `env` (the openrc unless overridden); resolves whatever the exit code. */
function karbor(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<KarborCliResult> {
  assertKarborCli();
  const command = args.join(' ');
  const base = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? tmpdir(), LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
  return new Promise((resolve, reject) => {
    execFile(KARBOR_CLI, [...args], { env: { ...base, ...openrc, ...env }, timeout: 120_000, maxBuffer: 16 << 20, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`karbor ${command} did not run to an exit code (${error.message}); stderr: ${stderr}`));
        return;
      }
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr, command });
    });
  });
}

/** Runs `karbor <args>` with the openrc and answers its stdout; fails (showing stderr) unless it exits 0. */
async function ok(...args: string[]): Promise<string> {
  const result = await karbor(args);
  expect(result.code, `karbor ${result.command} exited ${result.code}\nstderr: ${errorText(result.stderr)}\nstdout: ${result.stdout}`).toBe(0);
  return result.stdout;
}

describe('the karbor CLI with Keystone password auth (real Keystone)', { timeout: 120_000 }, () => {
  it('provider-list: finds the API in the catalog of its region, and the API validates demo\'s token with Keystone', async () => {
    const before = checked.length;
    expect(parseTable(await ok('provider-list'))).toEqual({ columns: ['Id', 'Name', 'Description'], rows: [{ Id: PROVIDER_ID, Name: 'local', Description: 'Local directories' }] });
    const seen = checked.slice(before).map((entry) => entry.identity);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ userId: DEMO_USER, projectId: DEMO_PROJECT });
    expect(seen[0]!.roles).toContain('member');
  });

  it('plan-create, plan-list and plan-show act in the project of the token', async () => {
    const name = uniqueName('cli-ks-plan');
    const created = parseProperties(await ok('plan-create', name, PROVIDER_ID, `docs=${DIR}=docs`, '--description', 'made through keystone'));
    expect(created).toMatchObject({ name, description: 'made through keystone', provider_id: PROVIDER_ID, project_id: DEMO_PROJECT, status: 'suspended' });
    expect(created['id']).toMatch(UUID);
    expect(JSON.parse(created['resources']!)).toEqual([{ id: 'docs', type: DIR, name: 'docs', extra_info: null }]);

    const listed = parseTable(await ok('plan-list'));
    expect(listed.rows).toEqual([{ Id: created['id'], Name: name, Description: 'made through keystone', 'Provider id': PROVIDER_ID, Status: 'suspended' }]);
    expect(parseProperties(await ok('plan-show', created['id']!))).toMatchObject({ id: created['id'], name, project_id: DEMO_PROJECT });
  });

  it('quota-show without --tenant takes the project from the token', async () => {
    expect(parseProperties(await ok('quota-show'))).toEqual({ id: DEMO_PROJECT, plans: '50', checkpoints: '-1' });
  });

  it('a wrong password fails with Keystone\'s 401 message and exit code 1, and the API is never called', async () => {
    const before = checked.length;
    const result = await karbor(['provider-list'], { OS_PASSWORD: 'wrong-password' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const text = errorText(result.stderr);
    expect(text).toMatch(/^The request you have made requires authentication\. \(HTTP 401\) /);
    expect(text).toMatch(REQUEST_ID);
    expect(checked.length).toBe(before);
  });

  it('a region without the service fails with the client\'s "endpoint not found" and exit code 1', async () => {
    const before = checked.length;
    const result = await karbor(['provider-list'], { OS_REGION_NAME: 'RegionOne' });
    expect(result.code).toBe(1);
    expect(errorText(result.stderr)).toBe('public endpoint for data-protect service in RegionOne region not found');
    expect(checked.length).toBe(before);
  });
});
