import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createBank, createFsDriver, createMemoryDriver, type Bank } from '../../src/bank/index.js';
import { checkpointCollectionCases } from '../helpers/checkpoint-cases.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const banks: [string, () => Bank][] = [
  ['memory', () => createBank(createMemoryDriver())],
  [
    'fs',
    () => {
      const root = mkdtempSync(join(tmpdir(), 'kts-cp-'));
      dirs.push(root);
      return createBank(createFsDriver({ root }));
    },
  ],
];

for (const [driver, makeBank] of banks) checkpointCollectionCases(driver, makeBank);
