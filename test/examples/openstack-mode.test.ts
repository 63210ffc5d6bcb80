/**
 * The example service's OpenStack mode, started as `npm run start:openstack` starts it
 * (`scripts/start-openstack.sh`, with PORT=0, a fresh DATA_DIR and containers of its own), over
 * the real Swift, Glance and Cinder of `scripts/*-up.sh`. Through the HTTP API: the three
 * providers; a Glance image of the service's project listed, protected into the main Swift
 * container, verified, copied into the region-B container and verified there — with every chunk
 * found in both containers under Swift's own ETag. Then Ctrl-C. And the configuration of the
 * new plugin types: bad files are refused naming the field.
 *
 * Fails (never skips) when Swift, Glance or Cinder does not answer. Every image and container
 * the run made is deleted afterwards.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GlanceClient, staticEndpoint, trustedHeaders } from '../../src/clients/index.js';
import { resolveConfig } from '../../examples/service/config.js';
import { createApiClient, type ApiRecord, type KarborApiClient } from '../../examples/service/demo/api.js';
import { OPENSTACK_CONFIG_FILE, OPENSTACK_PROVIDER_IDS, openStackConfig, openStackServices } from '../../examples/service/openstack-mode.js';
import { configProblems } from '../helpers/config-problems.js';
import { killLaunched, npmScripts, startService, type RunningService } from '../helpers/example-service.js';
import { purgeSwiftContainers, requireCinder, requireGlance, requireSwift, uniqueName } from '../helpers/services.js';

const [swift, glanceService] = await Promise.all([requireSwift(), requireGlance(), requireCinder()]);

const IMAGE_TYPE = 'OS::Glance::Image';
const CHUNK = 64 * 1024;
const temp = mkdtempSync(join(tmpdir(), 'kts-openstack-'));
const dataDir = join(temp, 'data');
const prefix = uniqueName('kts-osm');
const container = (bank: string): string => `${prefix}-${bank}`;
const images: Array<{ id: string; glance: GlanceClient }> = [];
const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');

afterAll(async () => {
  killLaunched();
  await Promise.all(images.map(({ id, glance }) => glance.deleteImage(id, { ignoreMissing: true })));
  const banks = ['local', 'local-region-b', 'glance', 'glance-region-b', 'cinder', 'cinder-region-b'].map(container);
  await purgeSwiftContainers(swift, banks.flatMap((name) => [name, `${name}_segments`, `${name}_leases`]));
  rmSync(temp, { recursive: true, force: true });
});

/** The objects of a Swift container below `path`, with their ETags, straight from Swift. */
async function swiftObjects(name: string, path: string): Promise<Map<string, string>> {
  const response = await fetch(`${swift.storageUrl}/${encodeURIComponent(name)}?format=json&prefix=${encodeURIComponent(path)}`, { headers: { 'X-Auth-Token': swift.token } });
  expect(response.status, `container ${name} lists objects below ${path}`).toBe(200);
  const listing = (await response.json()) as Array<{ name: string; hash: string }>;
  return new Map(listing.map((entry) => [entry.name.slice(path.length), entry.hash]));
}

