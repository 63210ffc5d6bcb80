/**
 * Cancelling an operation. A protect is started on a plugin whose export has written its first
 * chunk and then waits for the vendor's system — a promise this script controls, so the
 * moment is exact and nothing depends on timing. The protect is cancelled through the service
 * API while it waits: the hook sees its `signal` abort and stops, the plugin's `onRevert`
 * deletes what the run wrote, and the checkpoint ends `error` with reason "cancelled". Nothing
 * is left behind: no backup data in the bank, no operation log still `in_progress`, no run
 * still going.
 *
 * Run: `npx tsx examples/05-cancelling.ts`
 */
import { defineProtectionPlugin } from 'karbor-ts';
import { CheckpointCollection, createBank, createMemoryDriver } from 'karbor-ts/bank';
import { deleteKeys, listAllKeys } from 'karbor-ts/plugins/bank-copy';
import { createProtectionService } from 'karbor-ts/protection';
import { createMemoryStore } from 'karbor-ts/store';

/** A promise with its resolve function, to hand a moment from one side to the other. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/** Resolves when `signal` aborts. */
const abortOf = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));

const firstChunkWritten = deferred(); // the export tells the script it is midway
const restOfExport = deferred(); // the vendor's system would resolve this; here nobody does

const plugin = defineProtectionPlugin({
  name: 'slow-export',
  version: '1.0.0',
  resourceTypes: { 'Demo::Database': {} },
  getProtectOperation: () => ({
    async onMain(ctx) {
      await ctx.bank.putObject('chunks/0', Buffer.from('the first chunk'), { signal: ctx.signal });
      firstChunkWritten.resolve();
      await Promise.race([restOfExport.promise, abortOf(ctx.signal)]);
      ctx.signal.throwIfAborted(); // cancelled: stop here and let onRevert clean up
      await ctx.bank.putObject('chunks/1', Buffer.from('the rest'), { signal: ctx.signal });
      await ctx.bank.putJson('manifest.json', { chunks: 2 });
    },
    async onRevert(ctx) {
      const keys = await listAllKeys(ctx.bank);
      await deleteKeys(ctx.bank, keys);
      console.log(`revert: deleted ${keys.join(', ')}`);
    },
  }),
  getRestoreOperation: () => ({}),
  getDeleteOperation: () => ({ onMain: async (ctx) => deleteKeys(ctx.bank, await listAllKeys(ctx.bank)) }),
});

const bank = createBank(createMemoryDriver());
const service = await createProtectionService({ store: createMemoryStore(), providers: [{ id: 'demo', name: 'demo', bank, plugins: [plugin] }] });
const me = { projectId: 'demo-project' };
const plan = await service.plans.create(me, { name: 'orders', providerId: 'demo', resources: [{ type: 'Demo::Database', id: 'orders', name: 'orders' }] });

const started = await service.checkpoints.create(me, 'demo', { planId: plan.id });
console.log(`checkpoint ${started.id}: ${started.status}`);
await firstChunkWritten.promise;
console.log('the export wrote chunks/0 and waits for the rest');

// Cancel: aborts the run, waits for its reverts, and returns the checkpoint as it ended.
const cancelled = await service.checkpoints.cancel(me, 'demo', started.id);
console.log(`after cancel: ${cancelled.status}, reason "${cancelled.failure?.message}" (${cancelled.failure?.code})`);
console.log('resources:', cancelled.resources);

const left = await new CheckpointCollection(bank).sectionOf(started.id).list();
console.log('objects left under the checkpoint:', left.keys, '(its document only)');

const logs = await service.operationLogs.list(me, { filters: { checkpointId: started.id } });
for (const log of logs.items) console.log(`operation log: ${log.operationType} ${log.status} (${log.errorInfo?.code})`);
console.log('operation logs in progress:', (await service.operationLogs.list(me, { filters: { status: 'in_progress' } })).items.length);

await service.checkpoints.cancel(me, 'demo', started.id).catch((error: { code: string }) => console.log('cancelling again:', error.code));
await service.close();
