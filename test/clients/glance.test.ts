/**
 * The Glance client against the real Glance that `scripts/glance-up.sh` starts (Debian
 * glance-api, sqlite, file store, trusted identity headers, 127.0.0.1:9292). The file fails
 * (never skips) when Glance does not answer. Every image it creates is deleted afterwards.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { isFrameworkError } from '../../src/core/errors.js';
import { GlanceClient, staticEndpoint, trustedHeaders, type GlanceImage } from '../../src/clients/index.js';
import { requireGlance } from '../helpers/services.js';

const glance = await requireGlance();
const MiB = 1024 * 1024;
const client = new GlanceClient({ endpoint: staticEndpoint(glance.url, trustedHeaders({ projectId: glance.projectId })) });
const created: string[] = [];
const runTag = `kts-${randomBytes(4).toString('hex')}`;

const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');
const sha512 = (bytes: Uint8Array): string => createHash('sha512').update(bytes).digest('hex');

async function newImage(name = 'clients-test', extra: Record<string, unknown> = {}): Promise<GlanceImage> {
  const image = await client.createImage({ name, disk_format: 'raw', container_format: 'bare', karbor_test_run: runTag, ...extra });
  created.push(image.id);
  return image;
}

async function* chunks(bytes: Uint8Array, size = 256 * 1024): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function readAll(body: ReadableStream<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of body) parts.push(part);
  return Buffer.concat(parts);
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; kind: string; message: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    if (!isFrameworkError(error)) throw error;
    return { code: error.code, kind: error.kind, message: error.message, details: { ...error.details } };
  }
  throw new Error('expected the call to fail');
}

afterAll(async () => {
  await Promise.all(created.map((id) => client.deleteImage(id, { ignoreMissing: true })));
});

describe('GlanceClient against the real Glance', () => {
  const data = randomBytes(3 * MiB + 12_345);

  it('uploads a streamed image; Glance records its md5 as checksum and its sha512 as os_hash_value', async () => {
    const image = await newImage('clients-upload', { karbor_checkpoint: 'cp-1' });
    expect(image.status).toBe('queued');
    expect(image.owner).toBe(glance.projectId);
    expect(image.karbor_checkpoint).toBe('cp-1');

    await client.uploadImage(image.id, chunks(data));
    const active = await client.waitForImage(image.id);
    expect(active.status).toBe('active');
    expect(active.size).toBe(data.length);
    expect(active.checksum).toBe(md5(data));
    expect(active.os_hash_algo).toBe('sha512');
    expect(active.os_hash_value).toBe(sha512(data));

    const download = await client.downloadImage(image.id);
    expect(download.length).toBe(data.length);
    expect(download.checksum).toBe(md5(data));
    const back = await readAll(download.body);
    expect(md5(back)).toBe(md5(data));
    expect(back.equals(data)).toBe(true);

    // a byte range: Content-MD5 stays the whole image's checksum
    const range = await client.downloadImage(image.id, { range: { start: 1000, end: 1999 } });
    expect(range.range).toEqual({ start: 1000, end: 1999, total: data.length });
    expect(range.length).toBe(1000);
    expect((await readAll(range.body)).equals(data.subarray(1000, 2000))).toBe(true);
    const tail = await client.downloadImage(image.id, { range: { start: data.length - 10 } });
    expect((await readAll(tail.body)).equals(data.subarray(data.length - 10))).toBe(true);
  });

  it('uploads bytes in hand with a Content-Length, and retries-safe bodies made by a function', async () => {
    const small = randomBytes(100_000);
    const first = await newImage('clients-bytes');
    await client.uploadImage(first.id, small, { size: small.length });
    expect((await client.getImage(first.id)).checksum).toBe(md5(small));

    const second = await newImage('clients-factory');
    let opened = 0;
    await client.uploadImage(second.id, () => {
      opened += 1;
      return chunks(small, 10_000);
    });
    expect(opened).toBe(1);
    expect((await client.getImage(second.id)).checksum).toBe(md5(small));
  });

  it('stages and imports an image (glance-direct) and waits for it to become active', async () => {
    const bytes = randomBytes(MiB);
    const image = await newImage('clients-import');
    await client.stageImage(image.id, chunks(bytes));
    await client.importImage(image.id);
    const polled: string[] = [];
    const active = await client.waitForImage(image.id, { intervalMs: 100, onPoll: (state) => polled.push(state.status) });
    expect(active.checksum).toBe(md5(bytes));
    expect(polled.at(-1)).toBe('active');
  });

  it('updates properties with JSON patch', async () => {
    const image = await newImage('clients-patch');
    const updated = await client.updateImage(image.id, [
      { op: 'replace', path: '/name', value: 'clients-patched' },
      { op: 'add', path: '/karbor_checkpoint', value: 'cp-2' },
    ]);
    expect(updated.name).toBe('clients-patched');
    expect(updated.karbor_checkpoint).toBe('cp-2');
  });

  it('lists images page by page with filters', async () => {
    const name = `clients-list-${runTag}`;
    const ids = [];
    for (let i = 0; i < 3; i += 1) ids.push((await newImage(name)).id);
    const first = await client.listImages({ name, limit: 2 });
    expect(first.images).toHaveLength(2);
    expect(first.nextMarker).toBeDefined();
    const all: string[] = [];
    for await (const image of client.images({ name, limit: 2 })) all.push(image.id);
    expect(all.sort()).toEqual([...ids].sort());
  });

  it('deletes an image and waits until it is gone; a second delete is NotFound unless ignoreMissing', async () => {
    const image = await newImage('clients-delete');
    expect(await client.deleteImage(image.id)).toBe(true);
    await client.waitForImageDeleted(image.id, { intervalMs: 100 });
    const missing = await failure(client.deleteImage(image.id));
    expect(missing.code).toBe('KTS_ERR_NOT_FOUND');
    expect(await client.deleteImage(image.id, { ignoreMissing: true })).toBe(false);
  });

  it('maps an unknown id to NotFoundError naming Glance and the image, with the upstream reason and request id', async () => {
    const id = randomUUID();
    const error = await failure(client.getImage(id));
    expect(error.code).toBe('KTS_ERR_NOT_FOUND');
    expect(error.message).toContain(`Glance image ${id} not found`);
    expect(error.message).toContain(`No image found with ID ${id}`);
    expect(error.details).toMatchObject({ service: 'Glance', resourceType: 'image', resourceId: id, status: 404, method: 'GET' });
    expect(String(error.details.requestId)).toMatch(/^req-/u);
    expect((await failure(client.downloadImage(id))).code).toBe('KTS_ERR_NOT_FOUND');
  });

  it('maps refused state changes and missing data to ConflictError, and bad input to ValidationError', async () => {
    const image = await newImage('clients-conflict');
    expect((await failure(client.downloadImage(image.id))).kind).toBe('conflict'); // no data yet (204)
    await client.uploadImage(image.id, randomBytes(1000));
    const again = await failure(client.uploadImage(image.id, randomBytes(1000)));
    expect(again.code).toBe('KTS_ERR_CONFLICT');
    expect(again.message).toContain('Image status transition from active to saving is not allowed');
    const bad = await failure(client.createImage({ name: 'x', disk_format: 'not-a-format' }));
    expect(bad.code).toBe('KTS_ERR_VALIDATION');
    expect(bad.details.status).toBe(400);
  });

  it('maps missing identity headers to AuthenticationError (a static endpoint cannot renew)', async () => {
    const anonymous = new GlanceClient({ endpoint: staticEndpoint(glance.url) });
    const error = await failure(anonymous.listImages());
    expect(error.code).toBe('KTS_ERR_UNAUTHORIZED');
    expect(error.message).toContain('Glance refused the credentials');
  });

  it('works over the global fetch (undici) too', async () => {
    const viaUndici = new GlanceClient({ endpoint: staticEndpoint(glance.url, trustedHeaders({ projectId: glance.projectId })), fetch: globalThis.fetch });
    const bytes = randomBytes(MiB);
    const image = await viaUndici.createImage({ name: 'clients-undici', disk_format: 'raw', container_format: 'bare' });
    created.push(image.id);
    await viaUndici.uploadImage(image.id, chunks(bytes));
    expect((await viaUndici.getImage(image.id)).checksum).toBe(md5(bytes));
    expect((await readAll((await viaUndici.downloadImage(image.id)).body)).equals(bytes)).toBe(true);
  });

  it('streams a large upload with backpressure: memory stays far below the image size', async () => {
    const size = 192 * MiB;
    const block = randomBytes(MiB);
    const image = await newImage('clients-large');
    const hash = createHash('md5');
    let peak = 0;
    const before = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss - before)), 10);
    try {
      await client.uploadImage(
        image.id,
        (async function* () {
          for (let sent = 0; sent < size; sent += MiB) {
            const chunk = new Uint8Array(block); // a fresh buffer, as a file read would give
            hash.update(chunk);
            yield chunk;
          }
        })(),
        { size },
      );
    } finally {
      clearInterval(sampler);
    }
    const active = await client.getImage(image.id);
    expect(active.size).toBe(size);
    expect(active.checksum).toBe(hash.digest('hex'));
    expect(peak).toBeLessThan(96 * MiB);
  }, 300_000);
});
