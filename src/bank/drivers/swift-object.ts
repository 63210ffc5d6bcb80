/**
 * How the Swift driver maps objects to HTTP: the headers a put sends (metadata, version
 * token, md5) and the {@link ObjectInfo} a HEAD or PUT answer stands for, plus listing pages
 * from Swift's JSON container listings.
 *
 * @module
 */
import type { ListOptions, ListPage, ObjectInfo } from '../../core/bank-section.js';
import { takePage } from '../listing.js';
import { META_MD5, META_SEGMENTS, META_VERSION, encodeMetaValue, splitMetadata } from './swift-s3-meta.js';
import { NOT_FOUND_CONFIRMATIONS } from './read-race.js';
import { encodePath, statusError, discard, type SwiftClient } from './swift-http.js';

const META_HEADER = 'x-object-meta-';

/** Swift answers at most this many names per listing request (`container_listing_limit`). */
export const SWIFT_LIST_PAGE = 10_000;

/** An object as a HEAD shows it, with what the driver needs beyond {@link ObjectInfo}. */
export interface SwiftObjectState {
  /** The facts the driver contract reports. */
  readonly info: ObjectInfo;
  /** Whether it is a static large object (its manifest). */
  readonly slo: boolean;
  /** The prefix of its segments in the segments container, when this driver wrote it. */
  readonly segments?: string;
}

/** `X-Object-Meta-*` headers for user metadata and the driver's own entries. */
export function metadataHeaders(user: Readonly<Record<string, string>> | undefined, internal: Readonly<Record<string, string>>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(user ?? {})) headers[`X-Object-Meta-${key}`] = encodeMetaValue(value);
  for (const [key, value] of Object.entries(internal)) headers[`X-Object-Meta-${key}`] = value;
  return headers;
}

/** The state of `key` from the headers of a HEAD (or GET) answer. */
export function stateFromHeaders(key: string, headers: Headers): SwiftObjectState {
  const raw: [string, string][] = [];
  headers.forEach((value, name) => {
    if (name.startsWith(META_HEADER)) raw.push([name.slice(META_HEADER.length), value]);
  });
  const { user, internal } = splitMetadata(raw);
  const timestamp = headers.get('x-timestamp');
  const lastModified = timestamp !== null ? new Date(Number(timestamp) * 1000) : new Date(headers.get('last-modified') ?? Number.NaN);
  const slo = (headers.get('x-static-large-object') ?? '').toLowerCase() === 'true';
  const segments = internal[META_SEGMENTS];
  return {
    info: {
      key,
      size: Number(headers.get('content-length') ?? 0),
      etag: internal[META_MD5] ?? (headers.get('etag') ?? '').replace(/"/gu, ''),
      version: internal[META_VERSION] ?? `ts-${timestamp ?? headers.get('last-modified') ?? ''}`,
      metadata: Object.freeze(user),
      ...(Number.isNaN(lastModified.getTime()) ? {} : { lastModified }),
    },
    slo,
    ...(slo && segments !== undefined ? { segments } : {}),
  };
}

/** HEADs `key` in `container`; `undefined` when absent. */
export async function headObject(client: SwiftClient, container: string, key: string, signal?: AbortSignal): Promise<SwiftObjectState | undefined> {
  const what = { operation: 'head', key };
  for (let attempt = 0; ; attempt++) {
    const response = await client.request({ method: 'HEAD', path: encodePath(container, key), signal }, what);
    if (response.status === 404 && attempt < NOT_FOUND_CONFIRMATIONS) {
      await discard(response);
      continue;
    }
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw await statusError(response, what);
    return stateFromHeaders(key, response.headers);
  }
}

async function* listNames(client: SwiftClient, container: string, options: ListOptions, limit: number): AsyncGenerator<string> {
  let marker = options.marker === '' ? undefined : options.marker;
  for (;;) {
    const query: Record<string, string> = { format: 'json', limit: String(limit) };
    if (options.prefix !== undefined && options.prefix !== '') query.prefix = options.prefix;
    if (marker !== undefined) query.marker = marker;
    if (options.order === 'desc') query.reverse = 'on';
    const what = { operation: 'list', key: container };
    const response = await client.request({ method: 'GET', path: encodePath(container), query }, what);
    if (response.status === 404) {
      await discard(response);
      return;
    }
    if (response.status !== 200) throw await statusError(response, what);
    const names = ((await response.json()) as { name?: string }[]).flatMap((entry) => (typeof entry.name === 'string' ? [entry.name] : []));
    yield* names;
    if (names.length < limit) return;
    marker = names[names.length - 1];
  }
}

/**
 * One listing page. Swift's own semantics match the contract exactly (verified against Swift
 * 2.30): `marker` is exclusive, `reverse=on` lists in descending UTF-8 byte order and then
 * returns names strictly before the marker, `prefix` filters in both orders. The driver asks
 * for `limit + 1` names to learn whether more remain, paging by `pageSize` names per request.
 */
export function listPage(client: SwiftClient, container: string, options: ListOptions, pageSize = SWIFT_LIST_PAGE): Promise<ListPage> {
  const wanted = Math.min(options.limit === undefined ? pageSize : options.limit + 1, pageSize);
  return takePage(listNames(client, container, options, wanted), options.limit);
}
