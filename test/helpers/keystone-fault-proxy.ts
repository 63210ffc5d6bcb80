/**
 * A thin FORWARDING proxy in front of the real Keystone of `scripts/keystone-up.sh`, for the
 * Keystone tests. It passes every request through unchanged (method, path, headers and body both
 * ways) and records what it forwarded, so a test can count the requests a client makes (a cache
 * or a shared login shows as fewer requests). On demand it injects exactly one fault a real
 * Keystone cannot be made to show: an error status (a 5xx) instead of forwarding, a dropped
 * connection, or a token answer whose `expires_at` it rewrites (a token announced as expired).
 * Everything else is the real Keystone's answer.
 *
 * @module
 */
import { createServer, request as forward, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the proxy received, and what the client got. */
export interface ProxiedExchange {
  /** The method. */
  readonly method: string;
  /** The path and query, as sent (`/v3/auth/tokens`). */
  readonly path: string;
  /** The request headers (lower-case names). */
  readonly headers: IncomingHttpHeaders;
  /** The JSON request body, parsed; `undefined` when empty. */
  readonly body: unknown;
  /** The status the client got; 0 for a dropped connection. */
  status: number;
  /** `X-Subject-Token` of the answer, when Keystone sent one (the token a login issued). */
  subjectToken?: string;
}

/** A fault to inject. */
export type KeystoneFault =
  /** Answer this status, with a Keystone-style error body, without forwarding. */
  | { readonly status: number }
  /** Close the connection without answering, without forwarding. */
  | { readonly drop: true }
  /** Forward, then replace `token.expires_at` in Keystone's answer. */
  | { readonly expiresAt: string };

/** The proxy. */
export interface KeystoneProxy {
  /** The proxy's URL with the path of the target (`http://127.0.0.1:PORT/v3`). */
  readonly url: string;
  /** The proxy's URL without the path (`http://127.0.0.1:PORT`). */
  readonly origin: string;
  /** Every request so far, in order. */
  readonly exchanges: readonly ProxiedExchange[];
  /** How many requests with `method` (and `path`, default `/v3/auth/tokens`) came so far. */
  count(method: string, path?: string): number;
  /**
   * Injects `fault` into the next `times` requests (default 1) that `when` accepts (default: any
   * request). Faults apply in the order they were injected.
   */
  inject(fault: KeystoneFault, options?: { readonly times?: number; readonly when?: (request: ProxiedExchange) => boolean }): void;
  /** Stops the proxy. */
  close(): Promise<void>;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

function parseJson(bytes: Buffer): unknown {
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return bytes.toString('utf8');
  }
}

/** Starts a proxy in front of `target` (a Keystone URL such as `http://127.0.0.1:5000/v3`). */
export async function startKeystoneProxy(target: string): Promise<KeystoneProxy> {
  const upstream = new URL(target);
  const exchanges: ProxiedExchange[] = [];
  const rules: { fault: KeystoneFault; remaining: number; when: (request: ProxiedExchange) => boolean }[] = [];

  const server = createServer((request, response) => {
    void (async () => {
      const raw = await readAll(request);
      const exchange: ProxiedExchange = { method: request.method ?? 'GET', path: request.url ?? '/', headers: request.headers, body: parseJson(raw), status: 0 };
      exchanges.push(exchange);
      const rule = rules.find((candidate) => candidate.when(exchange));
      if (rule !== undefined && --rule.remaining === 0) rules.splice(rules.indexOf(rule), 1);
      const fault = rule?.fault;
      if (fault !== undefined && 'drop' in fault) {
        request.socket.destroy();
        return;
      }
      if (fault !== undefined && 'status' in fault) {
        exchange.status = fault.status;
        response.writeHead(fault.status, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ error: { code: fault.status, message: `injected by the test proxy: HTTP ${fault.status}`, title: 'Injected' } }));
        return;
      }
      const answer = await new Promise<IncomingMessage>((resolve, reject) => {
        const outgoing = forward(
          { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: { ...request.headers, host: upstream.host } },
          resolve,
        );
        outgoing.on('error', reject);
        outgoing.end(raw);
      });
      let body = await readAll(answer);
      const headers = { ...answer.headers };
      if (fault !== undefined && 'expiresAt' in fault) {
        const parsed = parseJson(body) as { token?: { expires_at?: string } } | undefined;
        if (parsed?.token !== undefined) {
          parsed.token.expires_at = fault.expiresAt;
          body = Buffer.from(JSON.stringify(parsed));
          delete headers['transfer-encoding'];
          headers['content-length'] = String(body.length);
        }
      }
      exchange.status = answer.statusCode ?? 0;
      const subject = answer.headers['x-subject-token'];
      if (typeof subject === 'string') exchange.subjectToken = subject;
      response.writeHead(answer.statusCode ?? 502, headers);
      response.end(body);
    })().catch((error: unknown) => {
      response.writeHead(502, { 'Content-Type': 'text/plain' });
      response.end(`test proxy: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}${upstream.pathname.replace(/\/+$/u, '')}`,
    origin,
    exchanges,
    count: (method, path = '/v3/auth/tokens') => exchanges.filter((exchange) => exchange.method === method && exchange.path.split('?')[0] === path).length,
    inject(fault, { times = 1, when = () => true } = {}) {
      rules.push({ fault, remaining: times, when });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
