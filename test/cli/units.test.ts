/**
 * The command's pieces in process: configuration from flags and the environment, the progress
 * line (redrawn on a terminal, one line per update otherwise), resource parsing and the
 * failure report of a copy.
 */
import { describe, expect, it } from 'vitest';
import { UsageError, clientOptionsFrom } from '../../src/cli/config.js';
import { failureReport, parseResources } from '../../src/cli/main.js';
import { ProgressLine, bytesText, propertyTable } from '../../src/cli/output.js';
import type { CopyView } from '../../src/client/index.js';

const progress = (done: number, bytes: number) => ({ resources_done: done, resources_total: 2, bytes_done: bytes, bytes_total: 2048, percent: (100 * bytes) / 2048 });

describe('configuration', () => {
  it('takes flags over the environment, and a token needs a URL', () => {
    expect(clientOptionsFrom({}, { KARBOR_URL: 'http://h:8799/v1/p', KARBOR_TOKEN: 't' })).toMatchObject({ url: 'http://h:8799/v1/p', token: 't' });
    expect(clientOptionsFrom({ url: 'http://x/v1/q', token: 'u' }, { KARBOR_URL: 'http://h/v1/p', OS_AUTH_TOKEN: 't' })).toMatchObject({ url: 'http://x/v1/q', token: 'u' });
    expect(clientOptionsFrom({}, { KARBOR_URL: 'http://h:8799', KARBOR_PROJECT: 'p', OS_AUTH_TOKEN: 't' })).toMatchObject({ url: 'http://h:8799', projectId: 'p', token: 't' });
    expect(() => clientOptionsFrom({}, { KARBOR_TOKEN: 't' })).toThrow(UsageError);
    expect(() => clientOptionsFrom({}, {})).toThrow(/No Karbor API configured/);
    expect(() => clientOptionsFrom({ timeout: '0' }, { KARBOR_URL: 'http://h/v1/p', KARBOR_TOKEN: 't' })).toThrow(/--timeout/);
  });

  it('builds Keystone credentials from an openrc environment', () => {
    const options = clientOptionsFrom({}, {
      OS_AUTH_URL: 'http://keystone:5000/v3',
      OS_USERNAME: 'alice',
      OS_PASSWORD: 's3cret',
      OS_PROJECT_NAME: 'demo',
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
      OS_REGION_NAME: 'RegionOne',
      OS_INTERFACE: 'internalURL',
    });
    expect(options.keystone).toEqual({
      authUrl: 'http://keystone:5000/v3',
      username: 'alice',
      password: 's3cret',
      projectName: 'demo',
      userDomainName: 'Default',
      projectDomainName: 'Default',
      region: 'RegionOne',
      interface: 'internal',
    });
    expect(options.url).toBeUndefined();
    // A token with Keystone and no URL: exchanged at Keystone, the URL from the catalog.
    expect(clientOptionsFrom({}, { OS_AUTH_URL: 'http://k/v3', OS_AUTH_TOKEN: 't', OS_PROJECT_ID: 'p' }).keystone).toMatchObject({ token: 't', projectId: 'p' });
    expect(() => clientOptionsFrom({}, { OS_AUTH_URL: 'http://k/v3', OS_USERNAME: 'alice' })).toThrow(/OS_PASSWORD/);
  });
});

describe('output', () => {
  it('redraws one line in place on a terminal', () => {
    const written: string[] = [];
    const line = new ProgressLine({ write: (text: string) => written.push(text), isTTY: true, columns: 200 }, 'copy c1');
    line.update('copying', progress(0, 0));
    line.update('copying', progress(0, 0));
    line.update('copying', progress(1, 1024));
    line.update('finished', progress(2, 2048));
    line.end();
    expect(written).toEqual([
      '\r\x1b[2Kcopy c1: copying [------------------------] 0/2 resources, 0 B/2.0 KiB (0%)',
      '\r\x1b[2Kcopy c1: copying [############------------] 1/2 resources, 1.0 KiB/2.0 KiB (50%)',
      '\r\x1b[2Kcopy c1: finished [########################] 2/2 resources, 2.0 KiB/2.0 KiB (100%)',
      '\n',
    ]);
  });

  it('writes one line per update elsewhere', () => {
    const written: string[] = [];
    const line = new ProgressLine({ write: (text: string) => written.push(text) }, 'verification v1');
    line.update('verifying', null);
    line.update('success', progress(2, 2048));
    line.end();
    expect(written).toEqual(['verification v1: verifying\n', 'verification v1: success [########################] 2/2 resources, 2.0 KiB/2.0 KiB (100%)\n']);
  });

  it('formats sizes and property tables', () => {
    expect([bytesText(0), bytesText(1536), bytesText(5 * 1024 ** 3)]).toEqual(['0 B', '1.5 KiB', '5.0 GiB']);
    const table = propertyTable({ id: 'x', error: null, progress: progress(1, 1024), resources_status: { 'T#a': 'error' } });
    expect(table).toContain('1/2 resources, 1.0 KiB/2.0 KiB (50%)');
    expect(table).toContain('"T#a": "error"');
  });
});

describe('arguments and reports', () => {
  it('parses karbor\'s resource form', () => {
    expect(parseResources('docs=OS::Local::Directory=docs, media=OS::Local::Directory=media={"k":1}')).toEqual([
      { id: 'docs', type: 'OS::Local::Directory', name: 'docs' },
      { id: 'media', type: 'OS::Local::Directory', name: 'media', extra_info: { k: 1 } },
    ]);
    expect(() => parseResources('docs')).toThrow(UsageError);
    expect(() => parseResources('')).toThrow(/at least one resource/);
  });

  it('reports the failed resources and copy pairs of a copy', () => {
    const copy = {
      id: 'c1',
      status: 'error',
      error: 'A checkpoint could not be copied (KTS_ERR_BANK_IO)',
      resources_status: { 'T#a': 'finished', 'T#b': 'error' },
      resources_reason: { 'T#b': 'disk full' },
      checkpoints: [
        { source_checkpoint_id: 's1', copy_checkpoint_id: 'k1', status: 'finished', reason: null },
        { source_checkpoint_id: 's2', copy_checkpoint_id: null, status: 'error', reason: 'disk full' },
      ],
    } as unknown as CopyView;
    expect(failureReport('copy', copy)).toBe(
      'karbor-ts: copy c1 ended in error: A checkpoint could not be copied (KTS_ERR_BANK_IO)\n  T#b: error — disk full\n  checkpoint s2: error — disk full\n',
    );
  });
});
