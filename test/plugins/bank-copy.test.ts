/** The reusable bank copy: streaming, bounded, incremental, verified, metadata last, precise revert. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createBank, createMemoryDriver, type BankDriver } from '../../src/bank/index.js';
import { defineProtectionPlugin, isFrameworkError, resourceKey, type BankSection, type ObjectInfo } from '../../src/index.js';
import { copyObjects, createBankCopyOperation, listAllKeys } from '../../src/plugins/bank-copy/index.js';
import { createFaultyDriver } from '../../src/testing/faulty-driver.js';
import { makeCheckpoint, resourceSection, runHooks } from '../helpers/hook-harness.js';

const TYPE = 'Test::Blob';
const blob = { type: TYPE, id: 'b1' };
const KEY = resourceKey(blob);

/** Source objects: eight data objects of various sizes and a manifest. */
async function seed(section: BankSection): Promise<Map<string, Buffer>> {
  const contents = new Map<string, Buffer>();
  const sizes = [0, 1, 1000, 65_536, 200_000, 1_048_577, 3, 77];
  for (const [index, size] of sizes.entries()) {
    const bytes = randomBytes(size);
    contents.set(`data/${index}`, bytes);
    await section.putObject(`data/${index}`, bytes, { metadata: { part: String(index) } });
  }
  await section.putJson('manifest.json', { parts: sizes.length });
  return contents;
}

/** A section delegating to `inner`, with some methods replaced. */
function spy(inner: BankSection, overrides: Partial<BankSection>): BankSection {
  return {
    prefix: inner.prefix,
    readOnly: inner.readOnly,
    section: inner.section.bind(inner),
    getJson: inner.getJson.bind(inner),
    putJson: inner.putJson.bind(inner),
    updateJson: inner.updateJson.bind(inner),
    putObject: inner.putObject.bind(inner),
    getObject: inner.getObject.bind(inner),
    head: inner.head.bind(inner),
    list: inner.list.bind(inner),
    delete: inner.delete.bind(inner),
    ...overrides,
  };
}

function fixture(destinationDriver: BankDriver = createMemoryDriver()) {
  const bank = createBank(createMemoryDriver());
  const destinationBank = createBank(destinationDriver);
  const checkpoint = makeCheckpoint([blob]);
  const copyCheckpoint = makeCheckpoint([blob], { status: 'copying' });
  return {
    bank,
    destinationBank,
    checkpoint,
    copyCheckpoint,
    source: resourceSection(bank, checkpoint, KEY),
    destination: resourceSection(destinationBank, copyCheckpoint, KEY),
  };
}

function copyPlugin(concurrency = 2) {
  return defineProtectionPlugin({
    name: 'blob',
    version: '1.0.0',
    resourceTypes: { [TYPE]: {} },
    getProtectOperation: () => ({}),
    getRestoreOperation: () => ({}),
    getDeleteOperation: () => ({}),
    getCopyOperation: () => createBankCopyOperation({ concurrency }),
  });
}

