/**
 * The Swift driver's object reads over its default transport (`node:http`), against a small
 * local fake Swift (a test double, named as such): it answers tempauth and object GETs with
 * behaviours real Swift only shows under failure — a body cut short (with a Content-Length or
 * chunked), a revoked token, errors — so that each can be checked deterministically. The real
 * Swift runs the conformance suite in `swift.test.ts`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFrameworkError } from '../../src/core/errors.js';
import { createSwiftDriver } from '../../src/bank/drivers/swift.js';

const CONTENT = Buffer.alloc(256 * 1024, 7);
let server: Server;
let base = '';
let token = 'tk-1';
let auths = 0;
const seen: { url: string; token: string | undefined; range: string | undefined }[] = [];

/** The fake Swift's object behaviours, by object name. */
const objects: Record<string, (request: IncomingMessage, response: ServerResponse) => void> = {
  whole(request, response) {
    const range = /^bytes=(\d+)-(\d*)$/u.exec(request.headers.range ?? '');
    if (range === null) return void response.writeHead(200, { 'Content-Length': CONTENT.length }).end(CONTENT);
    const start = Number(range[1]);
    const end = range[2] === '' ? CONTENT.length - 1 : Math.min(Number(range[2]), CONTENT.length - 1);
    if (start >= CONTENT.length) return void response.writeHead(416, { 'Content-Length': 0 }).end();
    response.writeHead(206, { 'Content-Length': end - start + 1 }).end(CONTENT.subarray(start, end + 1));
  },
  // Content-Length promises the whole content; half of it comes, then the connection closes.
  'cut-sized'(_request, response) {
    response.writeHead(200, { 'Content-Length': CONTENT.length });
    response.write(CONTENT.subarray(0, CONTENT.length / 2), () => setTimeout(() => response.socket?.destroy(), 20));
  },
  // Chunked: a few chunks, then the connection closes before the last (empty) chunk.
  'cut-chunked'(_request, response) {
    response.writeHead(200, { 'Transfer-Encoding': 'chunked' });
    response.write(CONTENT.subarray(0, 1000));
    response.write(CONTENT.subarray(1000, 2000), () => setTimeout(() => response.socket?.destroy(), 20));
  },
  // Sends slowly, so that a reader can cancel midway.
  slow(_request, response) {
    response.writeHead(200, { 'Content-Length': CONTENT.length });
    let at = 0;
    const timer = setInterval(() => {
      if (response.destroyed || at >= CONTENT.length) return void clearInterval(timer);
      response.write(CONTENT.subarray(at, at + 4096));
      at += 4096;
    }, 5);
  },
  broken(_request, response) {
    response.writeHead(503, { 'Content-Type': 'text/html' }).end('<html><h1>Service Unavailable</h1></html>');
  },
};

