/**
 * A Glance v2 images client: create, get, list, update, upload (streamed), stage and import,
 * download (streamed, optionally a byte range), delete, and waiting for a status.
 *
 * Glance records two digests of an image's data once it is uploaded: `checksum` (the md5, hex)
 * and `os_hash_value` (by default sha512, hex; `os_hash_algo` names the algorithm). A download
 * answers `Content-MD5` with the image's `checksum` (also for a range, where it is *not* the
 * range's md5).
 *
 * ```ts
 * const glance = new GlanceClient({ endpoint: staticEndpoint('http://127.0.0.1:9292', trustedHeaders({ projectId })) });
 * const image = await glance.createImage({ name: 'restored', disk_format: 'raw', container_format: 'bare' });
 * await glance.uploadImage(image.id, fileStream);
 * const active = await glance.waitForImage(image.id);
 * ```
 *
 * @module
 */
import { ConflictError } from '../core/errors.js';
import { trimUrl, type ResolvedEndpoint, type ServiceEndpoint } from './endpoint.js';
import { HttpClient, type ClientOptions, type RequestBody } from './http.js';
import { pollUntil, pollUntilGone, type WaitOptions } from './wait.js';

/** Image statuses (`queued` until data arrives; `active` when usable). */
export type GlanceImageStatus =
  | 'queued'
  | 'saving'
  | 'uploading'
  | 'importing'
  | 'active'
  | 'deactivated'
  | 'killed'
  | 'deleted'
  | 'pending_delete';

/** An image as Glance v2 shows it: the fixed fields, plus any custom property. */
export interface GlanceImage {
  /** The image's id (a UUID). */
  readonly id: string;
  /** Its name. */
  readonly name: string | null;
  /** Its status. */
  readonly status: GlanceImageStatus;
  /** Data size in bytes (`null` before upload). */
  readonly size: number | null;
  /** Virtual size in bytes, when known. */
  readonly virtual_size?: number | null;
  /** md5 of the data, hex (`null` before upload). */
  readonly checksum: string | null;
  /** The algorithm of `os_hash_value`, e.g. `sha512`. */
  readonly os_hash_algo: string | null;
  /** The secure hash of the data, hex. */
  readonly os_hash_value: string | null;
  /** Disk format: `raw`, `qcow2`, … */
  readonly disk_format: string | null;
  /** Container format: `bare`, `ovf`, … */
  readonly container_format: string | null;
  /** `public`, `private`, `shared` or `community`. */
  readonly visibility: string;
  /** The owning project (`null` when Glance runs without identity). */
  readonly owner: string | null;
  /** Protected from deletion. */
  readonly protected: boolean;
  /** Minimum disk (GiB) to boot it. */
  readonly min_disk: number;
  /** Minimum RAM (MiB) to boot it. */
  readonly min_ram: number;
  /** Tags. */
  readonly tags: readonly string[];
  /** Creation time (ISO 8601). */
  readonly created_at: string;
  /** Last update (ISO 8601). */
  readonly updated_at: string;
  /** Custom properties and fields of newer API versions. */
  readonly [property: string]: unknown;
}

/** The body of {@link GlanceClient.createImage}: the fixed fields plus custom string properties. */
export interface GlanceImageCreate {
  /** The image's name. */
  readonly name?: string;
  /** A chosen id (a UUID); Glance makes one when absent. */
  readonly id?: string;
  /** Disk format. */
  readonly disk_format?: string;
  /** Container format. */
  readonly container_format?: string;
  /** Visibility. @default Glance's: `shared` */
  readonly visibility?: 'public' | 'private' | 'shared' | 'community';
  /** Minimum disk (GiB). */
  readonly min_disk?: number;
  /** Minimum RAM (MiB). */
  readonly min_ram?: number;
  /** Protected from deletion. */
  readonly protected?: boolean;
  /** Tags. */
  readonly tags?: readonly string[];
  /** Custom properties (Glance stores them as strings). */
  readonly [property: string]: unknown;
}

