import { describe, expect, it } from 'vitest';
import { ResourceGraph, parseResourceKey, resourceKey, resourceParameters, isResourceKey } from '../../../src/index.js';

const server = { type: 'OS::Nova::Server', id: 's1' };
const vol1 = { type: 'OS::Cinder::Volume', id: 'v1' };
const vol2 = { type: 'OS::Cinder::Volume', id: 'v2' };
const image = { type: 'OS::Glance::Image', id: 'v1' };

describe('resource keys', () => {
  it('key resources by type and id, so equal ids of different types never collide', () => {
    expect(resourceKey(vol1)).toBe('OS::Cinder::Volume#v1');
    expect(resourceKey(image)).not.toBe(resourceKey(vol1));
    const graph = ResourceGraph.from([vol1, image]);
    expect(graph.size).toBe(2);
  });

  it('parse at the first "#" so ids may contain "#"', () => {
    expect(parseResourceKey('OS::Local::Directory#/a#b')).toEqual({ type: 'OS::Local::Directory', id: '/a#b' });
    expect(isResourceKey('OS::Cinder::Volume#x')).toBe(true);
    expect(isResourceKey('#x')).toBe(false);
    for (const bad of ['no-hash', '#id', 'Type#', 'bad type#1']) {
      expect(() => parseResourceKey(bad)).toThrow(expect.objectContaining({ code: 'KTS_ERR_RESOURCE_KEY_INVALID' }));
    }
    expect(() => resourceKey({ type: 'A#B', id: '1' })).toThrow(expect.objectContaining({ code: 'KTS_ERR_RESOURCE_KEY_INVALID' }));
    expect(() => resourceKey({ type: 'A', id: '' })).toThrow(expect.objectContaining({ code: 'KTS_ERR_RESOURCE_KEY_INVALID' }));
  });

  it('overlay per-instance parameters over per-type ones (Karbor\'s rule)', () => {
    const parameters = {
      'OS::Cinder::Volume': { backup_mode: 'full', container: 'a' },
      'OS::Cinder::Volume#v2': { backup_mode: 'incremental' },
    };
    expect(resourceParameters(parameters, vol1)).toEqual({ backup_mode: 'full', container: 'a' });
    expect(resourceParameters(parameters, vol2)).toEqual({ backup_mode: 'incremental', container: 'a' });
    expect(resourceParameters(undefined, vol2)).toEqual({});
  });
});

describe('resource graph', () => {
  it('knows parents, children and roots; shared children are allowed', () => {
    const graph = ResourceGraph.from([server, vol1, vol2], [
      [server, vol1],
      [server, vol2],
      [image, vol2],
    ]);
    expect(graph.roots()).toEqual(['OS::Nova::Server#s1', 'OS::Glance::Image#v1']);
    expect([...graph.children('OS::Nova::Server#s1')]).toEqual(['OS::Cinder::Volume#v1', 'OS::Cinder::Volume#v2']);
    expect([...graph.parents('OS::Cinder::Volume#v2')]).toEqual(['OS::Nova::Server#s1', 'OS::Glance::Image#v1']);
  });

  it('refuses a cycle the moment it would form, naming it', () => {
    const graph = ResourceGraph.from([server, vol1, vol2], [
      [server, vol1],
      [vol1, vol2],
    ]);
    expect(() => graph.link(vol2, server)).toThrow(
      expect.objectContaining({
        code: 'KTS_ERR_GRAPH_CYCLE',
        details: { cycle: ['OS::Cinder::Volume#v2', 'OS::Nova::Server#s1', 'OS::Cinder::Volume#v1', 'OS::Cinder::Volume#v2'] },
      }),
    );
    expect(() => graph.link(vol1, vol1)).toThrow(expect.objectContaining({ code: 'KTS_ERR_GRAPH_CYCLE' }));
    expect([...graph.children('OS::Cinder::Volume#v2')]).toEqual([]);
  });

  it('walks depth-first, entering a shared child once per parent but expanding it once', () => {
    const graph = ResourceGraph.from([server, image, vol1, vol2], [
      [server, vol1],
      [server, image],
      [image, vol2],
      [vol1, vol2],
    ]);
    const events: string[] = [];
    const name = (r: { type: string; id: string }): string => `${r.type.split('::')[1]}:${r.id}`;
    graph.walk({
      enter: (r, parent, first) => events.push(`enter ${name(r)}${parent ? ` from ${name(parent)}` : ''}${first ? '' : ' (again)'}`),
      exit: (r) => events.push(`exit ${name(r)}`),
    });
    expect(events).toEqual([
      'enter Nova:s1',
      'enter Cinder:v1 from Nova:s1',
      'enter Cinder:v2 from Cinder:v1',
      'exit Cinder:v2',
      'exit Cinder:v1',
      'enter Glance:v1 from Nova:s1',
      'enter Cinder:v2 from Glance:v1 (again)',
      'exit Cinder:v2',
      'exit Glance:v1',
      'exit Nova:s1',
    ]);
    expect(graph.postOrder()).toEqual(['OS::Cinder::Volume#v2', 'OS::Cinder::Volume#v1', 'OS::Glance::Image#v1', 'OS::Nova::Server#s1']);
  });

  it('round-trips through its stored form and rejects malformed ones', () => {
    const graph = ResourceGraph.from([server, vol1], [[server, vol1]]);
    const copy = ResourceGraph.fromJSON(JSON.parse(JSON.stringify(graph)));
    expect(copy.toJSON()).toEqual(graph.toJSON());
    expect(() => ResourceGraph.fromJSON({ resources: [], edges: [['a#1', 'b#2']] })).toThrow(expect.objectContaining({ code: 'KTS_ERR_GRAPH_INVALID' }));
    expect(() => ResourceGraph.fromJSON({ resources: [{ id: 1 }], edges: [] })).toThrow(expect.objectContaining({ code: 'KTS_ERR_GRAPH_INVALID' }));
    expect(() => ResourceGraph.fromJSON('nope')).toThrow(expect.objectContaining({ code: 'KTS_ERR_GRAPH_INVALID' }));
    const cyclic = { resources: [server, vol1], edges: [['OS::Nova::Server#s1', 'OS::Cinder::Volume#v1'], ['OS::Cinder::Volume#v1', 'OS::Nova::Server#s1']] };
    expect(() => ResourceGraph.fromJSON(cyclic)).toThrow(expect.objectContaining({ code: 'KTS_ERR_GRAPH_CYCLE' }));
  });
});