describe('copyObjects', () => {
  it('copies every object with its metadata, verified by etag, and the manifest last', async () => {
    const { source, destination } = fixture();
    const contents = await seed(source);
    const events: string[] = [];
    const tracked = spy(destination, {
      putObject: async (key, body, options) => {
        events.push(`start ${key}`);
        const info = await destination.putObject(key, body, options);
        events.push(`end ${key}`);
        return info;
      },
    });
    const progress = { total: 0, bytes: 0 };
    const result = await copyObjects(source, tracked, {
      concurrency: 3,
      progress: { addTotalBytes: (n) => (progress.total += n), addBytes: (n) => (progress.bytes += n), fraction: () => {} },
    });
    expect(result.created).toHaveLength(9);
    expect(result.skipped).toEqual([]);
    const dataBytes = [...contents.values()].reduce((sum, bytes) => sum + bytes.length, 0);
    expect(progress.total).toBe(result.bytesCopied);
    expect(progress.bytes).toBe(result.bytesCopied);
    expect(result.bytesCopied).toBeGreaterThan(dataBytes);
    for (const key of await listAllKeys(source)) {
      const [a, b] = await Promise.all([source.head(key), destination.head(key)]);
      expect(b?.etag, key).toBe(a?.etag);
      expect(b?.metadata).toEqual(a?.metadata);
    }
    const manifestStart = events.indexOf('start manifest.json');
    expect(manifestStart).toBe(events.length - 2);
    expect(events.slice(0, manifestStart).filter((event) => event.startsWith('end'))).toHaveLength(8);
  });

  it('keeps at most `concurrency` transfers in flight', async () => {
    const { source, destination } = fixture();
    await seed(source);
    let inFlight = 0;
    let peak = 0;
    const tracked = spy(destination, {
      putObject: async (key, body, options) => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        try {
          return await destination.putObject(key, body, options);
        } finally {
          inFlight--;
        }
      },
    });
    await copyObjects(source, tracked, { concurrency: 3 });
    expect(peak).toBe(3);
  });

  it('writes nothing on a repeated copy, and only what is missing on a resumed one', async () => {
    const { source, destination } = fixture();
    const contents = await seed(source);
    await destination.putObject('data/2', contents.get('data/2')!);
    await destination.putObject('data/3', randomBytes(10));
    const first = await copyObjects(source, destination);
    expect(first.skipped).toEqual(['data/2']);
    expect(first.replaced).toEqual(['data/3']);
    expect(first.created).toHaveLength(7);
    let puts = 0;
    const second = await copyObjects(source, spy(destination, { putObject: (...args) => (puts++, destination.putObject(...args)) }));
    expect(puts).toBe(0);
    expect(second).toMatchObject({ created: [], replaced: [], bytesCopied: 0 });
    expect(second.skipped).toHaveLength(9);
  });

  it('heads only the destination objects its one listing shows (none on a first copy)', async () => {
    const { source, destination } = fixture();
    await seed(source);
    const headed: string[] = [];
    const counting = spy(destination, { head: (key) => (headed.push(key), destination.head(key)) });
    expect((await copyObjects(source, counting)).created).toHaveLength(9);
    expect(headed).toEqual([]);
    const again = await copyObjects(source, counting);
    expect(again.skipped).toHaveLength(9);
    expect(headed.sort()).toEqual((await listAllKeys(source)).sort());
  });

  it('an object written at the destination after its listing is neither overwritten nor claimed', async () => {
    const { source, destination } = fixture();
    const contents = await seed(source);
    await destination.putObject('data/6', contents.get('data/6')!);
    await destination.putObject('data/7', randomBytes(5));
    // The listing misses both, as if they were written just after it.
    const stale = spy(destination, { list: async (options) => ({ ...(await destination.list(options)), keys: [] }) });
    const written: string[] = [];
    const failure = await copyObjects(source, stale, { onWritten: (key) => void written.push(key) }).catch((error: unknown) => error);
    expect(isFrameworkError(failure, 'KTS_ERR_CONFLICT')).toBe(true);
    expect((failure as Error).message).toMatch(/^Object data\/7 changed at the destination while it was being copied/);
    expect(written).not.toContain('data/6');
    expect(written).not.toContain('data/7');
    expect((await destination.head('data/7'))?.size).toBe(5);
  });

  it('refuses to propagate a damaged source object, naming it', async () => {
    const driver = createFaultyDriver(createMemoryDriver());
    const bank = createBank(driver);
    const checkpoint = makeCheckpoint([blob]);
    const source = resourceSection(bank, checkpoint, KEY);
    await seed(source);
    driver.inject({ type: 'corrupt', key: `${source.prefix}/data/4`, offset: 1234 });
    const { destination } = fixture();
    const failure = await copyObjects(source, destination).catch((error: unknown) => error);
    expect(isFrameworkError(failure, 'KTS_ERR_BANK_INTEGRITY')).toBe(true);
    expect((failure as Error).message).toMatch(/^Object data\/4: the content read from the source does not match its etag/);
    expect(await destination.head('data/4')).toBeUndefined();
    expect(await destination.head('manifest.json')).toBeUndefined();
  });

  it('does not claim an object another writer created meanwhile', async () => {
    const { source, destination } = fixture();
    const contents = await seed(source);
    await destination.putObject('data/5', contents.get('data/5')!);
    let lies = 1;
    const lying = spy(destination, { head: async (key): Promise<ObjectInfo | undefined> => (key === 'data/5' && lies-- > 0 ? undefined : destination.head(key)) });
    const written: string[] = [];
    const result = await copyObjects(source, lying, { onWritten: (key) => void written.push(key) });
    expect(result.skipped).toEqual(['data/5']);
    expect(written).not.toContain('data/5');
  });

  it('works on back-ends without conditional writes', async () => {
    const plain = createMemoryDriver();
    const { source, destination } = fixture({ ...plain, capabilities: { ...plain.capabilities, conditionalPut: false } });
    await seed(source);
    const result = await copyObjects(source, destination);
    expect(result.created).toHaveLength(9);
  });
});