/** One JSON-patch operation of {@link GlanceClient.updateImage}. */
export interface GlanceImagePatch {
  /** `add`, `replace` or `remove`. */
  readonly op: 'add' | 'replace' | 'remove';
  /** The property as a JSON pointer, e.g. `/name` or `/karbor_checkpoint`. */
  readonly path: string;
  /** The value (not for `remove`). */
  readonly value?: unknown;
}

/** Filters and paging of {@link GlanceClient.listImages}. */
export interface GlanceImageQuery {
  /** Page size. */
  readonly limit?: number;
  /** The last id of the previous page. */
  readonly marker?: string;
  /** Filter by name. */
  readonly name?: string;
  /** Filter by status. */
  readonly status?: GlanceImageStatus;
  /** Filter by owner. */
  readonly owner?: string;
  /** Filter by visibility (`all` lists every one the caller may see). */
  readonly visibility?: string;
  /** Sort, e.g. `created_at:desc,name:asc`. */
  readonly sort?: string;
  /** Other filters Glance accepts (custom properties, `tag`, `member_status`, …). */
  readonly [filter: string]: string | number | boolean | undefined;
}

/** A page of images. */
export interface GlanceImagePage {
  /** The images. */
  readonly images: readonly GlanceImage[];
  /** The marker of the next page, when there is one. */
  readonly nextMarker?: string;
}

/** Per-call options. */
export interface GlanceCallOptions {
  /** Cancels the call. */
  readonly signal?: AbortSignal;
  /** Overrides the client's per-attempt timeout. */
  readonly timeoutMs?: number;
}

/** Options of {@link GlanceClient.uploadImage} and {@link GlanceClient.stageImage}. */
export interface GlanceUploadOptions extends GlanceCallOptions {
  /** The data's size, sent as `Content-Length` (Glance checks it against its size limits up front). */
  readonly size?: number;
}

/** A byte range of an image, both ends inclusive (`end` omitted: to the end). */
export interface ByteRange {
  /** The first byte. */
  readonly start: number;
  /** The last byte, inclusive. */
  readonly end?: number;
}

/** Options of {@link GlanceClient.downloadImage}. */
export interface GlanceDownloadOptions extends GlanceCallOptions {
  /** Only these bytes (HTTP `Range`; Glance answers 206). */
  readonly range?: ByteRange;
}

/** An image's data, streaming. */
export interface GlanceImageData {
  /** The bytes; read or cancel it. */
  readonly body: ReadableStream<Uint8Array>;
  /** How many bytes `body` holds, when Glance said. */
  readonly length?: number;
  /** The image's md5 (`Content-MD5`; the whole image's, also for a range). */
  readonly checksum?: string;
  /** For a range: where the bytes sit and the image's total size. */
  readonly range?: { readonly start: number; readonly end: number; readonly total?: number };
}

/** Options of {@link GlanceClient.deleteImage}. */
export interface GlanceDeleteOptions extends GlanceCallOptions {
  /** Resolve (with `false`) instead of throwing when the image does not exist. */
  readonly ignoreMissing?: boolean;
}

/** Options of {@link GlanceClient}. */
export interface GlanceClientOptions extends ClientOptions {
  /** Glance's endpoint: its root URL (with or without `/v2`) and credentials. */
  readonly endpoint: ServiceEndpoint;
}

/** Statuses that end a wait for `active` with a failure. */
const FAILED: ReadonlySet<string> = new Set(['killed', 'deleted', 'pending_delete', 'deactivated']);

function withoutVersion(endpoint: ServiceEndpoint): ServiceEndpoint {
  const strip = (resolved: ResolvedEndpoint): ResolvedEndpoint => ({ ...resolved, url: trimUrl(resolved.url).replace(/\/v2(?:\.\d+)?$/u, '') });
  return {
    resolve: async (signal) => strip(await endpoint.resolve(signal)),
    ...(endpoint.renew === undefined ? {} : { renew: (rejected: ResolvedEndpoint, signal?: AbortSignal) => endpoint.renew!(rejected, signal) }),
  };
}

const imagePath = (id: string): string => `/v2/images/${encodeURIComponent(id)}`;

