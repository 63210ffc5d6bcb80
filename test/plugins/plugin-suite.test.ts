/**
 * The plugin conformance suite on the smallest plugin it accepts: protect, restore and delete
 * only (no verify, no copy), so the suite's own gaps for those operations are exercised; then
 * the same plugin on a custom bank kind (`banks` entries that bring their own drivers), with
 * what the suite does with the kind's drivers and its `dispose` recorded and checked.
 */
import { existsSync } from 'node:fs';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { createMemoryDriver, type BankDriver } from '../../src/bank/index.js';
import { PluginError, defineProtectionPlugin, isFrameworkError } from '../../src/index.js';
import { testProtectionPlugin, type PluginSuiteBankContext, type PluginSuiteBankKind, type PluginSuiteBankLabel, type PluginSuiteSubject } from '../../src/testing/index.js';
import { openSuiteDrivers } from '../../src/testing/plugin-suite-banks.js';

const NOTE = 'Test::Note';

/** A notes plugin over `count` in-memory notes: protect, restore and delete only. */
function notesSubject({ count }: { count: number }): PluginSuiteSubject {
  const notes = new Map<string, string>(Array.from({ length: count }, (_, i) => [`n${i}`, `note ${i} `.repeat(50 * (i + 1))]));
  const plugin = defineProtectionPlugin({
    name: 'notes',
    version: '1.0.0',
    resourceTypes: { [NOTE]: { restore: { type: 'object', required: ['as'], properties: { as: { type: 'string' } } } } },
    getProtectOperation: () => ({
      async onMain(ctx) {
        const text = notes.get(ctx.resource.id);
        if (text === undefined) throw new PluginError(`Note ${ctx.resource.id} does not exist`);
        await ctx.bank.putObject('data', Buffer.from(text), { signal: ctx.signal });
        await ctx.bank.putObject('data.bak', Buffer.from(text), { signal: ctx.signal });
        await ctx.bank.putJson('saved-info.json', { length: text.length });
      },
      async onRevert(ctx) {
        for (const key of ['saved-info.json', 'data.bak', 'data']) await ctx.bank.delete(key);
      },
    }),
    getRestoreOperation: () => ({
      async onMain(ctx) {
        notes.set(String(ctx.parameters['as']), (await buffer(await ctx.bank.getObject('data', { signal: ctx.signal }))).toString());
      },
    }),
    getDeleteOperation: () => ({
      async onMain(ctx) {
        for (const key of ['saved-info.json', 'data.bak', 'data']) await ctx.bank.delete(key);
      },
    }),
  });
  return {
    plugin,
    resources: [...notes].map(([id, text]) => ({ resource: { type: NOTE, id, name: id }, content: text })),
    restoreParameters: (resource, label) => ({ as: `${resource.id}-${label}` }),
    readRestored: async (_resource, parameters) => notes.get(String(parameters['as'])),
  };
}

testProtectionPlugin({ name: 'notes (no verify, no copy)', copy: false, banks: ['memory'], create: notesSubject });

/** A bank kind over memory drivers that records what the suite does with it. */
function recordingKind(name: string, overrides: { createDriver?: (label: PluginSuiteBankLabel) => BankDriver } = {}) {
  const events: string[] = [];
  const contexts: PluginSuiteBankContext[] = [];
  const workDirs: { path: string; existed: boolean }[] = [];
  const kind: PluginSuiteBankKind = {
    name,
    createDriver(label, context) {
      contexts.push(context);
      workDirs.push({ path: context.workDir, existed: existsSync(context.workDir) });
      events.push(`create ${label}`);
      const inner = overrides.createDriver?.(label) ?? createMemoryDriver();
      return {
        ...inner,
        async close() {
          events.push(`close ${label}`);
          await inner.close?.();
        },
      };
    },
    dispose(context) {
      events.push(`dispose (same context: ${contexts.every((seen) => seen === context)})`);
    },
  };
  return { kind, events, contexts, workDirs };
}

