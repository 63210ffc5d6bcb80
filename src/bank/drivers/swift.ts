/**
 * The OpenStack Swift bank driver, over the Swift HTTP API with `fetch`.
 *
 * - **Auth**: Swift v1 (tempauth) or Keystone v3 (see `swift-auth.ts`); tokens are renewed
 *   ahead of expiry and once after a 401 (streams are only sent after an earlier request of the
 *   same put proved the token, since a stream cannot be replayed).
 * - **Containers** (data, `<container>_segments`, `<container>_leases`) are created on first use.
 * - **Integrity**: bodies up to `sloThreshold` are read ahead, so their md5 is sent as `ETag`
 *   and Swift refuses corrupted bytes (422 → `KTS_ERR_BANK_INTEGRITY`); an expected `etag`
 *   that differs fails before anything is sent.
 * - **Large objects**: larger bodies become static large objects: segments of `segmentSize`
 *   are streamed (memory stays bounded by `sloThreshold` plus a chunk), each checked against
 *   the md5 computed on the way; the whole content's md5 is stored as `X-Object-Meta-Kts-Md5`
 *   and reported as `etag`; the manifest is written only when everything matched, so a failed
 *   or cancelled put leaves no object behind and the previous one intact. Overwritten or
 *   deleted large objects have their segments deleted too.
 * - **Versions** are a random token written with every put (`X-Object-Meta-Kts-Version`).
 * - **Conditional puts**: Swift has `If-None-Match: *` but checks it when a write starts, not
 *   atomically with its commit (concurrent creators can all succeed), and has no `If-Match` on
 *   PUT. The driver checks both conditions against a HEAD under a per-key lock, and also sends
 *   `If-None-Match: *`. With `singleWriter` (the default) that is atomic, and `conditionalPut`
 *   and `leases` are declared; with several writing processes it is best-effort only and the
 *   capabilities say so.
 * - **Reads** hand back the HTTP response body itself (an `http.IncomingMessage` with the
 *   default transport), its errors coded; a body cut short errors, never ends early.
 * - **Listing** maps one-to-one onto Swift's (`prefix`, exclusive `marker`, `reverse=on`).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { GetObjectOptions, ListOptions, ListPage, ObjectBody, ObjectInfo, PutObjectOptions } from '../../core/bank-section.js';
import { isFrameworkError } from '../../core/errors.js';
import type { BankDriver } from '../driver.js';
import { discardBody } from '../internal/body.js';
import { checkConditions } from '../internal/conditions.js';
import { cancelled, integrityError, invalidOption, ioError } from '../internal/errors.js';
import { KeyedMutex } from '../../core/keyed-mutex.js';
import { SwiftSessions, type FetchFunction, type SwiftAuthOptions } from './swift-auth.js';
import { SwiftClient, codedBody, discard, encodePath, statusError } from './swift-http.js';
import { createSwiftLeases } from './swift-leases.js';
import { NOT_FOUND_CONFIRMATIONS } from './read-race.js';
import { SWIFT_LIST_PAGE, headObject, listPage, metadataHeaders, type SwiftObjectState } from './swift-object.js';
import { md5OfChunks, readAhead, type ChunkReader } from './swift-s3-body.js';
import { META_MD5, META_SEGMENTS, META_VERSION, checkUserMetadata, newVersionToken } from './swift-s3-meta.js';
import { deleteSegments, uploadSegments } from './swift-slo.js';
import { createNodeFetch } from './swift-transport.js';

/** The authentication options of the Swift driver. */
export type { SwiftAuthOptions, SwiftKeystoneAuthOptions, SwiftTempAuthOptions } from './swift-auth.js';

/** Options of {@link createSwiftDriver}. */
export interface SwiftDriverOptions {
  /** How to authenticate (tempauth or Keystone v3). */
  readonly auth: SwiftAuthOptions;
  /** The container that holds the bank's objects; created on first write. */
  readonly container: string;
  /** The container of large-object segments. @default `${container}_segments` */
  readonly segmentsContainer?: string;
  /** The container of native leases. @default `${container}_leases` */
  readonly leasesContainer?: string;
  /** Use this account URL instead of the one auth answers (e.g. behind a proxy). */
  readonly storageUrl?: string;
  /** Start with this token (needs `storageUrl`); it is replaced after the first 401. */
  readonly initialToken?: string;
  /** Re-authenticate this long before a token expires (at most half its lifetime). @default 60_000 */
  readonly tokenRefreshMarginMs?: number;
  /** Bodies larger than this become static large objects; up to it they are held in memory. @default 8 MiB */
  readonly sloThreshold?: number;
  /** Segment size of static large objects (streamed, not held in memory). @default 128 MiB */
  readonly segmentSize?: number;
  /** Most segments per object (Swift's `max_manifest_segments`). @default 1000 */
  readonly maxSegments?: number;
  /** Names asked for per container listing request (Swift answers at most 10,000). @default 10_000 */
  readonly listPageSize?: number;
  /**
   * This driver instance is the only writer of its containers. Conditional puts and leases are
   * then atomic (per-key locks in this process) and declared in the capabilities. Set `false`
   * when several processes or nodes write the same containers: the conditions are still
   * checked, best-effort, and the capabilities declare neither.
   * @default true
   */
  readonly singleWriter?: boolean;
  /** The clock leases expire by, and tokens are renewed by (epoch ms). @default Date.now */
  readonly clock?: () => number;
  /**
   * The fetch implementation. The default is a fetch over `node:http` with keep-alive
   * (`swift-transport.ts`), because Node 20's global fetch buffers streamed uploads in memory.
   */
  readonly fetch?: FetchFunction;
}

