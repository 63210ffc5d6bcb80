/**
 * The walkthrough: `npm run demo`, against a running example service (`npm start`), through
 * the Karbor v1 HTTP API with `fetch`:
 *
 *  1. find the provider (with a copy destination) and the demo directory;
 *  2. create a plan of its own (a unique name, so the walkthrough can run again and again);
 *  3. protect it — a checkpoint in the main bank;
 *  4. copy the checkpoint to the second region (`region-b`);
 *  5. damage the main copy: flip one bit of its largest stored object, as bit rot would;
 *  6. verify the main checkpoint — it fails, naming the resource and the damaged file;
 *  7. verify the copy — it succeeds;
 *  8. restore from the copy into a new directory;
 *  9. compare the restored files with the originals (sha256).
 *
 * It ends with OK (exit 0) or FAILED (exit 1). Which service: `DATA_DIR/service.json`, or
 * `KARBOR_URL`, `KARBOR_PROJECT` and `KARBOR_TOKEN`; `KARBOR_PROVIDER` and `DEMO_DIRECTORY`
 * pick a provider and a directory other than the first with a destination and `demo`.
 */
import { randomBytes } from 'node:crypto';
import { join, relative } from 'node:path';
import { createApiClient, type ApiProgress, type ApiRecord, type KarborApiClient } from './api.js';
import { damageLargestObject, hashTree } from './files.js';
import { createProgressBar, formatBytes } from './progress-bar.js';
import { findTarget, type DemoTarget } from './target.js';

const DIRECTORY_TYPE = 'OS::Local::Directory';

let stepNumber = 0;
function step(text: string): void {
  stepNumber++;
  console.log(`${String(stepNumber).padStart(2)}. ${text}`);
}
function detail(text: string): void {
  console.log(`    ${text}`);
}

function progressDetail(progress: ApiProgress | null | undefined): string {
  if (!progress) return '';
  const bytes = progress.bytes_total > 0 ? `, ${formatBytes(progress.bytes_done)} of ${formatBytes(progress.bytes_total)}` : '';
  return `${progress.resources_done}/${progress.resources_total} resources${bytes}`;
}

/** Polls a long operation with a progress bar until it reaches one of `final`. */
async function follow(api: KarborApiClient, label: string, path: string, key: string, final: readonly string[]): Promise<ApiRecord> {
  const bar = createProgressBar(label);
  try {
    const record = await api.waitFor(path, key, final, (current) => bar.update(current['progress']?.percent ?? 0, progressDetail(current['progress'])));
    if (record['status'] === final[0]) bar.update(100, progressDetail(record['progress']));
    return record;
  } finally {
    bar.done();
  }
}

async function chooseProvider(api: KarborApiClient, target: DemoTarget, wanted: string | undefined): Promise<{ provider: ApiRecord; destination: string }> {
  const { providers } = await api.call('GET', '/providers');
  const details = await Promise.all((providers as ApiRecord[]).map(async (listed) => (await api.call('GET', `/providers/${listed['id']}`))['provider'] as ApiRecord));
  const fit = details.filter((provider) => (wanted === undefined ? (provider['destinations'] as string[]).length > 0 : provider['id'] === wanted || provider['name'] === wanted));
  const provider = fit[0];
  if (!provider) throw new Error(wanted === undefined ? 'No provider has a copy destination: the walkthrough needs one (see docs/configuration.md).' : `No provider ${wanted}.`);
  const destinations = provider['destinations'] as string[];
  const destination = destinations.includes('region-b') ? 'region-b' : destinations[0];
  if (destination === undefined) throw new Error(`Provider ${provider['name']} has no copy destination.`);
  if (target.providers && !target.providers.some((known) => known.id === provider['id'])) throw new Error(`The state file does not describe provider ${provider['id']}.`);
  return { provider, destination };
}

async function chooseDirectory(api: KarborApiClient, wanted: string | undefined): Promise<ApiRecord> {
  const { instances } = await api.call('GET', `/protectables/${DIRECTORY_TYPE}/instances`);
  const list = instances as ApiRecord[];
  const directory = list.find((instance) => instance['id'] === (wanted ?? 'demo')) ?? (wanted === undefined ? list[0] : undefined);
  if (!directory) throw new Error(wanted === undefined ? 'The service protects no local directory.' : `The service protects no directory named ${wanted}.`);
  return directory;
}

function uniquePlanName(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `demo-${stamp}-${randomBytes(2).toString('hex')}`;
}

