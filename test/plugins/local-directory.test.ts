/**
 * The local-directory plugin end to end over real files, on a memory bank and a filesystem
 * bank (whose full verify re-reads through the driver's `hashObject`): protect → verify (three levels) → copy → damage the main copy → verify finds exactly
 * what each level claims to → the copy still verifies → restore from the copy, byte-identical.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBank, createFsDriver, createMemoryDriver, type Bank } from '../../src/bank/index.js';
import { Section } from '../../src/bank/section.js';
import { PluginRegistry, SchemaValidator, isFrameworkError, silentLogger, resourceKey, type Checkpoint, type FrameworkError, type VerificationLevel } from '../../src/index.js';
import { listAllKeys } from '../../src/plugins/bank-copy/index.js';
import { LOCAL_DIRECTORY_TYPE, MANIFEST_KEY, createLocalDirectoryPlugin, readManifest, type Damage, type Manifest } from '../../src/plugins/local-directory/index.js';
import { hashOffThread } from '../../src/plugins/local-directory/hash-worker.js';
import { createFaultyDriver, type FaultyDriver } from '../../src/testing/faulty-driver.js';
import { resourceSection, runHooks } from '../helpers/hook-harness.js';

const scratch: string[] = [];
async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `kts-ld-${label}-`));
  scratch.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of scratch.splice(0)) {
    await chmodTree(dir);
    await rm(dir, { recursive: true, force: true });
  }
});
async function chmodTree(dir: string): Promise<void> {
  await chmod(dir, 0o700).catch(() => undefined);
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) if (entry.isDirectory()) await chmodTree(join(dir, entry.name));
}

/** Files the damage cases aim at, and one of each kind of entry. */
const TREE: Record<string, { bytes: Buffer; mode: number }> = {
  'top.txt': { bytes: Buffer.from('top level text\n'), mode: 0o644 },
  'exec.sh': { bytes: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 },
  'private.txt': { bytes: Buffer.from('secret stuff, owner only'), mode: 0o600 },
  'a/one.bin': { bytes: randomBytes(100_000), mode: 0o644 },
  'a/b/big.bin': { bytes: randomBytes(3 * 1024 * 1024 + 17), mode: 0o640 },
  'a/b/x.txt': { bytes: Buffer.from('x marks the spot'), mode: 0o644 },
  'a/b/zero': { bytes: Buffer.alloc(0), mode: 0o644 },
  'noise.log': { bytes: Buffer.from('excluded'), mode: 0o644 },
  'a/cache/c.tmp': { bytes: Buffer.from('excluded dir'), mode: 0o644 },
};

async function makeTree(root: string): Promise<void> {
  for (const [path, { bytes, mode }] of Object.entries(TREE)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), bytes);
    await chmod(join(root, path), mode);
  }
  await mkdir(join(root, 'empty'), { mode: 0o750 });
  await chmod(join(root, 'empty'), 0o750);
  await symlink('top.txt', join(root, 'link-to-top'));
}

/** Relative path → sha256 / mode / link target of everything under `root`. */
async function describeTree(root: string, prefix = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    const stats = await lstat(join(root, path));
    if (stats.isSymbolicLink()) out[path] = `link → ${await readlink(join(root, path))}`;
    else if (stats.isDirectory()) {
      out[path] = `dir ${(stats.mode & 0o777).toString(8)}`;
      Object.assign(out, await describeTree(root, path));
    } else out[path] = `${createHash('sha256').update(await readFile(join(root, path))).digest('hex')} ${(stats.mode & 0o777).toString(8)}`;
  }
  return out;
}

const EXCLUDE = ['*.log', 'a/cache'];

type BankKind = 'memory' | 'fs';