describe('npm run start:openstack', () => {
  let service: RunningService;
  let api: KarborApiClient;
  let glance: GlanceClient;

  it('package.json runs scripts/start-openstack.sh', () => {
    expect(npmScripts()['start:openstack']).toBe('exec bash scripts/start-openstack.sh');
  });

  it('starts the services and the service over them, with three providers', async () => {
    service = await startService(['bash', ['scripts/start-openstack.sh']], { DATA_DIR: dataDir, PORT: '0', KARBOR_CONTAINER_PREFIX: prefix });
    api = createApiClient(service.karborUrl, service.token);
    expect(service.output().stderr).toMatch(/swift (already running|up)[\s\S]*glance (already running|up)[\s\S]*cinder (already running|up)/);
    expect(service.karborLine).toBe(`karbor --os-no-client-auth --karbor-url ${service.karborUrl} --os-auth-token ${service.token} provider-list`);
    const configPath = join(dataDir, OPENSTACK_CONFIG_FILE);
    expect(service.banner).toContain(`Config     ${configPath}`);
    expect(service.banner).toContain(`main bank        swift:${container('glance')}`);
    expect(service.banner).toContain(`glance-region-b  swift:${container('glance-region-b')} (copy destination, the default)`);
    expect(service.banner).toContain(`glance-image: Glance images at ${glanceService.url}`);
    expect(service.banner).not.toContain('npm run demo');
    expect(statSync(configPath).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(configPath, 'utf8'))).toEqual(openStackConfig(openStackServices({ ...process.env, KARBOR_CONTAINER_PREFIX: prefix }, dataDir)));

    const { providers } = await api.call('GET', '/providers');
    expect((providers as ApiRecord[]).map((provider) => [provider['name'], provider['id']]).sort()).toEqual([
      ['cinder', OPENSTACK_PROVIDER_IDS.cinder],
      ['glance', OPENSTACK_PROVIDER_IDS.glance],
      ['local', OPENSTACK_PROVIDER_IDS.local],
    ]);
    expect((await api.call('GET', `/providers/${OPENSTACK_PROVIDER_IDS.glance}`))['provider']['destinations']).toEqual(['glance-region-b']);
  }, 90_000);

  it("lists the project's Glance images and Cinder volumes", async () => {
    glance = new GlanceClient({ endpoint: staticEndpoint(glanceService.url, trustedHeaders({ projectId: service.project })) });
    const image = await glance.createImage({ name: `${prefix}-image`, disk_format: 'raw', container_format: 'bare', visibility: 'private' });
    images.push({ id: image.id, glance });
    const { instances } = await api.call('GET', `/protectables/${IMAGE_TYPE}/instances`);
    expect((instances as ApiRecord[]).map((instance) => instance['id'])).toContain(image.id);
    const volumes = await api.call('GET', '/protectables/OS::Cinder::Volume/instances');
    expect(Array.isArray(volumes['instances'])).toBe(true);
  });

  it('protects a Glance image into Swift, verifies it, copies it to region B and verifies the copy', async () => {
    const data = randomBytes(4 * CHUNK + 1234);
    const image = images[0]!;
    await glance.uploadImage(image.id, data, { size: data.length });
    await glance.waitForImage(image.id, { intervalMs: 100 });
    const provider = OPENSTACK_PROVIDER_IDS.glance;
    const wait = (path: string, key: string, final: readonly string[]): Promise<ApiRecord> => api.waitFor(path, key, final, undefined, 50_000);

    const { plan } = await api.call('POST', '/plans', {
      plan: { name: `${prefix}-plan`, provider_id: provider, resources: [{ id: image.id, type: IMAGE_TYPE, name: `${prefix}-image` }], parameters: { [IMAGE_TYPE]: { chunk_size: CHUNK } } },
    });
    const { checkpoint: started } = await api.call('POST', `/providers/${provider}/checkpoints`, { checkpoint: { plan_id: plan['id'] } });
    const checkpoint = await wait(`/providers/${provider}/checkpoints/${started['id']}`, 'checkpoint', ['available', 'error']);
    expect(checkpoint['status'], JSON.stringify(checkpoint)).toBe('available');

    const { verification } = await api.call('POST', '/verifications', { verification: { provider_id: provider, checkpoint_id: checkpoint['id'], parameters: {}, level: 'full' } });
    const verified = await wait(`/verifications/${verification['id']}`, 'verification', ['success', 'error']);
    expect(verified['status'], JSON.stringify(verified['resource_reason'])).toBe('success');
    expect(verified['resource_status']).toEqual({ [`${IMAGE_TYPE}#${image.id}`]: 'success' });

    const { copy: copyStarted } = await api.call('POST', `/providers/${provider}/checkpoints/action`, {
      copy: [{ provider_id: provider, plan_id: plan['id'], parameters: {}, destination: 'glance-region-b' }],
    });
    const copy = await wait(`/copies/${copyStarted['id']}`, 'copy', ['finished', 'error']);
    expect(copy['status'], JSON.stringify(copy)).toBe('finished');
    const copyId = (copy['checkpoints'] as ApiRecord[]).find((pair) => pair['source_checkpoint_id'] === checkpoint['id'])?.['copy_checkpoint_id'] as string;
    expect(copyId).toBeDefined();

    const { verification: copyCheck } = await api.call('POST', '/verifications', {
      verification: { provider_id: provider, checkpoint_id: copyId, parameters: {}, level: 'checksum', bank: 'glance-region-b' },
    });
    const copyVerified = await wait(`/verifications/${copyCheck['id']}`, 'verification', ['success', 'error']);
    expect(copyVerified['status'], JSON.stringify(copyVerified['resource_reason'])).toBe('success');

    // The data really is in the two Swift containers: every chunk, under Swift's own md5 ETag.
    const chunkEtags = (objects: Map<string, string>): string[] =>
      [...objects].filter(([key]) => /\/chunks\/\d+$/u.test(key)).sort(([a], [b]) => a.localeCompare(b)).map(([, etag]) => etag);
    const expected = [0, 1, 2, 3, 4].map((index) => md5(data.subarray(index * CHUNK, (index + 1) * CHUNK)));
    const main = await swiftObjects(container('glance'), `checkpoints/${checkpoint['id']}/`);
    const copied = await swiftObjects(container('glance-region-b'), `checkpoints/${copyId}/`);
    expect(chunkEtags(main)).toEqual(expected);
    expect(chunkEtags(copied)).toEqual(expected);
    expect([...main.keys()].some((key) => key.endsWith('/manifest.json'))).toBe(true);
    expect([...copied.keys()].some((key) => key.endsWith('/manifest.json'))).toBe(true);
  }, 60_000);

  it('Ctrl-C stops it cleanly', async () => {
    service.child.kill('SIGINT');
    const exit = await service.exited;
    expect(exit.code).toBe(0);
    expect(exit.stdout).toMatch(/SIGINT: stopping[\s\S]*Stopped\.\n$/);
  }, 30_000);
});

