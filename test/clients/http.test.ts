/**
 * The clients' request helper: retries, timeouts, cancellation and error mapping.
 *
 * Connection refusals are real: the requests go to a 127.0.0.1 port nobody listens on (and, in
 * one test, on which the real Glance answers once a proxy starts listening there mid-retries).
 * Server errors, slow answers and 401s come from small local HTTP servers made in this file:
 * test doubles, named as such (`startDouble`), because a real Glance or Cinder cannot be made
 * to answer 503 or hang on demand.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isFrameworkError } from '../../src/core/errors.js';
import { GlanceClient, HttpClient, UPSTREAM_UNAVAILABLE, staticEndpoint, trustedHeaders, upstreamMessage, type RetryEvent, type ServiceEndpoint } from '../../src/clients/index.js';
import { requireGlance } from '../helpers/services.js';

const glance = await requireGlance();
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

/** A test double: a local HTTP server answering with `handler`. */
async function startDouble(handler: (request: IncomingMessage, response: ServerResponse, count: number) => void, port = 0): Promise<string> {
  let count = 0;
  const server = createServer((request, response) => {
    count += 1;
    handler(request, response, count);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A port on 127.0.0.1 that nobody listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; kind: string; retryable: boolean; message: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    if (!isFrameworkError(error)) throw error;
    return { code: error.code, kind: error.kind, retryable: error.retryable, message: error.message, details: { ...error.details } };
  }
  throw new Error('expected the call to fail');
}

const fast = { retry: { retries: 2, baseDelayMs: 20, maxDelayMs: 100 } } as const;

describe('retries on a real connection refusal', () => {
  it('retries with growing backoff, then fails with a retryable unavailable error naming the service', async () => {
    const port = await closedPort();
    const events: RetryEvent[] = [];
    const client = new GlanceClient({ endpoint: staticEndpoint(`http://127.0.0.1:${port}`), ...fast, random: () => 0.5, onRetry: (event) => events.push(event) });
    const error = await failure(client.getImage('abc'));
    expect(error.code).toBe(UPSTREAM_UNAVAILABLE);
    expect(error.kind).toBe('unavailable');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('Glance could not be reached for GET /v2/images/abc');
    expect(error.details).toMatchObject({ service: 'Glance', errno: 'ECONNREFUSED', attempts: 3, resourceType: 'image', resourceId: 'abc' });
    expect(events.map((event) => event.attempt)).toEqual([1, 2]);
    // equal jitter with random() = 0.5: 3/4 of 20 ms, then of 40 ms
    expect(events.map((event) => event.delayMs)).toEqual([15, 30]);
  });

  it('retries even a POST when the connection was refused (the request never left)', async () => {
    const port = await closedPort();
    let retries = 0;
    const client = new GlanceClient({ endpoint: staticEndpoint(`http://127.0.0.1:${port}`), ...fast, onRetry: () => (retries += 1) });
    const error = await failure(client.createImage({ name: 'never' }));
    expect(error.details.errno).toBe('ECONNREFUSED');
    expect(retries).toBe(2);
  });

  it('succeeds when the service starts listening during the retries', async () => {
    const port = await closedPort();
    const client = new GlanceClient({
      endpoint: staticEndpoint(`http://127.0.0.1:${port}`, trustedHeaders({ projectId: glance.projectId })),
      retry: { retries: 5, baseDelayMs: 100, maxDelayMs: 400 },
      onRetry: (event) => {
        // after the first refusal, a plain TCP-level proxy to the real Glance starts on the port
        if (event.attempt === 1) void startProxy(port, new URL(glance.url));
      },
    });
    const page = await client.listImages({ limit: 1 });
    expect(Array.isArray(page.images)).toBe(true);
  });
});

/** A pass-through HTTP proxy to the real Glance, listening on `port`. */
async function startProxy(port: number, target: URL): Promise<void> {
  await startDouble((request, response) => {
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    request.pipe(upstream);
  }, port);
}

describe('retries on server errors (test double)', () => {
  it('retries an idempotent GET after 503s and honours Retry-After', async () => {
    const url = await startDouble((_request, response, count) => {
      if (count < 3) {
        response.writeHead(503, { 'Retry-After': '0', 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ overLimit: { code: 503, message: 'busy' } }));
      } else {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ id: 'x', status: 'active' }));
      }
    });
    const events: RetryEvent[] = [];
    const client = new GlanceClient({ endpoint: staticEndpoint(url), ...fast, onRetry: (event) => events.push(event) });
    expect((await client.getImage('x')).status).toBe('active');
    expect(events).toHaveLength(2);
    expect(events[0]!.error.message).toContain('HTTP 503 busy');
  });

  it('does not retry a POST that got a 500 (it may have been done)', async () => {
    let calls = 0;
    const url = await startDouble((_request, response) => {
      calls += 1;
      response.writeHead(500, { 'Content-Type': 'text/html' });
      response.end('<html><title>500</title><body><h1>500 Internal Server Error</h1>database is locked</body></html>');
    });
    const client = new GlanceClient({ endpoint: staticEndpoint(url), ...fast });
    const error = await failure(client.createImage({ name: 'x' }));
    expect(calls).toBe(1);
    expect(error.kind).toBe('unavailable');
    expect(error.details).toMatchObject({ status: 500, upstream: 'database is locked' });
  });

  it('does not retry a one-shot stream body, but does retry a body made by a function', async () => {
    let calls = 0;
    const url = await startDouble((request, response) => {
      calls += 1;
      request.resume();
      request.on('end', () => {
        response.writeHead(calls === 1 ? 503 : 204);
        response.end();
      });
    });
    const client = new GlanceClient({ endpoint: staticEndpoint(url), ...fast });
    async function* body(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array([1, 2, 3]);
    }
    expect((await failure(client.uploadImage('i', body()))).details.status).toBe(503);
    expect(calls).toBe(1);
    calls = 0;
    await client.uploadImage('i', () => body());
    expect(calls).toBe(2);
  });

  it('times out a hanging answer per attempt (TimeoutError, retried for a GET)', async () => {
    let calls = 0;
    const url = await startDouble(() => {
      calls += 1; // never answers
    });
    const client = new GlanceClient({ endpoint: staticEndpoint(url), timeoutMs: 100, retry: { retries: 1, baseDelayMs: 10 } });
    const error = await failure(client.getImage('slow'));
    expect(error.code).toBe('KTS_ERR_TIMEOUT');
    expect(error.message).toContain('did not answer GET /v2/images/slow within 100 ms');
    expect(error.details).toMatchObject({ timeoutMs: 100, attempts: 2 });
    expect(calls).toBe(2);
  });

  it('bounds a stalled upload, not a long one: the timeout restarts with every chunk sent', async () => {
    const url = await startDouble((request, response) => {
      let bytes = 0;
      request.on('data', (chunk: Buffer) => (bytes += chunk.length));
      request.on('end', () => {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ bytes }));
      });
    });
    const http = new HttpClient({ service: 'Glance', endpoint: staticEndpoint(url), timeoutMs: 300, retry: { retries: 0 } });
    const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
    async function* slow(stallMs: number): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 10; i += 1) {
        await pause(i === 5 ? stallMs : 100);
        yield new Uint8Array(64 * 1024);
      }
    }
    const started = Date.now();
    const answer = await http.json<{ bytes: number }>({ method: 'PUT', path: '/upload', body: slow(100) });
    expect(answer.bytes).toBe(10 * 64 * 1024);
    expect(Date.now() - started).toBeGreaterThan(900); // three times the timeout, and fine
    const stalled = await failure(http.json({ method: 'PUT', path: '/upload', body: slow(1_000) }));
    expect(stalled.code).toBe('KTS_ERR_TIMEOUT');
  });

  it('cancels on the caller’s signal, between retries too', async () => {
    const port = await closedPort();
    const controller = new AbortController();
    const client = new GlanceClient({
      endpoint: staticEndpoint(`http://127.0.0.1:${port}`),
      retry: { retries: 5, baseDelayMs: 10_000 },
      onRetry: () => setTimeout(() => controller.abort(), 20),
    });
    const started = Date.now();
    const error = await failure(client.getImage('x', { signal: controller.signal }));
    expect(error.code).toBe('KTS_ERR_CANCELLED');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('cancels a streamed download mid-body', async () => {
    const url = await startDouble((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      response.write(Buffer.alloc(1000)); // and never ends
    });
    const controller = new AbortController();
    const client = new GlanceClient({ endpoint: staticEndpoint(url), timeoutMs: 200 });
    const download = await client.downloadImage('x', { signal: controller.signal });
    const reader = download.body.getReader();
    await reader.read(); // the first bytes came, past the per-attempt timeout of the headers
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    await expect(reader.read()).rejects.toBeDefined();
  });
});

