/**
 * Writing a protection plugin with verify and copy, then using it. The plugin protects "config
 * maps" (named sets of settings) that the vendor's system holds — here a `Map`. Each setting
 * becomes one object in the bank and a manifest of their md5s is written last; verify checks
 * the objects against the manifest; copy is the framework's ready-made bank copy.
 *
 * The story: protect → verify (success) → copy to region-b → damage one setting in the main
 * bank → verify main (error, naming the damaged object) → verify the copy (success) → restore
 * from the copy.
 *
 * Run: `npx tsx examples/02-protection-plugin.ts`
 */
import { createHash } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { BankError, PluginError, defineProtectionPlugin, type BankSection, type RestoreContext } from 'karbor-ts';
import { CheckpointCollection, createBank, createMemoryDriver } from 'karbor-ts/bank';
import { createBankCopyOperation, deleteKeys, listAllKeys } from 'karbor-ts/plugins/bank-copy';
import { createProtectionService } from 'karbor-ts/protection';
import { createMemoryStore } from 'karbor-ts/store';

type ConfigMap = Record<string, string>;
interface Manifest {
  readonly settings: Record<string, string>; // setting name → md5 of its value
}

const TYPE = 'Demo::ConfigMap';
const MANIFEST = 'manifest.json';
const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');
const damaged = (message: string) => new BankError(message, { code: 'KTS_ERR_BANK_INTEGRITY' });
const deleteAll = async (section: BankSection) => deleteKeys(section, await listAllKeys(section)); // the manifest first

async function readManifest(section: BankSection): Promise<Manifest> {
  const manifest = (await section.getJson<Manifest>(MANIFEST))?.value;
  if (manifest === undefined) throw damaged(`${MANIFEST} is missing: the backup is incomplete`);
  return manifest;
}

/** The plugin. Setting names must be valid bank key segments (letters, digits, `_`, `-`, `.`). */
function configMapPlugin(configMaps: Map<string, ConfigMap>) {
  return defineProtectionPlugin({
    name: 'config-maps',
    version: '1.0.0',
    resourceTypes: {
      [TYPE]: { restore: { type: 'object', properties: { name: { type: 'string', minLength: 1 } }, additionalProperties: false } },
    },
    verificationLevels: ['presence', 'checksum', 'full'],
    getProtectOperation: () => ({
      async onMain(ctx) {
        const settings = configMaps.get(ctx.resource.id);
        if (settings === undefined) throw new PluginError(`There is no config map ${ctx.resource.id}`);
        const manifest: Manifest = { settings: {} };
        for (const [name, value] of Object.entries(settings)) {
          const bytes = Buffer.from(value);
          const etag = (manifest.settings[name] = md5(bytes));
          await ctx.bank.putObject(`settings/${name}`, bytes, { etag, signal: ctx.signal }); // the bank checks the bytes against it
        }
        await ctx.bank.putJson(MANIFEST, manifest); // last: a protect cut short never looks complete
      },
      onRevert: (ctx) => deleteAll(ctx.bank), // the section is this checkpoint's own: all of it is ours
    }),
    getRestoreOperation: () => ({
      async onMain(ctx: RestoreContext<{ name?: string }>) {
        const settings: ConfigMap = {};
        for (const [name, expected] of Object.entries((await readManifest(ctx.bank)).settings)) {
          const bytes = await buffer(await ctx.bank.getObject(`settings/${name}`, { signal: ctx.signal }));
          if (md5(bytes) !== expected) throw damaged(`settings/${name} does not match the manifest`);
          settings[name] = bytes.toString();
        }
        const id = ctx.parameters.name ?? `${ctx.resource.id}-restored`;
        configMaps.set(id, settings);
        ctx.newResources.set(`${TYPE}#${ctx.resource.id}`, { type: TYPE, id });
      },
    }),
    getDeleteOperation: () => ({ onMain: (ctx) => deleteAll(ctx.bank) }),
    getVerifyOperation: () => ({
      async onMain(ctx) {
        const problems: string[] = [];
        for (const [name, expected] of Object.entries((await readManifest(ctx.bank)).settings)) {
          const key = `settings/${name}`;
          const head = await ctx.bank.head(key);
          if (head === undefined) problems.push(`${key} is missing`);
          else if (ctx.level !== 'presence' && head.etag !== expected) problems.push(`${key} has md5 ${head.etag}, the manifest says ${expected}`);
          else if (ctx.level === 'full' && md5(await buffer(await ctx.bank.getObject(key, { signal: ctx.signal }))) !== expected) {
            problems.push(`${key} no longer hashes to ${expected}`);
          }
        }
        if (problems.length > 0) throw damaged(problems.join('; '));
      },
    }),
    getCopyOperation: () => createBankCopyOperation(), // streams every object, checks each etag, *.json last
  });
}

// --- Using it ----------------------------------------------------------------------------
const configMaps = new Map([['web-frontend', { log_level: 'info', max_connections: '200', greeting: 'hello' }]]);
const mainBank = createBank(createMemoryDriver());
const service = await createProtectionService({
  store: createMemoryStore(),
  providers: [
    { id: 'demo', name: 'demo', bank: mainBank, destinations: { 'region-b': createBank(createMemoryDriver()) }, plugins: [configMapPlugin(configMaps)] },
  ],
});
const me = { projectId: 'demo-project' };
const resource = { type: TYPE, id: 'web-frontend', name: 'web-frontend' };

const plan = await service.plans.create(me, { name: 'configs', providerId: 'demo', resources: [resource] });
const { id: checkpointId } = await service.checkpoints.create(me, 'demo', { planId: plan.id });
await service.settled(checkpointId);
console.log(`protect: checkpoint ${checkpointId} is ${(await service.checkpoints.get(me, 'demo', checkpointId)).status}`);

async function verify(bank: string, id: string): Promise<void> {
  const { id: verificationId } = await service.verifications.create(me, { providerId: 'demo', checkpointId: id, bank, level: 'full' });
  await service.settled(verificationId);
  const { status, resourcesStatus, resourcesReason } = await service.verifications.get(me, verificationId);
  console.log(`verify ${bank}: ${status}`);
  for (const [key, result] of Object.entries(resourcesStatus)) console.log(`  ${key}: ${result}${key in resourcesReason ? ` (${resourcesReason[key]})` : ''}`);
}
await verify('main', checkpointId);

const { id: copyId } = await service.copies.create(me, { providerId: 'demo', planId: plan.id, destination: 'region-b' });
await service.settled(copyId);
const copy = await service.copies.get(me, copyId);
const copyCheckpointId = copy.checkpoints[0]?.copyCheckpointId ?? '';
console.log(`copy: ${copy.status}, copy checkpoint ${copyCheckpointId} in region-b`);

// Damage the main bank behind the service's back (a bad disk, a mistaken edit): same size, other bytes.
await new CheckpointCollection(mainBank).resourceSection(checkpointId, resource).putObject('settings/max_connections', Buffer.from('900'));
console.log('damaged settings/max_connections in the main bank');
await verify('main', checkpointId);
await verify('region-b', copyCheckpointId);

const { id: restoreId } = await service.restores.create(me, {
  providerId: 'demo',
  checkpointId: copyCheckpointId,
  bank: 'region-b',
  parameters: { [TYPE]: { name: 'web-frontend-restored' } },
});
await service.settled(restoreId);
console.log(`restore from region-b: ${(await service.restores.get(me, restoreId)).status}`, configMaps.get('web-frontend-restored'));
await service.close();