const custom = recordingKind('recording');
testProtectionPlugin({ name: 'notes on a custom bank kind', copy: false, banks: [custom.kind], create: notesSubject });

async function codeOf(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (error) {
    return isFrameworkError(error) ? `${error.code}: ${error.message}` : `uncoded: ${String(error)}`;
  }
  return 'no error';
}

describe('plugin conformance suite: custom bank kinds', () => {
  it('the block got four drivers from the kind, in label order, with one context; all were closed, then the kind disposed', () => {
    expect(custom.events).toEqual([
      'create main',
      'create copy',
      'create bareMain',
      'create bareCopy',
      'close main',
      'close copy',
      'close bareMain',
      'close bareCopy',
      'dispose (same context: true)',
    ]);
    expect(custom.contexts[0]?.plugin).toBe('notes on a custom bank kind');
    expect(custom.workDirs.map((dir) => dir.existed), 'the context’s workDir exists while drivers are made').toEqual([true, true, true, true]);
    expect(existsSync(custom.workDirs[0]!.path), 'the context’s workDir is removed after the block').toBe(false);
  });

  it('a malformed `banks` entry, or a name used twice, is KTS_ERR_INVALID_OPTION when the suite is registered', async () => {
    const options = { name: 'never registered', copy: false, create: notesSubject };
    const register = (banks: unknown) => () => testProtectionPlugin({ ...options, banks: banks as PluginSuiteBankKind[] });
    expect(await codeOf(register(['s3']))).toMatch(/^KTS_ERR_INVALID_OPTION: .*banks\[0\] is "s3"/u);
    expect(await codeOf(register([{ name: 'no factory' }]))).toMatch(/^KTS_ERR_INVALID_OPTION: .*banks\[0\] is not a bank kind/u);
    expect(await codeOf(register(['memory', { name: '', createDriver: () => createMemoryDriver() }]))).toMatch(/^KTS_ERR_INVALID_OPTION: .*banks\[1\] is not a bank kind/u);
    expect(await codeOf(register([{ name: 'x', createDriver: () => createMemoryDriver(), dispose: 'later' }]))).toMatch(/^KTS_ERR_INVALID_OPTION: .*dispose must be a function/u);
    expect(await codeOf(register(['memory', { name: 'memory', createDriver: () => createMemoryDriver() }]))).toMatch(/^KTS_ERR_INVALID_OPTION: .*\["memory"\] more than once/u);
  });

  it('a driver over storage that is not empty fails the setup, naming the bank and its keys; the drivers made so far are closed', async () => {
    const used = createMemoryDriver();
    await used.put('left/over', Buffer.from('from an earlier run'));
    const { kind, events } = recordingKind('reused', { createDriver: (label) => (label === 'copy' ? used : createMemoryDriver()) });
    expect(await codeOf(() => openSuiteDrivers(kind, { plugin: 'p', workDir: '/nonexistent' }))).toMatch(
      /^KTS_ERR_INVALID_OPTION: .*the reused bank kind made the copy bank over storage that is not empty \(it lists \["left\/over"\]\)/u,
    );
    expect(events).toEqual(['create main', 'create copy', 'close main', 'close copy']);
  });

  it('a createDriver that throws partway: its error is rethrown once the drivers made so far are closed (even when a close fails)', async () => {
    const { kind, events } = recordingKind('flaky', {
      createDriver: (label) => {
        if (label === 'bareMain') throw new Error('no more containers');
        return label === 'main' ? { ...createMemoryDriver(), close: () => Promise.reject(new Error('close failed')) } : createMemoryDriver();
      },
    });
    await expect(openSuiteDrivers(kind, { plugin: 'p', workDir: '/nonexistent' })).rejects.toThrow('no more containers');
    expect(events).toEqual(['create main', 'create copy', 'create bareMain', 'close main', 'close copy']);
  });
});