describe('the OpenStack plugin types in a configuration file', () => {
  const problems = (plugins: Record<string, unknown>): readonly string[] => {
    const file = {
      banks: { main: { type: 'fs', path: 'bank' } },
      plugins,
      providers: [{ id: OPENSTACK_PROVIDER_IDS.glance, name: 'p', bank: 'main', plugins: Object.keys(plugins) }],
    };
    return configProblems(file);
  };
  const keystone = { type: 'keystone', authUrl: 'http://keystone:5000/v3', username: 'karbor', password: 'secret', projectName: 'backup' };
  const { projectName: _scope, ...unscoped } = keystone;

  it('accepts what the OpenStack mode generates, and every auth kind', () => {
    expect(() => resolveConfig(openStackConfig(openStackServices({}, '/srv/kts')), 'generated')).not.toThrow();
    expect(problems({ images: { type: 'glance-image', endpoint: 'http://127.0.0.1:9292', auth: { type: 'trusted-headers', projectId: 'p1', roles: ['admin'] }, concurrency: 2 } })).toEqual([]);
    expect(problems({ images: { type: 'glance-image', endpoint: 'http://127.0.0.1:9292', auth: { type: 'none' } } })).toEqual([]);
    expect(problems({ images: { type: 'glance-image', auth: keystone } })).toEqual([]);
    expect(problems({ volumes: { type: 'cinder-volume', endpoint: 'http://127.0.0.1:8776', auth: { type: 'noauth', projectId: '0123abcd' }, backupTimeoutMs: 60_000 } })).toEqual([]);
    expect(problems({ volumes: { type: 'cinder-volume', endpoint: 'https://cinder.example.com/v3/abc', auth: { ...keystone, region: 'RegionOne', interface: 'internal' } } })).toEqual([]);
  });

  it('names the field at fault', () => {
    expect(problems({ images: { type: 'glance', endpoint: 'http://h' } })).toEqual(['plugins.images.type must be one of "local-directory", "glance-image", "cinder-volume", got "glance"']);
    expect(problems({ images: { type: 'glance-image', endpoint: 'http://127.0.0.1:9292' } })).toEqual(['plugins.images.auth is required']);
    expect(problems({ images: { type: 'glance-image', endpoint: '127.0.0.1:9292', auth: { type: 'none' } } })).toEqual([
      'plugins.images.endpoint must be an http:// or https:// URL such as http://127.0.0.1:9292, got "127.0.0.1:9292"',
    ]);
    expect(problems({ images: { type: 'glance-image', endpoint: 'http://h', auth: { type: 'noauth' } } })).toEqual([
      'plugins.images.auth.type must be one of "trusted-headers", "none", "keystone", got "noauth"',
    ]);
    expect(problems({ images: { type: 'glance-image', endpoint: 'http://h', auth: { type: 'trusted-headers', project: 'p' } } })).toEqual(['plugins.images.auth.project is not a known field']);
    expect(problems({ images: { type: 'glance-image', auth: { type: 'trusted-headers' } } })).toEqual([
      'plugins.images.endpoint is required with auth type "trusted-headers" (only Keystone auth can find the endpoint in its catalog)',
    ]);
    expect(problems({ images: { type: 'glance-image', auth: unscoped } })).toEqual([
      'plugins.images.auth needs projectId or projectName: the Keystone token must be scoped to a project to carry a service catalog',
    ]);
    expect(problems({ images: { type: 'glance-image', endpoint: 'http://h', auth: { type: 'none' }, concurrency: 0 } })).toEqual(['plugins.images.concurrency must be >= 1, got 0']);
    expect(problems({ volumes: { type: 'cinder-volume', endpoint: 'http://h', auth: { type: 'noauth', projectId: 'my-project' } } })).toEqual([
      'plugins.volumes.auth.projectId must be hex digits or a UUID (Cinder answers 404 for other project ids), got "my-project"',
    ]);
    expect(problems({ volumes: { type: 'cinder-volume', endpoint: 'http://h', auth: { type: 'keystone', authUrl: 'http://k' } } })).toEqual([
      'plugins.volumes.auth.username is required',
      'plugins.volumes.auth.password is required',
    ]);
    expect(problems({ volumes: { type: 'cinder-volume', endpoint: 'http://h', auth: { type: 'noauth' }, pollIntervalMs: 2000, maxPollIntervalMs: 1000 } })).toEqual([
      'plugins.volumes.maxPollIntervalMs must be at least pollIntervalMs (2000), got 1000',
    ]);
  });

  it('checks the Swift bank options too', () => {
    const swiftBank = { type: 'swift', container: 'c', auth: { type: 'tempauth', authUrl: 'http://h/auth/v1.0', user: 'u', key: 'k' } };
    const withBank = (bank: Record<string, unknown>): readonly string[] =>
      configProblems({ banks: { main: bank }, providers: [{ id: OPENSTACK_PROVIDER_IDS.local, name: 'p', bank: 'main', plugins: ['local-directory'] }] });
    expect(withBank({ ...swiftBank, storageUrl: 'http://h/v1/AUTH_a', initialToken: 'tok', tokenRefreshMarginMs: 0 })).toEqual([]);
    expect(withBank({ ...swiftBank, initialToken: 'tok' })).toEqual(['banks.main.storageUrl is required with initialToken']);
    expect(withBank({ ...swiftBank, tokenRefreshMarginMs: -1 })).toEqual(['banks.main.tokenRefreshMarginMs must be >= 0, got -1']);
  });

  it('refuses a bad KARBOR_CONTAINER_PREFIX or GLANCE_AUTH', () => {
    expect(() => openStackServices({ KARBOR_CONTAINER_PREFIX: 'Has/Slash' }, '/srv/kts')).toThrow('KARBOR_CONTAINER_PREFIX must be 1 to 40 lowercase letters');
    expect(() => openStackServices({ GLANCE_AUTH: 'keystone' }, '/srv/kts')).toThrow('GLANCE_AUTH must be "trusted" or "unauth", got "keystone"');
    expect(openStackServices({}, '/srv/a').containerPrefix).not.toBe(openStackServices({}, '/srv/b').containerPrefix);
  });
});
