/**
 * Serving the API on Node's `http` module, through `@hono/node-server`.
 *
 * @module
 */
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KarborApi } from './app.js';

/** Options of {@link serveKarborApi}. */
export interface ServeOptions {
  /** The port; 0 picks a free one. @default 8799 */
  readonly port?: number;
  /** The address to listen on. @default '127.0.0.1' */
  readonly hostname?: string;
}

/** A listening server. */
export interface RunningServer {
  /** The base URL, e.g. `http://127.0.0.1:8799`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** Stops accepting connections, closes idle ones and resolves when the server is closed. */
  close(): Promise<void>;
}

/** Listens for the API on Node's `http` and resolves once it is listening. */
export function serveKarborApi(api: KarborApi, options: ServeOptions = {}): Promise<RunningServer> {
  const hostname = options.hostname ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: api.fetch, port: options.port ?? 8799, hostname }, (info: AddressInfo) => {
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${host}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done, fail) => {
            (server as Server).close((error) => (error ? fail(error) : done()));
            (server as Server).closeIdleConnections?.();
          }),
      });
    }) as Server;
    server.once('error', reject);
  });
}
