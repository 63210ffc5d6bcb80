/**
 * The plugin conformance suite on the smallest plugin it accepts: protect, restore and delete
 * only (no verify, no copy), so the suite's own gaps for those operations are exercised.
 */
import { buffer } from 'node:stream/consumers';
import { PluginError, defineProtectionPlugin } from '../../src/index.js';
import { testProtectionPlugin } from '../../src/testing/index.js';

const NOTE = 'Test::Note';

testProtectionPlugin({
  name: 'notes (no verify, no copy)',
  copy: false,
  banks: ['memory'],
  create({ count }) {
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
  },
});
