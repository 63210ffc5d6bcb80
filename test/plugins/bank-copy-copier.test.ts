/** copyObjects with a destination that copies objects itself (the bank-side `ObjectCopier` fast path). */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createBank, createMemoryDriver } from '../../src/bank/index.js';
import { isFrameworkError, type BankSection, type ObjectInfo, type PutObjectOptions } from '../../src/index.js';
import { copyObjects, listAllKeys, type ObjectCopier } from '../../src/plugins/bank-copy/index.js';
import { createFaultyDriver } from '../../src/testing/faulty-driver.js';
import { makeCheckpoint, resourceSection } from '../helpers/hook-harness.js';

const KEY = 'Test::Blob#b1';

async function seed(section: BankSection): Promise<void> {
  for (const [index, size] of [0, 1, 70_000, 300_001].entries()) await section.putObject(`data/${index}`, randomBytes(size), { metadata: { part: String(index) } });
  await section.putJson('manifest.json', { parts: 4 });
}

function sections(sourceBank = createBank(createMemoryDriver())) {
  const destinationBank = createBank(createMemoryDriver());
  return {
    source: resourceSection(sourceBank, makeCheckpoint([]), KEY),
    destination: resourceSection(destinationBank, makeCheckpoint([]), KEY),
  };
}

interface CopierCall {
  readonly key: string;
  readonly sourceKey: string;
  readonly options: PutObjectOptions;
}

/**
 * `destination` with a `copyObject` that honours the contract by reading the source and writing
 * through `putObject` (a real bank would copy without this thread's streams), or declines.
 */
function withCopier(destination: BankSection, calls: CopierCall[], decline = false): BankSection & ObjectCopier {
  const copier: ObjectCopier = {
    async copyObject(key, source, sourceKey, options): Promise<ObjectInfo | undefined> {
      calls.push({ key, sourceKey, options });
      if (decline) return undefined;
      return destination.putObject(key, await source.getObject(sourceKey), options);
    },
  };
  return {
    prefix: destination.prefix,
    readOnly: destination.readOnly,
    section: destination.section.bind(destination),
    getJson: destination.getJson.bind(destination),
    putJson: destination.putJson.bind(destination),
    updateJson: destination.updateJson.bind(destination),
    putObject: destination.putObject.bind(destination),
    getObject: destination.getObject.bind(destination),
    head: destination.head.bind(destination),
    list: destination.list.bind(destination),
    delete: destination.delete.bind(destination),
    copyObject: copier.copyObject,
  };
}

describe('copyObjects with a bank-side copier', () => {
  it('lets the destination copy every object, with the source etag, the metadata and a condition', async () => {
    const { source, destination } = sections();
    await seed(source);
    const calls: CopierCall[] = [];
    const progress = { total: 0, bytes: 0 };
    const result = await copyObjects(source, withCopier(destination, calls), {
      progress: { addTotalBytes: (n) => (progress.total += n), addBytes: (n) => (progress.bytes += n), fraction: () => {} },
    });
    expect(result.created).toHaveLength(5);
    expect(calls.map((call) => call.key).sort()).toEqual((await listAllKeys(source)).sort());
    expect(calls.at(-1)!.key).toBe('manifest.json');
    for (const call of calls) {
      const info = (await source.head(call.key))!;
      expect(call.sourceKey).toBe(call.key);
      expect(call.options).toMatchObject({ etag: info.etag, metadata: info.metadata, ifNoneMatch: '*' });
      expect(call.options.signal).toBeInstanceOf(AbortSignal);
      expect((await destination.head(call.key))?.etag).toBe(info.etag);
    }
    expect(progress.bytes).toBe(progress.total);
    expect(progress.bytes).toBe(result.bytesCopied);
  });

  it('streams instead, from then on, once the destination declines the source', async () => {
    const { source, destination } = sections();
    await seed(source);
    const calls: CopierCall[] = [];
    const result = await copyObjects(source, withCopier(destination, calls, true), { concurrency: 1 });
    expect(calls).toHaveLength(1);
    expect(result.created).toHaveLength(5);
    for (const key of await listAllKeys(source)) expect((await destination.head(key))?.etag).toBe((await source.head(key))?.etag);
  });

  it('skips what is already there without asking the copier, and replaces other content with ifMatch', async () => {
    const { source, destination } = sections();
    await seed(source);
    await destination.putObject('data/1', await source.getObject('data/1'));
    const stale = await destination.putObject('data/2', randomBytes(5));
    const calls: CopierCall[] = [];
    const result = await copyObjects(source, withCopier(destination, calls));
    expect(result.skipped).toEqual(['data/1']);
    expect(result.replaced).toEqual(['data/2']);
    expect(calls.map((call) => call.key)).not.toContain('data/1');
    expect(calls.find((call) => call.key === 'data/2')?.options.ifMatch).toBe(stale.version);
  });

  it('reports a damaged source the copier refused, naming the object', async () => {
    const driver = createFaultyDriver(createMemoryDriver());
    const { source, destination } = sections(createBank(driver));
    await seed(source);
    driver.inject({ type: 'corrupt', key: `${source.prefix}/data/3`, offset: 100 });
    const failure = await copyObjects(source, withCopier(destination, [])).catch((error: unknown) => error);
    expect(isFrameworkError(failure, 'KTS_ERR_BANK_INTEGRITY')).toBe(true);
    expect((failure as Error).message).toMatch(/^Object data\/3: the content read from the source does not match its etag/);
    expect(await destination.head('data/3')).toBeUndefined();
    expect(await destination.head('manifest.json')).toBeUndefined();
  });
});
