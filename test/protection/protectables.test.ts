/**
 * The global protectables view through the library API: types and dependent types across
 * providers, instances gathered from every provider's plugin (de-duplicated, sorted, paged for
 * real), parameters checked against each plugin's schema, dependents, and plugin failures as
 * coded errors naming the plugin. Ends with the real local-directory plugin on a SQLite store.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createBank, createMemoryDriver } from '../../src/bank/index.js';
import { defineProtectablePlugin, NotFoundError, type ProtectablePlugin, type Resource } from '../../src/index.js';
import { createLocalDirectoryPlugin, LOCAL_DIRECTORY_TYPE } from '../../src/plugins/local-directory/index.js';
import { createProtectionService, type ProtectionService, type RequestContext } from '../../src/protection/index.js';
import { createMemoryStore, createSqliteStore } from '../../src/store/index.js';
import { blobPlugin } from '../fixtures/blob-plugin.js';

const alice: RequestContext = { projectId: 'alice' };
const SERVER = 'Test::Server';
const VOLUME = 'Test::Volume';
const BROKEN = 'Test::Broken';

const root = mkdtempSync(join(tmpdir(), 'kts-protectables-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const open: ProtectionService[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((service) => service.close()));
});

/** A protectable plugin over a fixed list; records what it was asked. */
function fixed(name: string, type: string, parents: string[], instances: Resource[], options: { dependents?: Record<string, Resource[]>; schema?: Record<string, unknown> } = {}) {
  const calls: { method: string; projectId: string; parameters?: unknown }[] = [];
  const plugin = defineProtectablePlugin({
    name,
    resourceType: type,
    parentResourceTypes: parents,
    ...(options.schema ? { instanceParametersSchema: options.schema } : {}),
    async listResources(context, parameters) {
      calls.push({ method: 'list', projectId: context.projectId, parameters });
      return instances;
    },
    async showResource(context, id, parameters) {
      calls.push({ method: 'show', projectId: context.projectId, parameters });
      const found = instances.find((instance) => instance.id === id);
      if (!found) throw new NotFoundError(`${name} has no ${id}`);
      return found;
    },
    async getDependentResources(_context, parent) {
      return options.dependents?.[`${parent.type}#${parent.id}`] ?? [];
    },
  });
  return { plugin, calls };
}

const volume = (id: string, name = id): Resource => ({ type: VOLUME, id, name, extraInfo: { size: id.length } });

async function setup(extra: { a?: ProtectablePlugin[]; b?: ProtectablePlugin[] } = {}) {
  const servers = fixed('servers', SERVER, [], [
    { type: SERVER, id: 's2', name: 'web' },
    { type: SERVER, id: 's1', name: 'db' },
  ]);
  const volumesA = fixed('volumes-a', VOLUME, [SERVER], [volume('v3', 'from a'), volume('v1')], {
    dependents: { [`${SERVER}#s1`]: [volume('v1')], [`${SERVER}#s2`]: [volume('v3')] },
    schema: { type: 'object', properties: { region: { type: 'string' }, detail: { type: 'boolean', default: false } }, additionalProperties: false },
  });
  const volumesB = fixed('volumes-b', VOLUME, [SERVER], [volume('v3', 'from b'), volume('v2'), volume('v4')], {
    dependents: { [`${SERVER}#s1`]: [volume('v1'), volume('v2')] },
  });
  const service = await createProtectionService({
    store: createMemoryStore(),
    providers: [
      { id: 'a', name: 'a', bank: createBank(createMemoryDriver()), plugins: [blobPlugin({ blobs: new Map() })], protectables: [servers.plugin, volumesA.plugin, ...(extra.a ?? [])] },
      // The same servers plugin object in a second provider counts once.
      { id: 'b', name: 'b', bank: createBank(createMemoryDriver()), plugins: [blobPlugin({ blobs: new Map() })], protectables: [servers.plugin, volumesB.plugin, ...(extra.b ?? [])] },
    ],
  });
  open.push(service);
  return { service, servers, volumesA, volumesB };
}

describe('protectables: types', () => {
  it('lists the types any provider can list, sorted and unique, with their dependent types', async () => {
    const broken = fixed('broken', BROKEN, [VOLUME], []);
    const { service } = await setup({ b: [broken.plugin] });
    expect(service.protectables.types(alice)).toEqual([BROKEN, SERVER, VOLUME]);
    expect(service.protectables.type(alice, SERVER)).toEqual({ name: SERVER, dependentTypes: [VOLUME] });
    expect(service.protectables.type(alice, VOLUME)).toEqual({ name: VOLUME, dependentTypes: [BROKEN] });
    expect(service.protectables.type(alice, BROKEN)).toEqual({ name: BROKEN, dependentTypes: [] });
    expect(() => service.protectables.type(alice, 'OS::Nova::Server')).toThrow(expect.objectContaining({ code: 'KTS_ERR_PROTECTABLE_TYPE_NOT_FOUND', kind: 'not_found' }));
  });
});

