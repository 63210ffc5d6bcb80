/**
 * A process killed with SIGKILL in the middle of a copy, then restarted: no record or
 * checkpoint is left in a running state, and no object of the interrupted copy remains in the
 * destination. Real processes, SQLite and filesystem banks.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { createBank, createFsDriver } from '../../src/bank/index.js';
import { createProtectionService } from '../../src/protection/index.js';
import { createSqliteStore } from '../../src/store/index.js';
import { blobPlugin } from '../fixtures/blob-plugin.js';

const dir = mkdtempSync(join(tmpdir(), 'kts-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the child until it reports a copy in flight; returns its ids and kills it with SIGKILL. */
async function crashMidCopy(): Promise<{ copyId: string; checkpointId: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('../fixtures/crash-child.ts', import.meta.url).pathname, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  for await (const line of createInterface({ input: child.stdout })) {
    const match = /^COPYING (\S+) (\S+)$/.exec(line);
    if (match) {
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      return { copyId: match[1]!, checkpointId: match[2]! };
    }
  }
  throw new Error(`the child exited before copying (signal ${String(await exited)})`);
}

describe('crash during a copy', () => {
  it('a restart resolves everything the killed process left running and removes the partial copy', async () => {
    const { copyId, checkpointId } = await crashMidCopy();
    const region = createBank(createFsDriver({ root: join(dir, 'region-b') }));
    expect((await region.list({ prefix: 'checkpoints/' })).keys.length).toBeGreaterThan(1);

    const store = await createSqliteStore({ path: join(dir, 'records.sqlite') });
    const service = await createProtectionService({
      store,
      ownerId: 'crash-node',
      providers: [{ id: 'prov', name: 'crash', bank: createBank(createFsDriver({ root: join(dir, 'main') })), destinations: { 'region-b': region }, plugins: [blobPlugin({ blobs: new Map() })] }],
    });
    try {
      const alice = { projectId: 'alice' };
      const copy = await service.copies.get(alice, copyId);
      expect(copy.status).toBe('error');
      expect(copy.checkpoints).toEqual([expect.objectContaining({ sourceCheckpointId: checkpointId, status: 'error', reason: 'interrupted' })]);
      expect((await store.operationLogs.list({ filters: { status: 'in_progress' } })).items).toEqual([]);
      expect((await store.copies.list({ filters: { status: ['wait_copying', 'copying'] } })).items).toEqual([]);
      expect((await region.list()).keys).toEqual([]);
      const source = await service.checkpoints.get(alice, 'prov', checkpointId, 'main');
      expect(source.status).toBe('available');
      expect(source.copiedTo).toBeUndefined();
    } finally {
      await service.close();
      await store.close();
    }
  }, 60_000);
});
