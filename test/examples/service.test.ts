/**
 * The example service (`npm start`) and its walkthrough (`npm run demo`), run as the README
 * says: as child processes, with the commands of package.json's scripts, a fresh data
 * directory and any free port. Then Ctrl-C, a restart on the same data directory (the token,
 * the project, the plans and the checkpoints are still there), and the `karbor` command line
 * the banner prints, run as printed. Configuration files: errors name the field at fault, and a
 * valid file is used.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_PROVIDER_ID } from '../../examples/service/config.js';
import { configProblems } from '../helpers/config-problems.js';
import { readSettings } from '../../examples/service/settings.js';
import { api, commandOf, killLaunched, launch, nodeArgs, runNode, startService, type Exit, type RunningService } from '../helpers/example-service.js';
import { assertKarborCli, KARBOR_CLI } from '../helpers/karbor-cli.js';

const temp = mkdtempSync(join(tmpdir(), 'kts-example-'));

afterAll(() => {
  killLaunched();
  rmSync(temp, { recursive: true, force: true });
});

describe('the example service and the walkthrough', () => {
  const dataDir = join(temp, 'data');
  let service: RunningService;
  let demoOutput = '';

  it('starts on a fresh data directory and prints the URL, the project, the token and a karbor command line', async () => {
    service = await startService(commandOf('start'), { DATA_DIR: dataDir, PORT: '0' });
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(service.url).not.toBe('http://127.0.0.1:0');
    expect(service.karborUrl).toBe(`${service.url}/v1/${service.project}`);
    expect(service.karborLine).toBe(`karbor --os-no-client-auth --karbor-url ${service.karborUrl} --os-auth-token ${service.token} provider-list`);
    expect(service.banner).toContain(`Sample files written to ${join(dataDir, 'demo')}`);

    const stateFile = join(dataDir, 'service.json');
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    expect(state).toMatchObject({ projectId: service.project, adminToken: service.token, url: service.url, karborUrl: service.karborUrl, pid: service.child.pid });
    expect(state.ownerId).toMatch(/^node-[0-9a-f-]{36}$/);
    expect((await api(service, '/providers')).body.providers).toEqual([expect.objectContaining({ id: DEFAULT_PROVIDER_ID, name: 'local' })]);
  }, 90_000);

  it('the karbor command line the banner prints works when run as printed', async () => {
    assertKarborCli();
    const [program, ...args] = service.karborLine.split(' ');
    expect(program).toBe('karbor');
    const result = await new Promise<Exit>((resolve) =>
      execFile(KARBOR_CLI, args, { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: tmpdir(), LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' }, timeout: 30_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error.code as number | undefined) ?? null) : 0, signal: null, stdout, stderr }),
      ),
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`\\| ${DEFAULT_PROVIDER_ID} \\| local +\\|`));
  }, 60_000);

  it('npm run demo succeeds against it: protect, copy, damage, verify both, restore from the copy, compare', async () => {
    const demo = await runNode(nodeArgs('demo'), { DATA_DIR: dataDir }, 180_000);
    demoOutput = demo.stdout;
    expect(demo.stdout, demo.stderr).toMatch(/\nOK — /);
    expect(demo.code).toBe(0);
    expect(demo.stdout).toContain('error, as it should be');
    expect(demo.stdout).toMatch(/OS::Local::Directory#demo: error — .*data\/archive\.bin/);
    expect(demo.stdout).toContain('success: the copy is intact');
    expect(demo.stdout).toContain('4 of 4 files identical');
    expect(demo.stdout).toContain('[##############################] 100%');
  }, 200_000);

  it('refuses a second service on the same data directory', async () => {
    const second = await launch(commandOf('start'), { DATA_DIR: dataDir, PORT: '0' }).exited;
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`Another example service (pid ${service.child.pid}) is using the data directory`);
    expect((await api(service, '/providers')).status).toBe(200);
  }, 90_000);

  it('Ctrl-C stops it cleanly', async () => {
    service.child.kill('SIGINT');
    const exit = await service.exited;
    expect(exit.stderr).toBe('');
    expect(exit.code).toBe(0);
    expect(exit.stdout).toMatch(/SIGINT: stopping[\s\S]*closing the records database\nStopped\.\n$/);
    expect(existsSync(join(dataDir, 'service.lock'))).toBe(false);
  }, 60_000);

  it('a restart keeps the token, the project, the plan, the checkpoints and the records', async () => {
    const plan = /Plan (\S+) created \((\S+)\)/.exec(demoOutput);
    const checkpoint = /Protect: checkpoint (\S+)/.exec(demoOutput);
    const copy = /finished: checkpoint \S+ → (\S+) in region-b/.exec(demoOutput);
    expect(plan && checkpoint && copy, demoOutput).toBeTruthy();
    const before = { project: service.project, token: service.token };

    const again = await startService(commandOf('start'), { DATA_DIR: dataDir, PORT: '0' });
    try {
      expect({ project: again.project, token: again.token }).toEqual(before);
      expect(again.banner).not.toContain('Sample files written');
      expect(again.banner).toContain('(admin; kept in');
      const plans = (await api(again, '/plans')).body.plans as Array<{ id: string; name: string }>;
      expect(plans).toContainEqual(expect.objectContaining({ id: plan![2], name: plan![1] }));
      const main = (await api(again, `/providers/${DEFAULT_PROVIDER_ID}/checkpoints`)).body.checkpoints as Array<{ id: string; status: string }>;
      expect(main).toContainEqual(expect.objectContaining({ id: checkpoint![1], status: 'available' }));
      const copies = (await api(again, `/providers/${DEFAULT_PROVIDER_ID}/checkpoints?bank=region-b`)).body.checkpoints as Array<{ id: string; status: string }>;
      expect(copies).toContainEqual(expect.objectContaining({ id: copy![1], status: 'available' }));
      const verifications = (await api(again, '/verifications')).body.verifications as Array<{ status: string }>;
      expect(verifications.map((verification) => verification.status).sort()).toEqual(['error', 'success']);
      expect((await api(again, '/plans', 'not-a-valid-token-at-all')).status).toBe(401);
    } finally {
      again.child.kill('SIGTERM');
    }
    const exit = await again.exited;
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain('SIGTERM: stopping');
  }, 120_000);
});

describe('the configuration file', () => {
  const valid = {
    listen: { port: 0 },
    banks: { primary: { type: 'fs', path: 'store/primary' }, dr: { type: 'fs', path: join(temp, 'dr-bank') } },
    plugins: { files: { type: 'local-directory', directories: { projects: join(temp, 'projects') } } },
    providers: [{ id: '0f4b6c1e-5d2a-4e8b-9c3f-1a2b3c4d5e6f', name: 'files', bank: 'primary', destinations: ['dr'], plugins: ['files'] }],
    tokens: [{ token: 'member-token-0123456789', user: 'alice', roles: ['member'] }],
  };

  it('names the field at fault, and the process exits 2', async () => {
    const path = join(temp, 'bad.json');
    writeFileSync(path, JSON.stringify({ ...valid, providers: [{ ...valid.providers[0], id: 'not-a-uuid' }] }));
    const exit = await launch(commandOf('start'), { DATA_DIR: join(temp, 'unused'), KARBOR_CONFIG: path }).exited;
    expect(exit.code).toBe(2);
    expect(exit.stderr).toContain(`Invalid configuration (${path})`);
    expect(exit.stderr).toContain('providers[0].id must be a UUID');
    expect(exit.stdout).toBe('');
    expect(existsSync(join(temp, 'unused')), 'nothing is written for a bad configuration').toBe(false);
  }, 60_000);

  it('reports references to banks and plugins that do not exist (--config)', async () => {
    const path = join(temp, 'dangling.json');
    writeFileSync(path, JSON.stringify({ ...valid, providers: [{ ...valid.providers[0], bank: 'nowhere', plugins: ['files', 'cinder'] }] }));
    const exit = await launch(commandOf('start'), { DATA_DIR: join(temp, 'unused') }, ['--config', path]).exited;
    expect(exit.code).toBe(2);
    expect(exit.stderr).toContain('providers[0].bank names no bank of `banks`: "nowhere"');
    expect(exit.stderr).toContain('providers[0].plugins[1] names no plugin of `plugins`: "cinder"');
  }, 60_000);

  it('checks every field with a message naming it', () => {
    const problems = configProblems;
    expect(problems({})).toEqual([]);
    expect(problems(valid)).toEqual([]);
    expect(problems([])).toEqual(['the configuration must be object, got []']);
    expect(problems({ listen: { port: 70000 } })).toEqual(['listen.port must be <= 65535, got 70000']);
    expect(problems({ listne: {} })).toEqual(['listne is not a known field']);
    expect(problems({ logLevel: 'loud' })).toEqual(['logLevel must be one of "debug", "info", "warn", "error", got "loud"']);
    expect(problems({ ...valid, banks: { ...valid.banks, dr: { type: 'ftp' } } })).toEqual(['banks.dr.type must be one of "fs", "swift", "s3", got "ftp"']);
    expect(problems({ ...valid, banks: { ...valid.banks, dr: { type: 'fs' } } })).toEqual(['banks.dr.path is required']);
    expect(problems({ ...valid, banks: { ...valid.banks, dr: { type: 'swift', container: 'c', auth: { type: 'tempauth', authUrl: 'http://x' } } } })).toEqual([
      'banks.dr.auth.user is required',
      'banks.dr.auth.key is required',
    ]);
    expect(problems({ ...valid, banks: { ...valid.banks, dr: { type: 's3', bucket: 'b', partSize: 'big' } } })).toEqual(['banks.dr.partSize must be integer, got "big"']);
    expect(problems({ ...valid, plugins: { files: { type: 'local-directory', directories: {} } } })).toEqual(['plugins.files.directories must NOT have fewer than 1 properties, got {}']);
    expect(problems({ ...valid, tokens: [{ token: 'short', user: 'bob' }] })).toEqual(['tokens[0].token must be a string of at least 16 characters, got "short"']);
    expect(problems({ ...valid, tokens: [valid.tokens[0], valid.tokens[0]] })).toEqual(['tokens[1].token is the same as tokens[0].token']);
    expect(problems({ ...valid, providers: [{ ...valid.providers[0], destinations: ['main'] }] })[0]).toContain('providers[0].destinations[0]: "main" is the name of every provider\'s main bank');
    expect(problems({ ...valid, providers: [valid.providers[0], { ...valid.providers[0], name: 'again' }] })).toEqual([
      `providers[1].id: providers[0] has the same id ${valid.providers[0]!.id}`,
      'providers[1].bank: bank "primary" is already used by providers[0].bank (a bank serves one provider, once)',
      'providers[1].destinations[0]: bank "dr" is already used by providers[0].destinations[0] (a bank serves one provider, once)',
    ]);
    expect(problems({ ...valid, providers: [{ ...valid.providers[0], defaultDestination: 'elsewhere' }] })).toEqual([
      'providers[0].defaultDestination must be one of providers[0].destinations, got "elsewhere"',
    ]);
    expect(problems({ policy: { 'plan:delete': 3 } })).toEqual(['policy["plan:delete"] must be string, got 3']);
    expect(problems({ policy: { 'plan:delete': 'rule:admin_api and (' } })).toEqual(['policy: Policy rule plan:delete does not parse: "rule:admin_api and ("']);
  });

  it('reads PORT, DATA_DIR, KARBOR_CONFIG and --config', () => {
    expect(readSettings([], { PORT: '0', DATA_DIR: '/srv/kts' })).toEqual({ dataDir: '/srv/kts', port: 0, help: false });
    expect(readSettings(['--config', '/etc/kts.json'], { KARBOR_CONFIG: '/elsewhere.json' }).configPath).toBe('/etc/kts.json');
    expect(readSettings([], { KARBOR_CONFIG: '/etc/kts.json' }).configPath).toBe('/etc/kts.json');
    expect(() => readSettings([], { PORT: 'eighty' })).toThrow('PORT must be an integer from 0 to 65535, got "eighty"');
    expect(() => readSettings(['--verbose'], {})).toThrow('unknown argument "--verbose"');
  });

  it('a valid file is used: its banks, plugins, providers, tokens and port', async () => {
    const path = join(temp, 'good.json');
    writeFileSync(path, JSON.stringify(valid));
    mkdirSync(join(temp, 'projects'), { recursive: true });
    writeFileSync(join(temp, 'projects', 'plan.txt'), 'a plan\n');
    const dataDir = join(temp, 'configured');
    const service = await startService(commandOf('start'), { DATA_DIR: dataDir }, ['--config', path]);
    try {
      expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(service.banner).toContain(`Config     ${path}`);
      expect(service.banner).toContain(`main bank  ${join(dataDir, 'store/primary')}`);
      expect(service.banner).toContain(`files: projects → ${join(temp, 'projects')}`);
      const member = 'member-token-0123456789';
      const providers = await api(service, '/providers', member);
      expect(providers.body.providers).toEqual([expect.objectContaining({ id: valid.providers[0]!.id, name: 'files' })]);
      expect((await api(service, `/providers/${valid.providers[0]!.id}`, member)).body.provider.destinations).toEqual(['dr']);
      expect((await api(service, '/protectables/OS::Local::Directory/instances', member)).body.instances).toEqual([expect.objectContaining({ id: 'projects' })]);
      expect((await api(service, '/os-services', member)).status).toBe(403);
      expect((await api(service, '/os-services')).status).toBe(200);
      expect(existsSync(join(dataDir, 'demo')), 'no sample files unless asked').toBe(false);
    } finally {
      service.child.kill('SIGTERM');
    }
    expect((await service.exited).code).toBe(0);
  }, 90_000);
});