const MiB = 1024 * 1024;
const OCTETS = 'application/octet-stream';

function sizeOption(name: string, value: number | undefined, fallback: number, max = 5 * 1024 * MiB): number {
  const size = value ?? fallback;
  if (!Number.isSafeInteger(size) || size < 1 || size > max) throw invalidOption(name, `an integer between 1 and ${max}`, size);
  return size;
}

/** Creates a bank driver over an OpenStack Swift container. */
export function createSwiftDriver(options: SwiftDriverOptions): BankDriver {
  const { container } = options;
  if (typeof container !== 'string' || container === '' || container.includes('/')) throw invalidOption('container', 'a container name', container);
  const segmentsContainer = options.segmentsContainer ?? `${container}_segments`;
  const leasesContainer = options.leasesContainer ?? `${container}_leases`;
  const sloThreshold = sizeOption('sloThreshold', options.sloThreshold, 8 * MiB);
  const segmentSize = sizeOption('segmentSize', options.segmentSize, 128 * MiB);
  const maxSegments = sizeOption('maxSegments', options.maxSegments, 1000, 100_000);
  const listPageSize = sizeOption('listPageSize', options.listPageSize, SWIFT_LIST_PAGE, SWIFT_LIST_PAGE);
  const singleWriter = options.singleWriter ?? true;
  const transport = options.fetch === undefined ? createNodeFetch() : undefined;
  const fetchFn = options.fetch ?? transport!.fetch;
  const sessions = new SwiftSessions({
    auth: options.auth,
    fetch: fetchFn,
    refreshMarginMs: options.tokenRefreshMarginMs ?? 60_000,
    ...(options.clock === undefined ? {} : { now: options.clock }),
    ...(options.storageUrl === undefined ? {} : { storageUrl: options.storageUrl.replace(/\/+$/u, '') }),
    ...(options.initialToken === undefined ? {} : { initialToken: options.initialToken }),
  });
  const client = new SwiftClient(sessions, fetchFn, transport?.stream);
  const mutex = new KeyedMutex();

  const created = new Map<string, Promise<void>>();
  function ensureContainer(name: string): Promise<void> {
    let done = created.get(name);
    if (done === undefined) {
      done = (async () => {
        const what = { operation: 'create container', key: name };
        const response = await client.request({ method: 'PUT', path: encodePath(name) }, what);
        if (response.status !== 201 && response.status !== 202) throw await statusError(response, what);
        await discard(response);
      })();
      created.set(name, done);
      done.catch(() => created.delete(name));
    }
    return done;
  }

  async function putManifest(key: string, manifest: unknown, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    const what = { operation: 'put', key };
    const body = Buffer.from(JSON.stringify(manifest));
    return client.request({ method: 'PUT', path: encodePath(container, key), query: { 'multipart-manifest': 'put' }, headers, body, signal }, what);
  }

  async function write(key: string, body: ObjectBody, putOptions: PutObjectOptions, previous: SwiftObjectState | undefined, track: (r: ChunkReader) => void): Promise<ObjectInfo> {
    const { signal } = putOptions;
    const version = newVersionToken();
    const conditional: Record<string, string> = putOptions.ifNoneMatch === '*' ? { 'If-None-Match': '*' } : {};
    const ahead = await readAhead(body, sloThreshold);
    if (signal?.aborted === true) throw cancelled('put', key, signal);
    const what = { operation: 'put', key };
    let response: Response;
    let result: { etag: string; size: number; segments?: string };
    if (ahead.whole) {
      const etag = md5OfChunks(ahead.chunks).toString('hex');
      if (putOptions.etag !== undefined && putOptions.etag !== etag) throw integrityError(key, putOptions.etag, etag);
      const headers = { 'Content-Type': OCTETS, ETag: etag, ...conditional, ...metadataHeaders(putOptions.metadata, { [META_VERSION]: version }) };
      response = await client.request({ method: 'PUT', path: encodePath(container, key), headers, body: ahead.chunks, signal }, what);
      result = { etag, size: ahead.size };
    } else {
      track(ahead.reader);
      await ensureContainer(segmentsContainer);
      const prefix = `${createHash('md5').update(key).digest('hex')}/${version}/`;
      const target = { client, container: segmentsContainer, prefix, segmentSize, maxSegments, key, signal };
      const uploaded = await uploadSegments(ahead.reader, target);
      const dropSegments = (): Promise<void> => deleteSegments(client, segmentsContainer, prefix).catch(() => undefined);
      if (putOptions.etag !== undefined && putOptions.etag !== uploaded.etag) {
        await dropSegments();
        throw integrityError(key, putOptions.etag, uploaded.etag);
      }
      const internal = { [META_VERSION]: version, [META_MD5]: uploaded.etag, [META_SEGMENTS]: prefix };
      try {
        response = await putManifest(key, uploaded.manifest, { 'Content-Type': OCTETS, ...conditional, ...metadataHeaders(putOptions.metadata, internal) }, signal);
      } catch (error) {
        await dropSegments();
        throw error;
      }
      if (response.status !== 201) await dropSegments();
      result = { etag: uploaded.etag, size: uploaded.size, segments: prefix };
    }
    if (response.status !== 201) throw await statusError(response, what);
    await discard(response);
    if (previous?.segments !== undefined && previous.segments !== result.segments) {
      // the overwritten large object's segments are garbage now
      await deleteSegments(client, segmentsContainer, previous.segments).catch(() => undefined);
    }
    const lastModified = new Date(response.headers.get('last-modified') ?? Date.now());
    return { key, size: result.size, etag: result.etag, version, metadata: Object.freeze({ ...putOptions.metadata }), lastModified };
  }

  async function put(key: string, body: ObjectBody, putOptions: PutObjectOptions = {}): Promise<ObjectInfo> {
    const { signal } = putOptions;
    try {
      checkUserMetadata(putOptions.metadata);
      if (signal?.aborted === true) throw cancelled('put', key, signal);
    } catch (error) {
      discardBody(body);
      throw error;
    }
    return mutex.run(key, async () => {
      let reader: ChunkReader | undefined;
      let started = false;
      try {
        await ensureContainer(container);
        // also proves the token before any stream is sent
        const previous = await headObject(client, container, key, signal);
        checkConditions(key, previous?.info, putOptions);
        started = true;
        return await write(key, body, putOptions, previous, (r) => (reader = r));
      } catch (error) {
        if (!started) discardBody(body);
        await reader?.close().catch(() => undefined);
        if (signal?.aborted === true && !isFrameworkError(error, 'KTS_ERR_CANCELLED')) throw cancelled('put', key, signal);
        throw isFrameworkError(error) ? error : ioError('put', key, error);
      }
    });
  }

  async function get(key: string, getOptions: GetObjectOptions = {}): Promise<Readable> {
    const { start, end, signal } = getOptions;
    if (signal?.aborted === true) throw cancelled('get', key, signal);
    const headers: Record<string, string> = {};
    if ((start !== undefined && start > 0) || end !== undefined) headers.Range = `bytes=${start ?? 0}-${end ?? ''}`;
    const what = { operation: 'get', key };
    let answer = await client.requestStream({ path: encodePath(container, key), headers, signal }, what);
    for (let again = 0; answer.status === 404 && again < NOT_FOUND_CONFIRMATIONS; again++) {
      await answer.discard();
      answer = await client.requestStream({ path: encodePath(container, key), headers, signal }, what);
    }
    if (answer.status === 416) {
      await answer.discard();
      return Readable.from([], { objectMode: false });
    }
    if (answer.status !== 200 && answer.status !== 206) throw await statusError(answer, what);
    // The response itself (an http.IncomingMessage with the default transport): no copy, no
    // extra queue. A body cut short errors (Node destroys it with ECONNRESET "aborted").
    return codedBody(answer.body, what, signal);
  }

  async function remove(key: string): Promise<void> {
    await mutex.run(key, async () => {
      const state = await headObject(client, container, key);
      if (state === undefined) return;
      const what = { operation: 'delete', key };
      const query: Record<string, string> = state.slo ? { 'multipart-manifest': 'delete' } : {};
      const response = await client.request({ method: 'DELETE', path: encodePath(container, key), query, headers: { Accept: 'application/json' } }, what);
      if (response.status === 404) return void (await discard(response));
      if (response.status !== 200 && response.status !== 204) throw await statusError(response, what);
      if (!state.slo) return void (await discard(response));
      const outcome = (await response.json().catch(() => ({}))) as { 'Response Status'?: string; Errors?: unknown[] };
      const status = outcome['Response Status'] ?? '';
      if (!status.startsWith('200') && !status.startsWith('404')) {
        throw ioError('delete', key, new Error(`Swift bulk delete of the large object answered ${status}: ${JSON.stringify(outcome.Errors ?? [])}`));
      }
    });
  }

  return {
    name: 'swift',
    capabilities: { conditionalPut: singleWriter, leases: singleWriter, ranges: true },
    put,
    get,
    async head(key: string): Promise<ObjectInfo | undefined> {
      return (await headObject(client, container, key))?.info;
    },
    list: (listOptions: ListOptions = {}): Promise<ListPage> => listPage(client, container, listOptions, listPageSize),
    delete: remove,
    ...(singleWriter
      ? { leases: createSwiftLeases({ client, container: leasesContainer, ensureContainer: () => ensureContainer(leasesContainer), mutex, clock: options.clock ?? Date.now }) }
      : {}),
    async close(): Promise<void> {
      created.clear();
      transport?.close();
    },
  };
}

