/**
 * The example service with `keystone` in its configuration, against the real Keystone of
 * `scripts/keystone-up.sh`: users call the API with their own Keystone tokens, which the
 * service validates with its service user (`karbor`, role `service`); the tokens table (the
 * generated admin token) still works beside it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configProblems as problems } from '../helpers/config-problems.js';
import { commandOf, killLaunched, startService } from '../helpers/example-service.js';
import { keystoneLogin, requireKeystone } from '../helpers/keystone.js';

const keystone = await requireKeystone();
const temp = mkdtempSync(join(tmpdir(), 'kts-keystone-auth-'));
afterAll(() => {
  killLaunched();
  rmSync(temp, { recursive: true, force: true });
});

const validation = { authUrl: keystone.authUrl, username: keystone.service.username, password: keystone.service.password, projectName: keystone.service.projectName };
const config = {
  listen: { port: 0 },
  banks: { primary: { type: 'fs', path: 'store/primary' } },
  plugins: { files: { type: 'local-directory', directories: { projects: join(temp, 'projects') } } },
  providers: [{ id: '6d0c2a4e-9b1f-4c3d-8e5a-7f6b5c4d3e2f', name: 'files', bank: 'primary', plugins: ['files'] }],
  keystone: validation,
};

describe('the example service with Keystone', () => {
  it('checks the keystone field', () => {
    expect(problems(config)).toEqual([]);
    expect(problems({ ...config, keystone: { ...validation, authUrl: 'keystone:5000' } })).toEqual([
      'keystone.authUrl must be an http:// or https:// URL such as http://127.0.0.1:9292, got "keystone:5000"',
    ]);
    expect(problems({ ...config, keystone: { ...validation, authUrl: 'http://' } })).toHaveLength(1);
    const { projectName: _dropped, ...unscoped } = validation;
    expect(problems({ ...config, keystone: unscoped })).toEqual(['keystone.projectName is required']);
    expect(problems({ ...config, keystone: { ...validation, region: 'RegionOne' } })).toEqual(['keystone.region is not a known field']);
  });

  it('accepts users’ Keystone tokens for their own project, and still its own tokens', async () => {
    mkdirSync(join(temp, 'projects'), { recursive: true });
    const path = join(temp, 'kts.json');
    writeFileSync(path, JSON.stringify(config));
    const service = await startService(commandOf('start'), { DATA_DIR: join(temp, 'data') }, ['--config', path]);
    try {
      const demo = await keystoneLogin(keystone, keystone.demo);
      const project = demo.body.project!.id;
      const call = (projectId: string, token: string) => fetch(`${service.url}/v1/${projectId}/providers`, { headers: { 'X-Auth-Token': token } });

      const listed = await call(project, demo.token);
      expect(listed.status).toBe(200);
      expect(((await listed.json()) as { providers: { name: string }[] }).providers.map((provider) => provider.name)).toEqual(['files']);
      // A member's token is for its own project: another project's URL is forbidden.
      expect((await call(service.project, demo.token)).status).toBe(403);
      // Keystone does not know it, and neither does the table.
      expect((await call(project, 'gAAAAAB-not-a-token-of-keystone')).status).toBe(401);
      // The generated admin token (the tokens table) works beside Keystone.
      expect((await call(service.project, service.token)).status).toBe(200);
    } finally {
      service.child.kill('SIGTERM');
    }
    expect((await service.exited).code).toBe(0);
  }, 90_000);
});