describe('credentials renewal (test double)', () => {
  it('renews the credentials once after a 401 and repeats the request', async () => {
    const url = await startDouble((request, response) => {
      const ok = request.headers['x-auth-token'] === 'fresh';
      response.writeHead(ok ? 200 : 401, { 'Content-Type': 'application/json' });
      response.end(ok ? JSON.stringify({ id: 'x', status: 'active' }) : '{"error": {"message": "expired"}}');
    });
    let token = 'stale';
    let renewals = 0;
    const endpoint: ServiceEndpoint = {
      resolve: () => Promise.resolve({ url, headers: { 'X-Auth-Token': token } }),
      renew: (rejected) => {
        expect(rejected.headers['X-Auth-Token']).toBe('stale');
        renewals += 1;
        token = 'fresh';
        return Promise.resolve();
      },
    };
    expect((await new GlanceClient({ endpoint }).getImage('x')).status).toBe('active');
    expect(renewals).toBe(1);

    // renewal that does not help: the second 401 is final
    token = 'stale';
    const stubborn: ServiceEndpoint = { ...endpoint, renew: () => Promise.resolve() };
    expect((await failure(new GlanceClient({ endpoint: stubborn }).getImage('x'))).code).toBe('KTS_ERR_UNAUTHORIZED');
  });
});