describe('protectables: instances', () => {
  it("gathers every provider's instances, de-duplicated by id (the first provider's wins) and sorted, with their dependents", async () => {
    const { service, volumesA, volumesB } = await setup();
    const page = await service.protectables.instances(alice, VOLUME);
    expect(page.items.map((item) => [item.id, item.name])).toEqual([['v1', 'v1'], ['v2', 'v2'], ['v3', 'from a'], ['v4', 'v4']]);
    expect(page.items[0]).toEqual({ id: 'v1', type: VOLUME, name: 'v1', extraInfo: { size: 2 }, dependentResources: [] });
    expect(page.nextMarker).toBeUndefined();
    expect([...volumesA.calls, ...volumesB.calls].map((call) => [call.method, call.projectId])).toEqual([['list', 'alice'], ['list', 'alice']]);

    const servers = await service.protectables.instances(alice, SERVER);
    expect(servers.items.map((item) => [item.id, item.dependentResources.map((dependent) => `${dependent.type}#${dependent.id}`)])).toEqual([
      ['s1', [`${VOLUME}#v1`, `${VOLUME}#v2`]],
      ['s2', [`${VOLUME}#v3`]],
    ]);
  });

  it('pages with an exclusive marker and a limit, visiting each instance once', async () => {
    const { service } = await setup();
    const first = await service.protectables.instances(alice, VOLUME, { limit: 3 });
    expect(first.items.map((item) => item.id)).toEqual(['v1', 'v2', 'v3']);
    expect(first.nextMarker).toBe('v3');
    const second = await service.protectables.instances(alice, VOLUME, { limit: 3, marker: first.nextMarker! });
    expect(second.items.map((item) => item.id)).toEqual(['v4']);
    expect(second.nextMarker).toBeUndefined();
    const exact = await service.protectables.instances(alice, VOLUME, { limit: 4 });
    expect(exact.nextMarker).toBeUndefined();
    expect((await service.protectables.instances(alice, VOLUME, { marker: 'v4' })).items).toEqual([]);
    await expect(service.protectables.instances(alice, VOLUME, { marker: 'v9' })).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
    for (const limit of [0, -1, 1.5, Number.NaN, '2' as unknown as number]) {
      await expect(service.protectables.instances(alice, VOLUME, { limit })).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
    }
    await expect(service.protectables.instances(alice, 'Nope::Type')).rejects.toMatchObject({ code: 'KTS_ERR_PROTECTABLE_TYPE_NOT_FOUND' });
  });

  it("checks parameters against each plugin's schema before asking any plugin, and passes them with defaults filled in", async () => {
    const { service, volumesA, volumesB } = await setup();
    for (const parameters of [{ region: 5 }, { bogus: true }, 'region' as never]) {
      await expect(service.protectables.instances(alice, VOLUME, { parameters })).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
      await expect(service.protectables.instance(alice, VOLUME, 'v1', { parameters })).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
    }
    expect([...volumesA.calls, ...volumesB.calls]).toEqual([]);
    const given = { region: 'north' };
    await service.protectables.instances(alice, VOLUME, { parameters: given });
    expect(volumesA.calls[0]!.parameters).toEqual({ region: 'north', detail: false });
    // A plugin without a schema gets the parameters as given, and the caller's object is untouched.
    expect(volumesB.calls[0]!.parameters).toEqual({ region: 'north' });
    expect(given).toEqual({ region: 'north' });
  });

  it('shows one instance from whichever provider knows it, with its dependents; an unknown id is not found', async () => {
    const { service } = await setup();
    expect(await service.protectables.instance(alice, VOLUME, 'v2')).toEqual({ id: 'v2', type: VOLUME, name: 'v2', extraInfo: { size: 2 }, dependentResources: [] });
    expect((await service.protectables.instance(alice, VOLUME, 'v3')).name).toBe('from a');
    const server = await service.protectables.instance(alice, SERVER, 's1');
    expect(server.dependentResources.map((dependent) => dependent.id)).toEqual(['v1', 'v2']);
    await expect(service.protectables.instance(alice, VOLUME, 'v9')).rejects.toMatchObject({ code: 'KTS_ERR_PROTECTABLE_NOT_FOUND', kind: 'not_found', details: { type: VOLUME, id: 'v9' } });
    await expect(service.protectables.instance(alice, 'Nope::Type', 'v1')).rejects.toMatchObject({ code: 'KTS_ERR_PROTECTABLE_TYPE_NOT_FOUND' });
  });
});