describe.each<BankKind>(['memory', 'fs'])('local-directory plugin on a %s bank', (kind) => {
  let source: string;
  let bankRoot: string;
  let driver: FaultyDriver;
  let bank: Bank;
  let copyBank: Bank;
  let plugin: ReturnType<typeof createLocalDirectoryPlugin>;
  let checkpoint: Checkpoint;
  let copyCheckpoint: Checkpoint;
  let manifest: Manifest;
  const resource = { type: LOCAL_DIRECTORY_TYPE, id: 'docs', name: 'docs' };
  const KEY = resourceKey(resource);
  const verify = (level: VerificationLevel, on: 'main' | 'copy' = 'main') =>
    runHooks({ plugin: plugin.protection, operation: 'verify', resources: [resource], level, ...(on === 'main' ? { bank, checkpoint } : { bank: copyBank, checkpoint: copyCheckpoint }) });
  const keyOf = (path: string): string => manifest.files.find((file) => file.path === path)!.key;

  beforeAll(async () => {
    source = await tempDir('src');
    await makeTree(source);
    bankRoot = await tempDir('bank');
    // The fs bank is damaged on disk, so it is used bare: its full verify then re-reads through
    // the driver's own hashing (hashObject); the memory bank is damaged through the faulty
    // driver, and re-read through getObject.
    if (kind === 'memory') driver = createFaultyDriver(createMemoryDriver());
    bank = createBank(kind === 'memory' ? driver : createFsDriver({ root: bankRoot }));
    copyBank = createBank(createMemoryDriver());
    plugin = createLocalDirectoryPlugin({ directories: { docs: source }, concurrency: 3, chunkSize: 64 * 1024 });
  });

  it('protects the directory: one object per file, the manifest last, progress in bytes', async () => {
    const run = await runHooks({ plugin: plugin.protection, operation: 'protect', resources: [resource], bank, parameters: { [LOCAL_DIRECTORY_TYPE]: { exclude: EXCLUDE } } });
    expect(run.error).toBeUndefined();
    checkpoint = run.checkpoint;
    const section = resourceSection(bank, checkpoint, KEY, true);
    manifest = await readManifest(section);
    const expected = Object.keys(TREE).filter((path) => !path.endsWith('.log') && !path.startsWith('a/cache/')).sort();
    expect(manifest.files.map((file) => file.path)).toEqual(expected);
    expect(manifest.directories.map((dir) => dir.path)).toEqual(['a', 'a/b', 'empty']);
    expect(manifest.symlinks).toEqual([{ path: 'link-to-top', target: 'top.txt' }]);
    const bytes = expected.reduce((sum, path) => sum + TREE[path]!.bytes.length, 0);
    expect(manifest.totals).toEqual({ files: expected.length, bytes, directories: 3, symlinks: 1 });
    for (const file of manifest.files) {
      const { bytes: content, mode } = TREE[file.path]!;
      expect(file).toMatchObject({ size: content.length, mode, sha256: createHash('sha256').update(content).digest('hex'), md5: createHash('md5').update(content).digest('hex') });
      expect((await section.head(file.key))?.etag).toBe(file.md5);
    }
    expect((await listAllKeys(section)).sort()).toEqual([...manifest.files.map((file) => file.key), MANIFEST_KEY].sort());
    expect(run.progress.get(KEY)).toMatchObject({ totalBytes: bytes, bytes, fraction: 1 });
  });

  it.each<VerificationLevel>(['presence', 'checksum', 'full'])('verifies an intact backup at level %s', async (level) => {
    const hashObject = vi.spyOn(Section.prototype, 'hashObject');
    try {
      const run = await verify(level);
      expect(run.error).toBeUndefined();
      expect(run.done.has(KEY)).toBe(true);
      if (level === 'full') expect(run.progress.get(KEY)?.bytes).toBe(manifest.totals.bytes);
      // Only a full verify re-reads; the fs driver then hashes every file itself, the memory one cannot.
      const bankSide = await Promise.all(hashObject.mock.results.map((result) => result.value as Promise<unknown>));
      expect(bankSide.filter((digest) => digest !== undefined)).toHaveLength(level === 'full' && kind === 'fs' ? manifest.files.length : 0);
    } finally {
      hashObject.mockRestore();
    }
  });

  it('copies to a second bank, verified at every level there; a repeated copy moves nothing', async () => {
    const copy = () => runHooks({ plugin: plugin.protection, operation: 'copy', resources: [resource], bank, checkpoint, destination: { bank: copyBank, ...(copyCheckpoint ? { checkpoint: copyCheckpoint } : {}) } });
    const first = await copy();
    expect(first.error).toBeUndefined();
    copyCheckpoint = first.copyCheckpoint!;
    expect(first.progress.get(KEY)?.bytes).toBeGreaterThan(manifest.totals.bytes);
    for (const level of ['presence', 'checksum', 'full'] as const) expect((await verify(level, 'copy')).error).toBeUndefined();
    const second = await copy();
    expect(second.error).toBeUndefined();
    expect(second.progress.get(KEY)).toMatchObject({ totalBytes: 0, bytes: 0 });
  });

  describe('after the main copy was damaged', () => {
    // Damage A and B are invisible to head() (bit rot, truncation at rest); C–F are not.
    const A = 'a/one.bin'; // one byte flipped at rest
    const B = 'a/b/big.bin'; // truncated at rest
    const C = 'top.txt'; // object deleted
    const D = 'exec.sh'; // etag recorded wrongly
    const E = 'private.txt'; // rewritten: same size, other bytes
    const F = 'a/b/x.txt'; // rewritten shorter
    const detects: Record<VerificationLevel, string[]> = { presence: [C, F], checksum: [C, D, E, F], full: [A, B, C, D, E, F] };

    beforeAll(async () => {
      const section = resourceSection(bank, checkpoint, KEY);
      const fullKey = (path: string) => `${section.prefix}/${keyOf(path)}`;
      if (kind === 'fs') {
        const objectDir = (path: string) => join(bankRoot, ...fullKey(path).split('/'));
        const dataFile = async (path: string) => join(objectDir(path), `%v-${(await section.head(keyOf(path)))!.version}`);
        const flipped = await readFile(await dataFile(A));
        flipped[5000] = flipped[5000]! ^ 0xff;
        await writeFile(await dataFile(A), flipped);
        await truncate(await dataFile(B), 1000);
        const sidecar = join(objectDir(D), '%meta.json');
        await writeFile(sidecar, JSON.stringify({ ...JSON.parse(await readFile(sidecar, 'utf8')), etag: '0'.repeat(32) }));
      } else {
        driver.inject({ type: 'corrupt', key: fullKey(A), offset: 5000 }, { type: 'truncate', key: fullKey(B), bytes: 1000 });
        const info = (await section.head(keyOf(D)))!;
        const inner = driver.inner;
        const head = inner.head.bind(inner);
        const wrong = fullKey(D);
        inner.head = async (key) => (key === wrong ? { ...info, key, etag: '0'.repeat(32) } : head(key));
      }
      await section.delete(keyOf(C));
      await section.putObject(keyOf(E), Buffer.from('SECRET STUFF, OWNER ONLY'));
      await section.putObject(keyOf(F), Buffer.from('x marks'));
    });

    it.each<VerificationLevel>(['presence', 'checksum', 'full'])('verify at level %s fails naming exactly the files it can see damaged', async (level) => {
      const run = await verify(level);
      const error = run.errors.get(KEY) as FrameworkError;
      expect(isFrameworkError(error, 'KTS_ERR_BANK_INTEGRITY')).toBe(true);
      const damaged = error.details.damaged as Damage[];
      expect([...new Set(damaged.map((damage) => damage.path))].sort()).toEqual([...detects[level]].sort());
      expect(error.message).toMatch(new RegExp(`^Verification \\(${level}\\) found ${detects[level].length} of ${manifest.files.length} files damaged: `));
      for (const path of detects[level]) expect(error.message).toContain(`file ${path} (${keyOf(path)}): `);
      expect(error.message).toContain(`file ${C} (${keyOf(C)}): object missing`);
      if (level !== 'presence') expect(error.message).toContain(`file ${D} (${keyOf(D)}): expected md5 ${manifest.files.find((f) => f.path === D)!.md5}, found etag ${'0'.repeat(32)}`);
      if (level === 'full') expect(error.message).toMatch(new RegExp(`file ${A} \\(${keyOf(A)}\\): expected sha256 [0-9a-f]{16}… \\(100000 bytes\\), found sha256 [0-9a-f]{16}… \\(100000 bytes read\\)`));
    });

    it('still verifies the copy in full', async () => {
      expect((await verify('full', 'copy')).error).toBeUndefined();
    });

    it('restores from the copy: every byte, mode, link and empty directory as it was', async () => {
      const target = join(await tempDir('restore'), 'nested', 'target');
      const run = await runHooks({ plugin: plugin.protection, operation: 'restore', resources: [resource], bank: copyBank, checkpoint: copyCheckpoint, parameters: { [KEY]: { target_path: target } } });
      expect(run.error).toBeUndefined();
      const original = await describeTree(source);
      for (const path of Object.keys(original)) if (path.endsWith('.log') || path.startsWith('a/cache')) delete original[path];
      expect(await describeTree(target)).toEqual(original);
      expect(run.newResources.get(KEY)).toMatchObject({ type: LOCAL_DIRECTORY_TYPE, id: target, extraInfo: { path: target, restoredFrom: 'docs' } });
      expect(run.progress.get(KEY)).toMatchObject({ totalBytes: manifest.totals.bytes, bytes: manifest.totals.bytes });

      const again = await runHooks({ plugin: plugin.protection, operation: 'restore', resources: [resource], bank: copyBank, checkpoint: copyCheckpoint, parameters: { [KEY]: { target_path: target } } });
      expect(isFrameworkError(again.error, 'KTS_ERR_VALIDATION')).toBe(true);
      expect((again.error as Error).message).toMatch(/already holds 8 of the paths to restore \(a\/b\/big\.bin, /);
      await writeFile(join(target, 'top.txt'), 'changed');
      const overwrite = await runHooks({ plugin: plugin.protection, operation: 'restore', resources: [resource], bank: copyBank, checkpoint: copyCheckpoint, parameters: { [KEY]: { target_path: target, overwrite: true } } });
      expect(overwrite.error).toBeUndefined();
      expect(await readFile(join(target, 'top.txt'), 'utf8')).toBe('top level text\n');
    });

    it('refuses to restore a damaged file and removes what the failed restore wrote', async () => {
      const target = join(await tempDir('bad-restore'), 'target');
      const run = await runHooks({ plugin: plugin.protection, operation: 'restore', resources: [resource], bank, checkpoint, parameters: { [KEY]: { target_path: target } } });
      expect(run.ok).toBe(false);
      expect((run.errors.get(KEY) as Error).message).toMatch(/^File [a-z./]+ \(files\/\d+\)(: expected sha256 [0-9a-f]{64}| could not be restored: )/);
      expect(await readdir(target).catch(() => [])).toEqual([]);
    });

    it('refuses to copy the damaged main copy, and reverts what it wrote', async () => {
      const elsewhere = createBank(createMemoryDriver());
      const run = await runHooks({ plugin: plugin.protection, operation: 'copy', resources: [resource], bank, checkpoint, destination: { bank: elsewhere } });
      expect(run.ok).toBe(false);
      expect((run.errors.get(KEY) as Error).message).toMatch(/^Object files\/\d+: /);
      expect(await listAllKeys(elsewhere)).toEqual([]);
    });

    it('deletes every object of the resource', async () => {
      const run = await runHooks({ plugin: plugin.protection, operation: 'delete', resources: [resource], bank, checkpoint });
      expect(run.error).toBeUndefined();
      expect(await listAllKeys(resourceSection(bank, checkpoint, KEY))).toEqual([]);
      const missing = (await verify('presence')).errors.get(KEY) as FrameworkError;
      expect(missing.code).toBe('KTS_ERR_BANK_OBJECT_NOT_FOUND');
      expect(missing.message).toMatch(/^manifest\.json is missing/);
    });
  });
});

describe('local-directory plugin contract', () => {
  const plugin = createLocalDirectoryPlugin({ directories: { docs: '/srv/docs', etc: '/etc' } });
  const validator = new SchemaValidator();
  const schemas = plugin.protection.resourceTypes[LOCAL_DIRECTORY_TYPE]!;
  const context = { projectId: 'p', logger: silentLogger };

  it('registers in the plugin registry with three verification levels', () => {
    const registry = new PluginRegistry().register(plugin.protection).registerProtectable(plugin.protectable);
    expect(registry.pluginFor(LOCAL_DIRECTORY_TYPE)).toBe(plugin.protection);
    expect(plugin.protection.verificationLevels).toEqual(['presence', 'checksum', 'full']);
  });

  it('lists the configured directories and refuses unknown names', async () => {
    expect(await plugin.protectable.listResources(context)).toEqual([
      { type: LOCAL_DIRECTORY_TYPE, id: 'docs', name: 'docs', extraInfo: { path: '/srv/docs' } },
      { type: LOCAL_DIRECTORY_TYPE, id: 'etc', name: 'etc', extraInfo: { path: '/etc' } },
    ]);
    expect((await plugin.protectable.showResource(context, 'etc')).extraInfo).toEqual({ path: '/etc' });
    await expect(plugin.protectable.showResource(context, 'nope')).rejects.toMatchObject({ code: 'KTS_ERR_NOT_FOUND' });
    expect(await plugin.protectable.getDependentResources(context, { type: LOCAL_DIRECTORY_TYPE, id: 'docs' })).toEqual([]);
  });

  it('fills defaults and refuses bad parameters', () => {
    const restore = validator.compile<Record<string, unknown>>(schemas.restore!);
    expect(restore({ target_path: '/tmp/x' })).toEqual({ target_path: '/tmp/x', overwrite: false });
    for (const bad of [{}, { target_path: 'relative/path' }, { target_path: '/x', overwrite: 'yes' }, { target_path: '/x', extra: 1 }, { target_path: 42 }]) {
      expect(() => restore(bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'KTS_ERR_VALIDATION' }));
    }
    const options = validator.compile(schemas.options!);
    expect(options({})).toEqual({ exclude: [] });
    for (const bad of [{ exclude: '*.log' }, { exclude: [''] }, { depth: 3 }]) expect(() => options(bad)).toThrow(expect.objectContaining({ code: 'KTS_ERR_VALIDATION' }));
    expect(() => validator.validate(schemas.verify!, { level: 'full' })).toThrow(expect.objectContaining({ code: 'KTS_ERR_VALIDATION' }));
    expect(() => validator.validate(schemas.copy!, { region: 'x' })).toThrow(expect.objectContaining({ code: 'KTS_ERR_VALIDATION' }));
  });

  it('refuses bad options', () => {
    expect(() => createLocalDirectoryPlugin({ directories: { docs: 'relative' } })).toThrow(expect.objectContaining({ code: 'KTS_ERR_INVALID_OPTION' }));
    expect(() => createLocalDirectoryPlugin({ directories: {}, concurrency: 0 })).toThrow(expect.objectContaining({ code: 'KTS_ERR_INVALID_OPTION' }));
  });

  it('fails protect of an unknown name, and of a missing directory, with a reason', async () => {
    const bank = createBank(createMemoryDriver());
    const unknown = await runHooks({ plugin: plugin.protection, operation: 'protect', resources: [{ type: LOCAL_DIRECTORY_TYPE, id: 'other' }], bank });
    expect((unknown.error as Error).message).toBe('No local directory is configured under the name "other"');
    const missing = await runHooks({ plugin: plugin.protection, operation: 'protect', resources: [{ type: LOCAL_DIRECTORY_TYPE, id: 'docs' }], bank });
    expect((missing.error as Error).message).toMatch(/^Directory \/srv\/docs cannot be read: ENOENT/);
  });
});

