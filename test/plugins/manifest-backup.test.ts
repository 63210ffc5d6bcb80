/** What the local-directory and Glance image plugins share: reading a manifest, head checks, the verify loop, the damage message. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createBank, createMemoryDriver } from '../../src/bank/index.js';
import { BankError, type BankSection } from '../../src/index.js';
import { createManifestReader } from '../../src/plugins/manifest-backup/manifest.js';
import { cappedMessage, checkEach, headProblems } from '../../src/plugins/manifest-backup/verify.js';

interface Doc {
  readonly owner: string;
  readonly parts: readonly string[];
}

const read = createManifestReader<Doc>({
  key: 'manifest.json',
  schema: { type: 'object', required: ['owner', 'parts'], properties: { owner: { type: 'string' }, parts: { type: 'array', items: { type: 'string' } } } },
  label: 'test',
  subject: 'thing',
  ownerOf: (doc) => doc.owner,
  foreign: (found, expected) => `manifest.json is ${found}'s, not ${expected}'s`,
  problemOf: (doc) => (doc.parts.includes('') ? 'an empty part' : undefined),
});

const section = (): BankSection => createBank(createMemoryDriver()).section('s');
const failure = (promise: Promise<unknown>) => promise.then(() => expect.unreachable(), (error: unknown) => error as BankError);

describe('createManifestReader', () => {
  it('returns a valid manifest of the resource asked for', async () => {
    const bank = section();
    await bank.putJson('manifest.json', { owner: 'a', parts: ['x'] });
    expect(await read(bank, 'a')).toEqual({ owner: 'a', parts: ['x'] });
  });

  it('refuses a missing, invalid or foreign manifest, naming its key', async () => {
    const bank = section();
    expect(await failure(read(bank))).toMatchObject({ code: 'KTS_ERR_BANK_OBJECT_NOT_FOUND', message: 'manifest.json is missing: the backup of this thing is incomplete or was deleted' });
    await bank.putJson('manifest.json', { owner: 'a' });
    expect(await failure(read(bank))).toMatchObject({ code: 'KTS_ERR_BANK_INTEGRITY', message: expect.stringMatching(/^manifest\.json is not a valid test manifest: /u) });
    await bank.putJson('manifest.json', { owner: 'a', parts: [''] });
    expect(await failure(read(bank))).toMatchObject({ message: 'manifest.json is not a valid test manifest: an empty part', details: { key: 'manifest.json', reason: 'an empty part' } });
    await bank.putJson('manifest.json', { owner: 'a', parts: [] });
    expect(await failure(read(bank, 'b'))).toMatchObject({ code: 'KTS_ERR_BANK_INTEGRITY', message: "manifest.json is a's, not b's", details: { key: 'manifest.json', expected: 'b', found: 'a' } });
  });

  it('reports a document the bank finds damaged as KTS_ERR_BANK_INTEGRITY, and passes other errors through', async () => {
    const damaged = new BankError('md5 mismatch', { code: 'KTS_ERR_BANK_INTEGRITY' });
    const io = new BankError('down', { code: 'KTS_ERR_BANK_IO' });
    const throwing = (error: Error) => ({ getJson: () => Promise.reject(error) }) as unknown as BankSection;
    const error = await failure(read(throwing(damaged)));
    expect(error).toMatchObject({ message: 'manifest.json is damaged: md5 mismatch', details: { key: 'manifest.json' }, cause: damaged });
    expect(await failure(read(throwing(io)))).toBe(io);
  });
});

describe('headProblems', () => {
  it('checks existence and size, and the etag above presence', async () => {
    const bank = section();
    const bytes = Buffer.from('hello');
    await bank.putObject('o', bytes);
    const md5 = createHash('md5').update(bytes).digest('hex');
    const signal = new AbortController().signal;
    expect(await headProblems(bank, { key: 'o', size: 5, md5 }, 'checksum', signal)).toEqual([]);
    expect(await headProblems(bank, { key: 'none', size: 5, md5 }, 'presence', signal)).toEqual([{ problem: 'missing' }]);
    const wrong = { key: 'o', size: 6, md5: '0'.repeat(32) };
    expect((await headProblems(bank, wrong, 'presence', signal)).map((found) => found.problem)).toEqual(['size']);
    expect(await headProblems(bank, wrong, 'full', signal)).toEqual([
      { problem: 'size', expected: '6 bytes', found: '5 bytes' },
      { problem: 'etag', expected: `md5 ${'0'.repeat(32)}`, found: `etag ${md5}` },
    ]);
  });
});

describe('checkEach and cappedMessage', () => {
  it('gathers what every check found and reports the share done', async () => {
    const fractions: number[] = [];
    const found = await checkEach([1, 2, 3, 4], { concurrency: 2, signal: new AbortController().signal, onFraction: (share) => fractions.push(share) }, async (n) => (n % 2 === 0 ? [n] : []));
    expect(found.sort()).toEqual([2, 4]);
    expect(fractions).toEqual([0.25, 0.5, 0.75, 1]);
  });

  it('cuts a long list near 1,000 characters and says how many lines were left out', () => {
    expect(cappedMessage('Found: ', ['a', 'b'])).toBe('Found: a; b');
    const message = cappedMessage('Found: ', Array.from({ length: 50 }, (_, at) => `line ${at} ${'x'.repeat(40)}`));
    expect(message.length).toBeLessThan(1100);
    expect(message).toMatch(/^Found: line 0 x+; line 1 x+; .*; and \d+ more problems \(see details\.damaged\)$/u);
  });
});
