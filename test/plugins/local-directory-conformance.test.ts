/**
 * The local-directory plugin against the shared protection-plugin conformance suite: three
 * directories of real files, on memory, filesystem and Swift banks (the real Swift of
 * `scripts/swift-up.sh`, a fresh container per bank, deleted afterwards). Fails (never skips)
 * when Swift does not answer.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, readFile, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCAL_DIRECTORY_TYPE, createLocalDirectoryPlugin } from '../../src/plugins/local-directory/index.js';
import { testProtectionPlugin } from '../../src/testing/index.js';
import { requireSwift } from '../helpers/services.js';
import { swiftBankKind } from '../helpers/swift-bank-kind.js';

const swift = await requireSwift();

/** Relative path → sha256 and mode of a file, target of a link, or mode of a directory. */
async function tree(root: string, prefix = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(join(root, prefix))) {
    const path = prefix === '' ? entry : `${prefix}/${entry}`;
    const stats = await lstat(join(root, path));
    if (stats.isSymbolicLink()) out[path] = `link → ${await readlink(join(root, path))}`;
    else if (stats.isDirectory()) Object.assign(out, { [path]: `dir ${(stats.mode & 0o777).toString(8)}` }, await tree(root, path));
    else out[path] = `${createHash('sha256').update(await readFile(join(root, path))).digest('hex')} ${(stats.mode & 0o777).toString(8)}`;
  }
  return out;
}

testProtectionPlugin({
  name: 'local-directory',
  banks: ['memory', 'fs', swiftBankKind(swift)],
  copy: true,
  verification: {
    levels: ['presence', 'checksum', 'full'],
    detects: {
      presence: ['deleted', 'resized', 'metadata-deleted', 'metadata-corrupted', 'misplaced'],
      checksum: ['deleted', 'resized', 'wrong-etag', 'rewritten', 'metadata-deleted', 'metadata-corrupted', 'misplaced'],
      full: ['flipped-byte', 'truncated', 'deleted', 'resized', 'wrong-etag', 'rewritten', 'metadata-deleted', 'metadata-corrupted', 'misplaced'],
    },
  },
  async create({ count, workDir }) {
    const directories: Record<string, string> = {};
    const contents: Record<string, Record<string, string>> = {};
    for (let i = 0; i < count; i++) {
      const root = join(workDir, `dir-${i}`);
      await mkdir(join(root, 'nested', 'deeper'), { recursive: true });
      await writeFile(join(root, 'a.txt'), `directory ${i}\n`);
      await writeFile(join(root, 'nested', 'b.bin'), Buffer.alloc(200_000 + i, i + 1).fill(0x5a, 1000, 2000));
      await writeFile(join(root, 'nested', 'deeper', 'c.txt'), 'gamma '.repeat(100 * (i + 1)));
      await writeFile(join(root, 'empty'), '');
      await symlink('a.txt', join(root, 'link'));
      directories[`dir-${i}`] = root;
      contents[`dir-${i}`] = await tree(root);
    }
    const { protection, protectable } = createLocalDirectoryPlugin({ directories, concurrency: 2, chunkSize: 64 * 1024 });
    return {
      plugin: protection,
      protectables: [protectable],
      resources: Object.keys(directories).map((id) => ({ resource: { type: LOCAL_DIRECTORY_TYPE, id, name: id }, content: contents[id] })),
      restoreParameters: (resource, label) => ({ target_path: join(workDir, 'restored', label, resource.id) }),
      readRestored: (_resource, parameters) => tree(parameters['target_path'] as string),
    };
  },
});