describe('credentials renewal with a one-shot stream (test double)', () => {
  it('renews after a 401 but fails the stream upload, which cannot be sent twice; the next call succeeds', async () => {
    const url = await startDouble((request, response) => {
      request.resume();
      request.on('end', () => {
        const ok = request.headers['x-auth-token'] === 'fresh';
        response.writeHead(ok ? 204 : 401);
        response.end();
      });
    });
    let token = 'stale';
    const endpoint: ServiceEndpoint = {
      resolve: () => Promise.resolve({ url, headers: { 'X-Auth-Token': token } }),
      renew: () => {
        token = 'fresh';
        return Promise.resolve();
      },
    };
    const client = new GlanceClient({ endpoint });
    async function* body(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(10);
    }
    const error = await failure(client.uploadImage('i', body()));
    expect(error.code).toBe('KTS_ERR_UNAUTHORIZED');
    expect(error.message).toContain('the credentials were renewed, send the stream again');
    await client.uploadImage('i', body());
  });
});

describe('error mapping', () => {
  it('maps statuses to coded errors with the service, the request and the upstream message', async () => {
    const statuses = [400, 401, 403, 404, 409, 413, 422, 501, 502];
    const url = await startDouble((request, response) => {
      const status = Number(request.url!.split('/').pop());
      response.writeHead(status, { 'Content-Type': 'application/json', 'X-Openstack-Request-Id': 'req-1' });
      response.end(JSON.stringify({ badThing: { code: status, message: `because ${status}` } }));
    });
    const http = new HttpClient({ service: 'Cinder', endpoint: staticEndpoint(url), retry: { retries: 0 } });
    const codes: Record<number, string> = {};
    for (const status of statuses) {
      const error = await failure(http.json({ method: 'GET', path: `/volumes/${status}`, resource: { type: 'volume', id: String(status) } }));
      codes[status] = error.code;
      expect(error.details).toMatchObject({ service: 'Cinder', status, upstream: `because ${status}`, requestId: 'req-1', method: 'GET' });
      if (status === 404) expect(error.message).toBe('Cinder volume 404 not found (GET /volumes/404: HTTP 404 because 404)');
    }
    expect(codes).toEqual({
      400: 'KTS_ERR_VALIDATION',
      401: 'KTS_ERR_UNAUTHORIZED',
      403: 'KTS_ERR_FORBIDDEN',
      404: 'KTS_ERR_NOT_FOUND',
      409: 'KTS_ERR_CONFLICT',
      413: 'KTS_ERR_QUOTA_EXCEEDED',
      422: 'KTS_ERR_VALIDATION',
      501: 'KTS_ERR_INTERNAL',
      502: UPSTREAM_UNAVAILABLE,
    });
  });

  it('reads the message out of Cinder, Glance and Keystone error bodies', () => {
    expect(upstreamMessage('{"itemNotFound": {"code": 404, "message": "Volume x could not be found."}}')).toBe('Volume x could not be found.');
    expect(upstreamMessage('{"message": "No image found with ID x<br /><br />\\n\\n\\n", "code": "404 Not Found", "title": "Not Found"}')).toBe('No image found with ID x');
    expect(upstreamMessage('<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n  No image found with ID y<br /><br />\n </body>\n</html>')).toBe(
      'No image found with ID y',
    );
    expect(upstreamMessage('{"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}}')).toBe(
      'The request you have made requires authentication.',
    );
  });
});