function describe(image: GlanceImage): string {
  const failedImport = image.os_glance_failed_import;
  return `status ${image.status}${typeof failedImport === 'string' && failedImport !== '' ? `, failed import to ${failedImport}` : ''}`;
}

/** A Glance v2 images client (see the module comment). */
export class GlanceClient {
  /** The request helper (for calls this client does not wrap). */
  readonly http: HttpClient;

  /** A client for the Glance at `options.endpoint`. */
  constructor(options: GlanceClientOptions) {
    this.http = new HttpClient({ ...options, service: 'Glance', endpoint: withoutVersion(options.endpoint) });
  }

  /** Creates an image record (status `queued`, no data yet). */
  createImage(image: GlanceImageCreate, options: GlanceCallOptions = {}): Promise<GlanceImage> {
    return this.http.json<GlanceImage>({ method: 'POST', path: '/v2/images', json: image, resource: { type: 'image' }, ...options });
  }

  /** Reads an image; `NotFoundError` when it does not exist (or was deleted). */
  getImage(id: string, options: GlanceCallOptions = {}): Promise<GlanceImage> {
    return this.http.json<GlanceImage>({ method: 'GET', path: imagePath(id), resource: { type: 'image', id }, ...options });
  }

  /** One page of images. */
  async listImages(query: GlanceImageQuery = {}, options: GlanceCallOptions = {}): Promise<GlanceImagePage> {
    const page = await this.http.json<{ images: GlanceImage[]; next?: string }>({ method: 'GET', path: '/v2/images', query, resource: { type: 'images' }, ...options });
    const next = page.next === undefined ? undefined : new URLSearchParams(page.next.split('?')[1] ?? '').get('marker') ?? undefined;
    return { images: page.images, ...(next === undefined ? {} : { nextMarker: next }) };
  }

  /** Every image matching `query`, page by page. */
  async *images(query: GlanceImageQuery = {}, options: GlanceCallOptions = {}): AsyncGenerator<GlanceImage> {
    let marker = query.marker;
    for (;;) {
      const page = await this.listImages({ ...query, ...(marker === undefined ? {} : { marker }) }, options);
      yield* page.images;
      if (page.nextMarker === undefined || page.images.length === 0) return;
      marker = page.nextMarker;
    }
  }

  /** Changes properties with JSON-patch operations; answers the updated image. */
  updateImage(id: string, patch: readonly GlanceImagePatch[], options: GlanceCallOptions = {}): Promise<GlanceImage> {
    return this.http.json<GlanceImage>({
      method: 'PATCH',
      path: imagePath(id),
      headers: { 'Content-Type': 'application/openstack-images-v2.1-json-patch' },
      body: JSON.stringify(patch),
      idempotent: patch.every((operation) => operation.op !== 'add'),
      resource: { type: 'image', id },
      ...options,
    });
  }

  /**
   * Uploads the image's data (`PUT /v2/images/{id}/file`); the image becomes `active` (file
   * store: by the time this resolves). A stream body is sent once, with backpressure; pass a
   * function that opens a fresh stream to allow retries. `ConflictError` when the image already
   * has data.
   */
  async uploadImage(id: string, body: RequestBody | (() => RequestBody), options: GlanceUploadOptions = {}): Promise<void> {
    const { size, ...call } = options;
    await this.http.send({
      method: 'PUT',
      path: `${imagePath(id)}/file`,
      headers: { 'Content-Type': 'application/octet-stream', ...(size === undefined ? {} : { 'Content-Length': String(size) }) },
      body,
      resource: { type: 'image', id },
      ...call,
    });
  }

  /** Stages data for an interoperable import (`PUT /v2/images/{id}/stage`); follow with {@link GlanceClient.importImage}. */
  async stageImage(id: string, body: RequestBody | (() => RequestBody), options: GlanceUploadOptions = {}): Promise<void> {
    const { size, ...call } = options;
    await this.http.send({
      method: 'PUT',
      path: `${imagePath(id)}/stage`,
      headers: { 'Content-Type': 'application/octet-stream', ...(size === undefined ? {} : { 'Content-Length': String(size) }) },
      body,
      resource: { type: 'image', id },
      ...call,
    });
  }

