import { describe, expect, it } from 'vitest';
import { PluginRegistry, supportsCopy, supportsVerification, type ProtectionPlugin } from '../../../src/index.js';
import { basicPlugin, basicProtectable } from '../../fixtures/plugins.js';

const refused = (code: string) => expect.objectContaining({ code });

describe('plugin registry', () => {
  it('registers a plugin and finds it by resource type', () => {
    const registry = new PluginRegistry().register(basicPlugin('volumes', ['OS::Cinder::Volume']));
    expect(registry.pluginFor('OS::Cinder::Volume').name).toBe('volumes');
    expect(registry.resourceTypes()).toEqual(['OS::Cinder::Volume']);
    expect(registry.supports('OS::Cinder::Volume', 'protect')).toBe(true);
    expect(registry.supports('OS::Cinder::Volume', 'verify')).toBe(false);
    expect(() => registry.pluginFor('OS::Nova::Server')).toThrow(refused('KTS_ERR_PLUGIN_NOT_FOUND'));
  });

  it('validates parameters against the declared schema and fills defaults', () => {
    const registry = new PluginRegistry().register(basicPlugin('volumes', ['OS::Cinder::Volume']));
    expect(registry.validate('OS::Cinder::Volume', 'options', {})).toEqual({ mode: 'full' });
    expect(() => registry.validate('OS::Cinder::Volume', 'options', { mode: 'sideways' })).toThrow(
      expect.objectContaining({ code: 'KTS_ERR_VALIDATION', message: expect.stringContaining('options parameters of OS::Cinder::Volume') }),
    );
    expect(() => registry.validate('OS::Cinder::Volume', 'options', { extra: 1 })).toThrow(expect.objectContaining({ message: expect.stringContaining('(extra)') }));
    // Kinds without a schema accept any object but not other values.
    expect(registry.validate('OS::Cinder::Volume', 'verify', { anything: true })).toEqual({ anything: true });
    expect(() => registry.validate('OS::Cinder::Volume', 'verify', 'text')).toThrow(refused('KTS_ERR_VALIDATION'));
  });

  it('refuses a second plugin with the same name', () => {
    const registry = new PluginRegistry().register(basicPlugin('p', ['A']));
    expect(() => registry.register(basicPlugin('p', ['B']))).toThrow(refused('KTS_ERR_PLUGIN_DUPLICATE_NAME'));
    expect(registry.findPlugin('B')).toBeUndefined();
  });

  it('refuses a second plugin for a resource type, registering nothing of it', () => {
    const registry = new PluginRegistry().register(basicPlugin('first', ['A']));
    expect(() => registry.register(basicPlugin('second', ['B', 'A']))).toThrow(
      expect.objectContaining({ code: 'KTS_ERR_PLUGIN_TYPE_CONFLICT', details: { plugin: 'second', type: 'A', holder: 'first' } }),
    );
    expect(registry.findPlugin('B')).toBeUndefined();
    expect(registry.plugins().map((p) => p.name)).toEqual(['first']);
  });

  it('refuses schemas that do not compile, registering nothing', () => {
    const bad = basicPlugin('bad', ['A'], { resourceTypes: { A: { verify: { type: 'no-such-type' } } } });
    const registry = new PluginRegistry();
    expect(() => registry.register(bad)).toThrow(expect.objectContaining({ code: 'KTS_ERR_PLUGIN_SCHEMA_INVALID', details: { plugin: 'bad', type: 'A', kind: 'verify' } }));
    expect(registry.plugins()).toEqual([]);
  });

  it('refuses malformed plugins with KTS_ERR_PLUGIN_INVALID', () => {
    const cases: [string, Partial<ProtectionPlugin> | Record<string, unknown>][] = [
      ['bad name', { name: '' }],
      ['bad version', { version: 'one' }],
      ['no types', { resourceTypes: {} }],
      ['bad type', { resourceTypes: { 'A#B': {} } }],
      ['unknown schema kind', { resourceTypes: { A: { backup: {} } } }],
      ['no protect', { getProtectOperation: undefined }],
      ['no restore', { getRestoreOperation: 'x' }],
      ['no delete', { getDeleteOperation: undefined }],
      ['verify without levels', { getVerifyOperation: () => ({}) }],
      ['levels without verify', { verificationLevels: ['presence'] }],
      ['unknown level', { getVerifyOperation: () => ({}), verificationLevels: ['deep'] }],
      ['empty levels', { getVerifyOperation: () => ({}), verificationLevels: [] }],
      ['copy not a function', { getCopyOperation: 3 }],
    ];
    for (const [why, overrides] of cases) {
      const registry = new PluginRegistry();
      expect(() => registry.register(basicPlugin('p', ['A'], overrides as Partial<ProtectionPlugin>)), why).toThrow(refused('KTS_ERR_PLUGIN_INVALID'));
      expect(registry.plugins(), why).toEqual([]);
    }
    expect(() => new PluginRegistry().register(null as unknown as ProtectionPlugin)).toThrow(refused('KTS_ERR_PLUGIN_INVALID'));
  });

  it('tells verify and copy support apart with type guards', () => {
    const plain = basicPlugin('plain');
    const full = basicPlugin('full', ['B'], { getVerifyOperation: () => ({}), verificationLevels: ['presence', 'checksum'], getCopyOperation: () => ({}) });
    expect(supportsVerification(plain)).toBe(false);
    expect(supportsCopy(plain)).toBe(false);
    expect(supportsVerification(full)).toBe(true);
    expect(supportsCopy(full)).toBe(true);
    const registry = new PluginRegistry().register(full);
    expect(registry.supports('B', 'verify')).toBe(true);
    expect(registry.supports('B', 'copy')).toBe(true);
  });

  it('checks protectable plugins: shape, unique name and type', () => {
    const registry = new PluginRegistry().registerProtectable(basicProtectable('dirs', 'OS::Local::Directory'));
    expect(registry.protectableFor('OS::Local::Directory').name).toBe('dirs');
    expect(() => registry.registerProtectable(basicProtectable('dirs', 'Other'))).toThrow(refused('KTS_ERR_PLUGIN_DUPLICATE_NAME'));
    expect(() => registry.registerProtectable(basicProtectable('dirs2', 'OS::Local::Directory'))).toThrow(refused('KTS_ERR_PLUGIN_TYPE_CONFLICT'));
    expect(() => registry.registerProtectable({ ...basicProtectable('x', 'X'), listResources: undefined } as never)).toThrow(refused('KTS_ERR_PLUGIN_INVALID'));
    expect(() => registry.registerProtectable({ ...basicProtectable('y', 'Y'), parentResourceTypes: 'OS::Nova::Server' } as never)).toThrow(refused('KTS_ERR_PLUGIN_INVALID'));
    expect(() => registry.registerProtectable({ ...basicProtectable('z', 'Z'), instanceParametersSchema: { type: 7 } })).toThrow(refused('KTS_ERR_PLUGIN_SCHEMA_INVALID'));
    expect(() => registry.protectableFor('Nope')).toThrow(refused('KTS_ERR_PLUGIN_NOT_FOUND'));
  });
});