async function walkthrough(): Promise<string[]> {
  const problems: string[] = [];
  const target = await findTarget(process.env);
  const api = createApiClient(target.endpoint, target.token);
  console.log(`karbor-ts walkthrough against ${target.endpoint}\n`);

  const { provider, destination } = await chooseProvider(api, target, process.env['KARBOR_PROVIDER'] || undefined);
  const providerId = provider['id'] as string;
  const directory = await chooseDirectory(api, process.env['DEMO_DIRECTORY'] || undefined);
  const original = directory['extra_info']?.['path'] as string;
  const originals = await hashTree(original);
  step(`Provider ${provider['name']} (${providerId}); copies go to ${destination}`);
  detail(`directory ${directory['id']} → ${original} (${originals.size} files)`);

  const planName = uniquePlanName();
  const { plan } = await api.call('POST', '/plans', {
    plan: { name: planName, provider_id: providerId, resources: [{ id: directory['id'], type: DIRECTORY_TYPE, name: directory['name'] ?? directory['id'] }], parameters: {} },
  });
  step(`Plan ${planName} created (${plan['id']})`);

  const { checkpoint: started } = await api.call('POST', `/providers/${providerId}/checkpoints`, { checkpoint: { plan_id: plan['id'] } });
  step(`Protect: checkpoint ${started['id']} in the main bank`);
  const checkpoint = await follow(api, 'protect', `/providers/${providerId}/checkpoints/${started['id']}`, 'checkpoint', ['available', 'error']);
  if (checkpoint['status'] !== 'available') throw new Error(`The checkpoint ended ${checkpoint['status']}: ${checkpoint['error']}`);
  detail('available');

  const { copy: copyStarted } = await api.call('POST', `/providers/${providerId}/checkpoints/action`, {
    copy: [{ provider_id: providerId, plan_id: plan['id'], parameters: {}, destination }],
  });
  step(`Copy to ${destination}: copy ${copyStarted['id']}`);
  const copy = await follow(api, 'copy   ', `/copies/${copyStarted['id']}`, 'copy', ['finished', 'error']);
  const pair = (copy['checkpoints'] as ApiRecord[]).find((candidate) => candidate['source_checkpoint_id'] === checkpoint['id']);
  if (copy['status'] !== 'finished' || !pair?.['copy_checkpoint_id']) throw new Error(`The copy ended ${copy['status']}: ${copy['error'] ?? pair?.['reason'] ?? 'the checkpoint was not copied'}`);
  const copyId = pair['copy_checkpoint_id'] as string;
  detail(`finished: checkpoint ${checkpoint['id']} → ${copyId} in ${destination}`);

  const mainBank = target.providers?.find((known) => known.id === providerId)?.banks['main'];
  const bankPath = mainBank?.type === 'fs' ? mainBank.path! : mainBank === undefined ? join(target.dataDir, 'banks', 'main') : undefined;
  if (bankPath === undefined) throw new Error(`The main bank is a ${mainBank?.type} bank: the walkthrough can only damage a filesystem bank.`);
  const damage = await damageLargestObject(join(bankPath, 'checkpoints', checkpoint['id']));
  step(`Damage the main copy: flipped one bit at offset ${damage.offset} of its largest stored object (${formatBytes(damage.size)})`);
  const shown = relative(target.dataDir, damage.file);
  detail(shown.startsWith('..') ? damage.file : `DATA_DIR/${shown}`);

  const { verification: mainStarted } = await api.call('POST', '/verifications', {
    verification: { provider_id: providerId, checkpoint_id: checkpoint['id'], parameters: {}, level: 'full' },
  });
  step(`Verify the main checkpoint (level full, every byte re-read): verification ${mainStarted['id']}`);
  const mainResult = await follow(api, 'verify ', `/verifications/${mainStarted['id']}`, 'verification', ['success', 'error']);
  if (mainResult['status'] === 'error') detail('error, as it should be:');
  else problems.push(`the main checkpoint verified ${mainResult['status']} although one of its objects was damaged`);
  for (const [resource, status] of Object.entries(mainResult['resource_status'] as Record<string, string>)) {
    detail(`  ${resource}: ${status}${mainResult['resource_reason']?.[resource] ? ` — ${mainResult['resource_reason'][resource]}` : ''}`);
  }

  const { verification: copyVerifyStarted } = await api.call('POST', '/verifications', {
    verification: { provider_id: providerId, checkpoint_id: copyId, parameters: {}, level: 'full', bank: destination },
  });
  step(`Verify the copy in ${destination} (level full): verification ${copyVerifyStarted['id']}`);
  const copyResult = await follow(api, 'verify ', `/verifications/${copyVerifyStarted['id']}`, 'verification', ['success', 'error']);
  detail(copyResult['status'] === 'success' ? 'success: the copy is intact' : `${copyResult['status']}: ${copyResult['error']}`);
  if (copyResult['status'] !== 'success') problems.push(`the copy verified ${copyResult['status']}: ${copyResult['error']}`);

  const restoreTo = join(target.dataDir, 'restored', planName);
  const { restore: restoreStarted } = await api.call('POST', '/restores', {
    restore: { provider_id: providerId, checkpoint_id: copyId, bank: destination, parameters: { [DIRECTORY_TYPE]: { target_path: restoreTo } } },
  });
  step(`Restore from the copy into ${restoreTo}: restore ${restoreStarted['id']}`);
  const restore = await follow(api, 'restore', `/restores/${restoreStarted['id']}`, 'restore', ['success', 'fail']);
  if (restore['status'] !== 'success') throw new Error(`The restore ended ${restore['status']}: ${restore['error']}`);
  detail('success');

  const restored = await hashTree(restoreTo);
  step(`Compare the restored files with the originals (sha256)`);
  let identical = 0;
  for (const [path, hash] of originals) {
    const other = restored.get(path);
    if (other === hash) identical++;
    else problems.push(other === undefined ? `${path} was not restored` : `${path} differs from the original`);
    detail(`${other === hash ? 'same     ' : other === undefined ? 'MISSING  ' : 'DIFFERENT'}  ${hash.slice(0, 16)}…  ${path}`);
  }
  for (const path of restored.keys()) if (!originals.has(path)) problems.push(`${path} was restored but is not in the original`);
  detail(`${identical} of ${originals.size} files identical`);
  return problems;
}

try {
  const problems = await walkthrough();
  console.log('');
  if (problems.length === 0) {
    console.log('OK — verification caught the damaged main checkpoint, and the copy restored every file intact.');
  } else {
    for (const problem of problems) console.log(`  - ${problem}`);
    console.log('FAILED');
    process.exitCode = 1;
  }
} catch (error) {
  console.log(`\nFAILED: ${(error as Error).message}`);
  process.exitCode = 1;
}
