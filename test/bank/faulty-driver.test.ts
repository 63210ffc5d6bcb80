import { describe, expect, it } from 'vitest';
import { createMemoryDriver } from '../../src/bank/index.js';
import { createFaultyDriver } from '../../src/testing/faulty-driver.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

async function read(stream: AsyncIterable<unknown>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

describe('createFaultyDriver', () => {
  it('fails exactly the Nth call of an operation', async () => {
    const driver = createFaultyDriver(createMemoryDriver(), [{ type: 'fail', operation: 'put', call: 2 }]);
    await driver.put('a', bytes('1'));
    await expect(driver.put('b', bytes('2'))).rejects.toMatchObject({ code: 'KTS_ERR_BANK_IO', details: { injected: true } });
    await driver.put('c', bytes('3'));
    expect((await driver.list()).keys).toEqual(['a', 'c']);
    expect(driver.calls.put).toBe(3);
  });

  it('fails with a chosen error, only for matching keys, a number of times', async () => {
    const driver = createFaultyDriver(createMemoryDriver());
    await driver.put('x/1', bytes('1'));
    driver.inject({ type: 'fail', operation: 'get', key: /^x\//u, times: 2, error: () => new Error('boom') });
    await expect(driver.get('x/1')).rejects.toThrow('boom');
    await expect(driver.get('y')).rejects.toMatchObject({ code: 'KTS_ERR_BANK_OBJECT_NOT_FOUND' });
    await expect(driver.get('x/1')).rejects.toThrow('boom');
    expect(await read(await driver.get('x/1'))).toBe('1');
    driver.clear();
  });

  it('delays a call before it reaches the real driver', async () => {
    const driver = createFaultyDriver(createMemoryDriver(), [{ type: 'delay', operation: 'head', ms: 30 }]);
    await driver.put('k', bytes('v'));
    const order: string[] = [];
    const slow = driver.head('k').then(() => order.push('head'));
    const fast = driver.list().then(() => order.push('list'));
    await Promise.all([slow, fast]);
    expect(order).toEqual(['list', 'head']);
  });

  it('corrupts, truncates and cuts what get returns, while head keeps the truth', async () => {
    const driver = createFaultyDriver(createMemoryDriver());
    await driver.put('k', bytes('0123456789'));
    driver.inject({ type: 'corrupt', offset: 2, call: 1 });
    const corrupted = await read(await driver.get('k'));
    expect(corrupted).not.toBe('0123456789');
    expect(corrupted.startsWith('01')).toBe(true);
    driver.inject({ type: 'truncate', call: 1 });
    expect(await read(await driver.get('k'))).toBe('01234');
    driver.inject({ type: 'cut', afterBytes: 3, call: 1 });
    await expect(read(await driver.get('k'))).rejects.toMatchObject({ code: 'KTS_ERR_BANK_IO' });
    expect(await read(await driver.get('k'))).toBe('0123456789');
    expect(await driver.head('k')).toMatchObject({ size: 10 });
  });

  it('flips exactly one byte when corrupting', async () => {
    const driver = createFaultyDriver(createMemoryDriver(), [{ type: 'corrupt', offset: 1 }]);
    await driver.put('k', Buffer.from([1, 2, 3]));
    const chunks: Buffer[] = [];
    for await (const chunk of await driver.get('k')) chunks.push(chunk as Buffer);
    expect([...Buffer.concat(chunks)]).toEqual([1, 2 ^ 0xff, 3]);
  });

  it('makes head misreport the etag, size or metadata, leaving the content alone', async () => {
    const driver = createFaultyDriver(createMemoryDriver());
    const stored = await driver.put('k', bytes('content'), { metadata: { a: '1' } });
    driver.inject({ type: 'metadata', key: 'k', etag: '0'.repeat(32) }, { type: 'metadata', key: 'k', size: 3, metadata: { b: '2' } });
    expect(await driver.head('k')).toMatchObject({ etag: '0'.repeat(32), size: 3, metadata: { b: '2' }, version: stored.version });
    expect(await driver.head('missing')).toBeUndefined();
    expect(await read(await driver.get('k'))).toBe('content');
    driver.clear();
    expect(await driver.head('k')).toMatchObject({ etag: stored.etag, size: 7, metadata: { a: '1' } });
  });

  it('intercepts calls: holds them at a gate, sees their signal, fails them by throwing', async () => {
    const driver = createFaultyDriver(createMemoryDriver());
    const seen: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const controller = new AbortController();
    driver.inject({
      type: 'intercept',
      operation: 'put',
      key: /^held\//u,
      before: async (call) => {
        seen.push(`${call.operation} ${call.key} #${call.call} ${call.signal === controller.signal}`);
        await gate;
      },
    });
    await driver.put('free', bytes('x'));
    const held = driver.put('held/1', bytes('y'), { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await driver.list()).keys).toEqual(['free']);
    open();
    await held;
    expect((await driver.list()).keys).toEqual(['free', 'held/1']);
    expect(seen).toEqual(['put held/1 #2 true']);
    driver.inject({ type: 'intercept', operation: 'delete', call: 1, before: () => { throw new Error('refused'); } });
    await expect(driver.delete('free')).rejects.toThrow('refused');
    await driver.delete('free');
    expect((await driver.list()).keys).toEqual(['held/1']);
  });

  it('wraps native leases too', async () => {
    const driver = createFaultyDriver(createMemoryDriver(), [{ type: 'fail', operation: 'acquire', call: 1 }]);
    await expect(driver.leases?.acquire('l', 'me', 1000)).rejects.toMatchObject({ code: 'KTS_ERR_BANK_IO' });
    await expect(driver.leases?.acquire('l', 'me', 1000)).resolves.toMatchObject({ owner: 'me' });
    expect(driver.calls.acquire).toBe(2);
  });
});