  /**
   * Starts an import (`POST /v2/images/{id}/import`), `glance-direct` by default (the staged
   * data); wait for `active` with {@link GlanceClient.waitForImage}.
   */
  async importImage(id: string, method: { readonly name: string; readonly uri?: string } = { name: 'glance-direct' }, options: GlanceCallOptions = {}): Promise<void> {
    await this.http.send({ method: 'POST', path: `${imagePath(id)}/import`, json: { method }, resource: { type: 'image', id }, ...options });
  }

  /**
   * Streams the image's data (`GET /v2/images/{id}/file`), or a byte range of it.
   * `ConflictError` when the image has no data yet (Glance answers 204).
   */
  async downloadImage(id: string, options: GlanceDownloadOptions = {}): Promise<GlanceImageData> {
    const { range, ...call } = options;
    const response = await this.http.stream({
      method: 'GET',
      path: `${imagePath(id)}/file`,
      headers: { Accept: 'application/octet-stream', ...(range === undefined ? {} : { Range: `bytes=${range.start}-${range.end ?? ''}` }) },
      resource: { type: 'image', id },
      ...call,
    });
    if (response.status === 204 || response.body === null) {
      await response.body?.cancel();
      throw new ConflictError(`Glance image ${id} has no data to download (HTTP ${response.status})`, {
        details: { service: 'Glance', resourceType: 'image', resourceId: id, status: response.status },
      });
    }
    const lengthHeader = Number(response.headers.get('content-length') ?? Number.NaN);
    const checksum = response.headers.get('content-md5') ?? undefined;
    const contentRange = /^bytes (\d+)-(\d+)\/(\d+|\*)$/u.exec(response.headers.get('content-range') ?? '');
    return {
      body: response.body,
      ...(Number.isFinite(lengthHeader) ? { length: lengthHeader } : {}),
      ...(checksum === undefined ? {} : { checksum }),
      ...(contentRange === null
        ? {}
        : {
            range: {
              start: Number(contentRange[1]),
              end: Number(contentRange[2]),
              ...(contentRange[3] === '*' ? {} : { total: Number(contentRange[3]) }),
            },
          }),
    };
  }

  /** Deletes an image; resolves `true`, or `false` with `ignoreMissing` when it did not exist. */
  async deleteImage(id: string, options: GlanceDeleteOptions = {}): Promise<boolean> {
    const { ignoreMissing, ...call } = options;
    try {
      await this.http.send({ method: 'DELETE', path: imagePath(id), resource: { type: 'image', id }, ...call });
      return true;
    } catch (error) {
      if (ignoreMissing === true && (error as { kind?: unknown }).kind === 'not_found') return false;
      throw error;
    }
  }

  /**
   * Polls until the image has `status` (default `active`); fails when it turns `killed`,
   * `deleted`, `pending_delete` or `deactivated` (unless that is the goal) or an import
   * reports a failed store (`os_glance_failed_import`).
   */
  waitForImage(id: string, options: WaitOptions<GlanceImage> & { readonly status?: GlanceImageStatus } = {}): Promise<GlanceImage> {
    const goal = options.status ?? 'active';
    return pollUntil(
      { service: 'Glance', type: 'image', id, goal: `status ${goal}` },
      (signal) => this.getImage(id, signal === undefined ? {} : { signal }),
      (image) => {
        if (image.status === goal) return { done: true };
        const failedImport = image.os_glance_failed_import;
        if (typeof failedImport === 'string' && failedImport !== '') return { done: false, failed: `the import to store(s) ${failedImport} failed` };
        return FAILED.has(image.status) ? { done: false, failed: `it is ${image.status}` } : { done: false };
      },
      describe,
      options,
    );
  }

  /** Polls until the image no longer exists. */
  waitForImageDeleted(id: string, options: WaitOptions<GlanceImage> = {}): Promise<void> {
    return pollUntilGone(
      { service: 'Glance', type: 'image', id, goal: 'deletion' },
      (signal) => this.getImage(id, signal === undefined ? {} : { signal }),
      () => undefined,
      describe,
      options,
    );
  }
}