describe('hashing off the main thread', () => {
  const chunks = (bytes: Buffer, size: number) => Array.from({ length: Math.ceil(bytes.length / size) }, (_, at) => bytes.subarray(at * size, (at + 1) * size));

  it('gives the digests and size of what passed, unchanged, with several jobs at once', async () => {
    const inputs = [randomBytes(0), randomBytes(1), randomBytes(5 * 65_536 + 3), randomBytes(2 * 1024 * 1024)];
    const results = await Promise.all(
      inputs.map(async (bytes) => {
        const hashing = hashOffThread(chunks(bytes, 65_536));
        const passed: Uint8Array[] = [];
        for await (const chunk of hashing.stream) passed.push(chunk);
        expect(Buffer.concat(passed).equals(bytes)).toBe(true);
        return hashing.result();
      }),
    );
    results.forEach((digest, at) => {
      const bytes = inputs[at]!;
      expect(digest).toEqual({ size: bytes.length, md5: createHash('md5').update(bytes).digest('hex'), sha256: createHash('sha256').update(bytes).digest('hex') });
    });
  });

  it('survives a consumer that stops early', async () => {
    const abandoned = hashOffThread(chunks(randomBytes(40 * 65_536), 65_536));
    for await (const _chunk of abandoned.stream) break;
    await expect(abandoned.result()).rejects.toThrow('not read to the end');
    const next = hashOffThread([Buffer.from('abc')]);
    for await (const _chunk of next.stream) {
      // drain
    }
    expect((await next.result()).sha256).toBe(createHash('sha256').update('abc').digest('hex'));
  });
});