beforeAll(async () => {
  server = createServer((request, response) => {
    const url = request.url ?? '';
    if (url === '/auth/v1.0') {
      auths++;
      token = `tk-${auths + 1}`;
      response.writeHead(200, { 'X-Auth-Token': token, 'X-Storage-Url': `${base}/v1/AUTH_fake`, 'Content-Length': 0 }).end();
      return;
    }
    const given = request.headers['x-auth-token'] as string | undefined;
    seen.push({ url, token: given, range: request.headers.range });
    if (given !== token) return void response.writeHead(401, { 'Content-Type': 'text/plain' }).end('Unauthorized');
    const behaviour = objects[decodeURIComponent(url.replace(/^\/v1\/AUTH_fake\/c\//u, ''))];
    if (behaviour === undefined) return void response.writeHead(404, { 'Content-Length': 0 }).end();
    behaviour(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const newDriver = (initialToken = token) =>
  createSwiftDriver({
    auth: { type: 'tempauth', authUrl: `${base}/auth/v1.0`, user: 'fake:fake', key: 'fake' },
    container: 'c',
    storageUrl: `${base}/v1/AUTH_fake`,
    initialToken,
  });

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function failure(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('swift driver: object reads over node:http (fake Swift)', () => {
  it('hands back the Node response itself, whole and ranged', async () => {
    const driver = newDriver();
    const stream = await driver.get('whole');
    expect(stream.constructor.name).toBe('IncomingMessage');
    expect(Buffer.compare(await drain(stream), CONTENT)).toBe(0);
    expect(Buffer.compare(await drain(await driver.get('whole', { start: 10, end: 19 })), CONTENT.subarray(10, 20))).toBe(0);
    expect(seen.at(-1)?.range).toBe('bytes=10-19');
    expect(Buffer.compare(await drain(await driver.get('whole', { start: 100 })), CONTENT.subarray(100))).toBe(0);
    expect((await drain(await driver.get('whole', { start: CONTENT.length }))).length).toBe(0);
    await driver.close?.();
  });

  it('re-authenticates once after a 401 on a GET and reads with the new token', async () => {
    const driver = newDriver('revoked');
    const before = auths;
    expect(Buffer.compare(await drain(await driver.get('whole')), CONTENT)).toBe(0);
    expect(auths).toBe(before + 1);
    expect(seen.slice(-2).map((request) => request.token)).toEqual(['revoked', token]);
    await driver.close?.();
  });

  it('maps answers to coded errors: 404 → not found, 5xx → KTS_ERR_BANK_IO with the answer text', async () => {
    const driver = newDriver();
    expect(await failure(() => driver.get('missing'))).toMatchObject({ code: 'KTS_ERR_BANK_OBJECT_NOT_FOUND' });
    const error = await failure(() => driver.get('broken'));
    expect(error).toMatchObject({ code: 'KTS_ERR_BANK_IO', details: { status: 503, body: 'Service Unavailable' } });
    await driver.close?.();
  });

  for (const name of ['cut-sized', 'cut-chunked']) {
    it(`a body cut short (${name}) errors with KTS_ERR_BANK_IO, never ends early`, async () => {
      const driver = newDriver();
      const stream = await driver.get(name);
      let read = 0;
      const error = await failure(async () => {
        for await (const chunk of stream) read += (chunk as Buffer).length;
      });
      expect(read).toBeGreaterThan(0);
      expect(read).toBeLessThan(CONTENT.length);
      expect(isFrameworkError(error, 'KTS_ERR_BANK_IO')).toBe(true);
      expect(error).toMatchObject({ details: { operation: 'get', key: name } });
      // a pipeline sees the same coded error
      const piped = await driver.get(name);
      const pass = async function* (source: AsyncIterable<unknown>): AsyncGenerator<unknown> {
        for await (const chunk of source) yield chunk;
      };
      const sink = async (source: AsyncIterable<unknown>): Promise<void> => {
        for await (const chunk of source) void chunk;
      };
      expect(await failure(() => pipeline(piped, pass, sink))).toMatchObject({ code: 'KTS_ERR_BANK_IO' });
      await driver.close?.();
    });
  }

  it('a signal aborted mid-read fails the stream with KTS_ERR_CANCELLED', async () => {
    const driver = newDriver();
    const controller = new AbortController();
    const stream = await driver.get('slow', { signal: controller.signal });
    let read = 0;
    const error = await failure(async () => {
      for await (const chunk of stream) {
        read += (chunk as Buffer).length;
        if (read >= 8192) controller.abort();
      }
    });
    expect(isFrameworkError(error, 'KTS_ERR_CANCELLED')).toBe(true);
    expect(read).toBeLessThan(CONTENT.length);
    expect(await failure(() => driver.get('whole', { signal: controller.signal }))).toMatchObject({ code: 'KTS_ERR_CANCELLED' });
    await driver.close?.();
  });

  it('a reader that stops early releases the connection without an error', async () => {
    const driver = newDriver();
    const stream = await driver.get('whole');
    for await (const chunk of stream) {
      expect((chunk as Buffer).length).toBeGreaterThan(0);
      break;
    }
    if (!stream.destroyed) await new Promise((resolve) => stream.once('close', resolve));
    expect(stream.destroyed).toBe(true);
    expect(Buffer.compare(await drain(await driver.get('whole')), CONTENT)).toBe(0);
    await driver.close?.();
  });
});