describe('protectables: plugin failures', () => {
  const failing = (name: string, type: string, parents: string[], how: 'throw' | 'garbage'): ProtectablePlugin => ({
    name,
    resourceType: type,
    parentResourceTypes: parents,
    listResources: async () => {
      if (how === 'throw') throw new Error('backend unreachable');
      return [{ id: 42 }] as never;
    },
    showResource: async () => {
      if (how === 'throw') throw new Error('backend unreachable');
      return null as never;
    },
    getDependentResources: async () => {
      if (how === 'throw') throw new Error('backend unreachable');
      return 'nope' as never;
    },
  });

  it('turns a throwing plugin into a plugin error naming it', async () => {
    const { service } = await setup({ a: [failing('broken', BROKEN, [], 'throw')] });
    const attempt = service.protectables.instances(alice, BROKEN);
    await expect(attempt).rejects.toMatchObject({
      code: 'KTS_ERR_PLUGIN_OPERATION_FAILED',
      kind: 'plugin',
      name: 'PluginError',
      details: { plugin: 'broken', type: BROKEN },
      message: expect.stringMatching(/broken.*backend unreachable/),
    });
    await expect(service.protectables.instance(alice, BROKEN, 'x')).rejects.toMatchObject({ code: 'KTS_ERR_PLUGIN_OPERATION_FAILED', details: { plugin: 'broken' } });
  });

  it('turns malformed results and failing dependents into plugin errors', async () => {
    const { service } = await setup({ a: [failing('garbage', BROKEN, [SERVER], 'garbage')] });
    await expect(service.protectables.instances(alice, BROKEN)).rejects.toMatchObject({ code: 'KTS_ERR_PLUGIN_OPERATION_FAILED', details: { plugin: 'garbage' } });
    await expect(service.protectables.instance(alice, BROKEN, 'x')).rejects.toMatchObject({ code: 'KTS_ERR_PLUGIN_OPERATION_FAILED', details: { plugin: 'garbage' } });
    // The servers' dependents now include this plugin's, which answers nonsense.
    await expect(service.protectables.instances(alice, SERVER)).rejects.toMatchObject({ code: 'KTS_ERR_PLUGIN_OPERATION_FAILED', details: { plugin: 'garbage' } });
  });

  it('finds an instance in a healthy provider even when another provider fails, and names the failing one otherwise', async () => {
    const flaky = fixed('volumes-flaky', VOLUME, [], []);
    flaky.plugin.showResource = async () => {
      throw new Error('timeout');
    };
    const healthy = fixed('volumes-ok', VOLUME, [], [volume('v7')]);
    const service = await createProtectionService({
      store: createMemoryStore(),
      providers: [
        { id: 'x', name: 'x', bank: createBank(createMemoryDriver()), plugins: [blobPlugin({ blobs: new Map() })], protectables: [flaky.plugin] },
        { id: 'y', name: 'y', bank: createBank(createMemoryDriver()), plugins: [blobPlugin({ blobs: new Map() })], protectables: [healthy.plugin] },
      ],
    });
    open.push(service);
    expect((await service.protectables.instance(alice, VOLUME, 'v7')).id).toBe('v7');
    await expect(service.protectables.instance(alice, VOLUME, 'v8')).rejects.toMatchObject({ code: 'KTS_ERR_PLUGIN_OPERATION_FAILED', details: { plugin: 'volumes-flaky' } });
  });
});

describe('protectables: the local-directory plugin on a SQLite store', () => {
  it('lists and shows the configured directories', async () => {
    const docs = join(root, 'docs');
    const media = join(root, 'media');
    mkdirSync(docs);
    mkdirSync(media);
    const { protection, protectable } = createLocalDirectoryPlugin({ directories: { media, docs } });
    const store = await createSqliteStore({ path: join(root, 'records.sqlite') });
    const service = await createProtectionService({ store, providers: [{ id: 'local', name: 'local', bank: createBank(createMemoryDriver()), plugins: [protection], protectables: [protectable] }] });
    try {
      expect(service.protectables.types(alice)).toEqual([LOCAL_DIRECTORY_TYPE]);
      expect(service.protectables.type(alice, LOCAL_DIRECTORY_TYPE)).toEqual({ name: LOCAL_DIRECTORY_TYPE, dependentTypes: [] });
      const page = await service.protectables.instances(alice, LOCAL_DIRECTORY_TYPE, { limit: 1 });
      expect(page).toEqual({ items: [{ id: 'docs', type: LOCAL_DIRECTORY_TYPE, name: 'docs', extraInfo: { path: docs }, dependentResources: [] }], nextMarker: 'docs' });
      expect((await service.protectables.instances(alice, LOCAL_DIRECTORY_TYPE, { marker: 'docs' })).items.map((item) => item.id)).toEqual(['media']);
      expect((await service.protectables.instance(alice, LOCAL_DIRECTORY_TYPE, 'media')).extraInfo).toEqual({ path: media });
      await expect(service.protectables.instance(alice, LOCAL_DIRECTORY_TYPE, 'photos')).rejects.toMatchObject({ code: 'KTS_ERR_PROTECTABLE_NOT_FOUND' });
    } finally {
      await service.close();
      await store.close();
    }
  });
});
