import { describe, expect, it } from 'vitest';
import { Flow, defineTask } from '../../src/flow/index.js';
import { createFramework, createToken, PluginRegistry, SchemaValidator, Tokens } from '../../src/index.js';
import { basicPlugin } from '../fixtures/plugins.js';

describe('composition root', () => {
  it('creates core services once per framework, isolated between frameworks', () => {
    const a = createFramework({ plugins: [basicPlugin('p', ['A'])] });
    const b = createFramework();
    expect(a.resolve(Tokens.PluginRegistry)).toBeInstanceOf(PluginRegistry);
    expect(a.resolve(Tokens.PluginRegistry)).toBe(a.registry);
    expect(a.resolve(Tokens.SchemaValidator)).toBeInstanceOf(SchemaValidator);
    expect(a.resolve(Tokens.SchemaValidator)).toBe(a.resolve(Tokens.SchemaValidator));
    expect(a.registry.findPlugin('A')?.name).toBe('p');
    expect(b.registry.findPlugin('A')).toBeUndefined();
    expect(b.resolve(Tokens.SchemaValidator)).not.toBe(a.resolve(Tokens.SchemaValidator));
  });

  it('refuses invalid plugins at creation with a coded error', () => {
    expect(() => createFramework({ plugins: [basicPlugin('p', ['A']), basicPlugin('q', ['A'])] })).toThrow(
      expect.objectContaining({ code: 'KTS_ERR_PLUGIN_TYPE_CONFLICT' }),
    );
  });

  it('runs flows with its defaults, which run options override', async () => {
    const framework = createFramework({ flow: { taskTimeoutMs: 10 } });
    const hang = () => Flow.linear('hang', [defineTask('wait', ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))))]);
    await expect(framework.runFlow(hang())).rejects.toMatchObject({ code: 'KTS_ERR_TIMEOUT' });
    const controller = new AbortController();
    const run = framework.runFlow(hang(), { taskTimeoutMs: 60_000, signal: controller.signal });
    controller.abort();
    await expect(run).rejects.toMatchObject({ code: 'KTS_ERR_CANCELLED' });
  });

  it('closes what it created and what it was handed, newest first, once', async () => {
    const closed: string[] = [];
    const framework = createFramework();
    const Thing = createToken<{ close(): void }>('Test:Thing');
    framework.register(Thing, () => ({ close: () => void closed.push('thing') }));
    framework.resolve(Thing);
    framework.own({ close: async () => void closed.push('owned') });
    await framework.close();
    await framework.close();
    expect(closed).toEqual(['owned', 'thing']);
  });

  it('reports close failures after closing everything else', async () => {
    const closed: string[] = [];
    const framework = createFramework();
    framework.own({ close: () => void closed.push('first') });
    framework.own({ close: () => { throw new Error('socket stuck'); } });
    await expect(framework.close()).rejects.toMatchObject({ code: 'KTS_ERR_INTERNAL', message: expect.stringContaining('socket stuck') });
    expect(closed).toEqual(['first']);
  });
});