describe('createBankCopyOperation (through the resource flow)', () => {
  it('copies the resource section to the destination; a second run skips everything', async () => {
    const { bank, destinationBank, checkpoint, copyCheckpoint, source, destination } = fixture();
    await seed(source);
    const options = { plugin: copyPlugin(), operation: 'copy' as const, resources: [blob], bank, checkpoint, destination: { bank: destinationBank, checkpoint: copyCheckpoint } };
    const first = await runHooks(options);
    expect(first.ok).toBe(true);
    expect(first.progress.get(KEY)?.bytes).toBe(first.progress.get(KEY)?.totalBytes);
    expect((await listAllKeys(destination)).sort()).toEqual((await listAllKeys(source)).sort());
    const second = await runHooks(options);
    expect(second.ok).toBe(true);
    expect(second.progress.get(KEY)).toMatchObject({ totalBytes: 0, bytes: 0 });
  });

  it('reverts a failed copy: deletes what that run created, keeps what was there', async () => {
    const driver = createFaultyDriver(createMemoryDriver());
    const { bank, destinationBank, checkpoint, copyCheckpoint, source, destination } = fixture(driver);
    const contents = await seed(source);
    await destination.putObject('data/0', contents.get('data/0')!);
    await destination.putObject('unrelated', Buffer.from('keep me'));
    driver.inject({ type: 'fail', operation: 'put', key: /\/data\/6$/ });
    const run = await runHooks({ plugin: copyPlugin(), operation: 'copy', resources: [blob], bank, checkpoint, destination: { bank: destinationBank, checkpoint: copyCheckpoint } });
    expect(run.ok).toBe(false);
    expect((run.errors.get(KEY) as Error).message).toMatch(/^Copy of object data\/6 \(3 bytes\) failed: Injected fault/);
    expect((await listAllKeys(destination)).sort()).toEqual(['data/0', 'unrelated']);
  });

  it('stops on cancel and reverts what it created', async () => {
    const driver = createFaultyDriver(createMemoryDriver(), [{ type: 'delay', operation: 'put', ms: 30 }]);
    const { bank, destinationBank, checkpoint, copyCheckpoint, source, destination } = fixture(driver);
    await seed(source);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 45);
    const run = await runHooks({
      plugin: copyPlugin(1),
      operation: 'copy',
      resources: [blob],
      bank,
      checkpoint,
      destination: { bank: destinationBank, checkpoint: copyCheckpoint },
      signal: controller.signal,
    });
    expect(run.ok).toBe(false);
    expect(isFrameworkError(run.error, 'KTS_ERR_CANCELLED')).toBe(true);
    expect(await listAllKeys(destination)).toEqual([]);
  });
});
