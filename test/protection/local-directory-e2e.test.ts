/**
 * The end-to-end story of the seeds through the library API, on real files and two filesystem
 * banks: protect a directory → copy the checkpoint to a second bank → damage one object in the
 * main bank → verify the original (error, naming the damaged resource and file) → verify the
 * copy (success) → restore from the copy (every byte identical).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBank, createFsDriver } from '../../src/bank/index.js';
import { createLocalDirectoryPlugin } from '../../src/plugins/local-directory/index.js';
import { createProtectionService } from '../../src/protection/index.js';
import { createSqliteStore } from '../../src/store/index.js';

const root = mkdtempSync(join(tmpdir(), 'kts-e2e-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string): void => {
    for (const entry of readdirSync(at)) {
      const path = join(at, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(dir);
  return files;
}

/** Every content file of the fs bank under `dir` (the `%v-*` files hold object bytes). */
function contentFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.startsWith('%v-') && !entry.parentPath.endsWith('.json'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('end to end with the local-directory plugin', () => {
  it('protect → copy → damage main → verify main fails → verify copy succeeds → restore from the copy', async () => {
    const data = join(root, 'data');
    mkdirSync(join(data, 'nested'), { recursive: true });
    writeFileSync(join(data, 'a.txt'), 'alpha\n');
    writeFileSync(join(data, 'nested', 'b.bin'), Buffer.alloc(300_000, 0x5a));
    writeFileSync(join(data, 'nested', 'c.txt'), 'gamma '.repeat(1000));
    const { protection, protectable } = createLocalDirectoryPlugin({ directories: { docs: data } });
    const store = await createSqliteStore({ path: join(root, 'records.sqlite') });
    const service = await createProtectionService({
      store,
      providers: [
        {
          id: 'local',
          name: 'local',
          bank: createBank(createFsDriver({ root: join(root, 'bank-main') })),
          destinations: { 'region-b': createBank(createFsDriver({ root: join(root, 'bank-b') })) },
          plugins: [protection],
          protectables: [protectable],
        },
      ],
    });
    const me = { projectId: 'demo' };
    try {
      const resource = { type: 'OS::Local::Directory', id: 'docs', name: 'docs' };
      const plan = await service.plans.create(me, { name: 'docs', providerId: 'local', resources: [resource] });
      const created = await service.checkpoints.create(me, 'local', { planId: plan.id });
      await service.settled(created.id);
      const checkpoint = await service.checkpoints.get(me, 'local', created.id);
      expect(checkpoint.status).toBe('available');

      const copy = await service.copies.create(me, { providerId: 'local', planId: plan.id, destination: 'region-b' });
      await service.settled(copy.id);
      const copied = await service.copies.get(me, copy.id);
      expect(copied.status).toBe('finished');
      const copyId = copied.checkpoints[0]!.copyCheckpointId!;

      // Flip one byte of the biggest stored object in the main bank (bit rot at rest).
      const stored = contentFiles(join(root, 'bank-main', 'checkpoints', checkpoint.id)).sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
      const bytes = readFileSync(stored);
      bytes[1000] = bytes[1000]! ^ 0x01;
      writeFileSync(stored, bytes);

      const verifyMain = await service.verifications.create(me, { providerId: 'local', checkpointId: checkpoint.id, level: 'full' });
      await service.settled(verifyMain.id);
      const mainResult = await service.verifications.get(me, verifyMain.id);
      expect(mainResult.status).toBe('error');
      expect(mainResult.resourcesStatus).toEqual({ 'OS::Local::Directory#docs': 'error' });
      expect(mainResult.resourcesReason['OS::Local::Directory#docs']).toContain('nested/b.bin');
      expect(mainResult.failure?.message).toContain('OS::Local::Directory#docs');

      const verifyCopy = await service.verifications.create(me, { providerId: 'local', checkpointId: copyId, level: 'full' });
      await service.settled(verifyCopy.id);
      expect(await service.verifications.get(me, verifyCopy.id)).toMatchObject({ status: 'success', bank: 'region-b', resourcesStatus: { 'OS::Local::Directory#docs': 'success' } });

      const target = join(root, 'restored');
      const restore = await service.restores.create(me, { providerId: 'local', checkpointId: copyId, parameters: { 'OS::Local::Directory': { target_path: target } } });
      await service.settled(restore.id);
      expect(await service.restores.get(me, restore.id)).toMatchObject({ status: 'success', bank: 'region-b' });
      expect(tree(target)).toEqual(tree(data));
    } finally {
      await service.close();
      await store.close();
    }
  }, 60_000);
});
