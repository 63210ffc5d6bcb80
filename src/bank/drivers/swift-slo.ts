/**
 * The segments of Swift static large objects (SLO). Objects above the driver's threshold are
 * uploaded as segments of `segmentSize` bytes into the segments container, each streamed (never
 * buffered) while its md5 and the whole content's md5 are computed; Swift's answered ETag of
 * every segment is checked against the local md5 (Swift cannot check it itself, because the
 * md5 is only known once the segment was sent). The caller then writes the manifest
 * (`?multipart-manifest=put`), which makes Swift check every segment's etag and size again.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { BankError } from '../../core/errors.js';
import { integrityError } from '../internal/errors.js';
import type { ChunkReader } from './swift-s3-body.js';
import { encodePath, statusError, discard, type SwiftClient } from './swift-http.js';

/** One entry of an SLO manifest. */
export interface SloEntry {
  /** `/<container>/<object>` of the segment. */
  readonly path: string;
  /** The segment's md5 (hex). */
  readonly etag: string;
  /** The segment's size in bytes. */
  readonly size_bytes: number;
}

/** What {@link uploadSegments} uploaded. */
export interface UploadedSegments {
  /** The manifest entries, in order. */
  readonly manifest: readonly SloEntry[];
  /** md5 (hex) of the whole content. */
  readonly etag: string;
  /** Size of the whole content. */
  readonly size: number;
}

/** Where and how to upload segments. */
export interface SegmentTarget {
  /** The Swift client. */
  readonly client: SwiftClient;
  /** The container of the segments. */
  readonly container: string;
  /** The common prefix of this upload's segment names (ends with `/`). */
  readonly prefix: string;
  /** Bytes per segment (the last one may be shorter). */
  readonly segmentSize: number;
  /** Most segments one object may have (Swift's `max_manifest_segments`, 1000 by default). */
  readonly maxSegments: number;
  /** The object key the segments belong to (for messages). */
  readonly key: string;
  /** Cancels the upload. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Streams everything `reader` holds into segments. On failure it deletes the segments it
 * wrote and rethrows.
 */
export async function uploadSegments(reader: ChunkReader, target: SegmentTarget): Promise<UploadedSegments> {
  const whole = createHash('md5');
  const manifest: SloEntry[] = [];
  let size = 0;
  try {
    while (!(await reader.atEnd())) {
      if (manifest.length >= target.maxSegments) {
        throw tooManySegments(target);
      }
      const name = `${target.prefix}${String(manifest.length).padStart(8, '0')}`;
      const segment = createHash('md5');
      let segmentSize = 0;
      async function* hashed(): AsyncGenerator<Uint8Array> {
        for await (const chunk of reader.take(target.segmentSize)) {
          segment.update(chunk);
          whole.update(chunk);
          segmentSize += chunk.length;
          yield chunk;
        }
      }
      const what = { operation: 'put (segment)', key: target.key };
      const response = await target.client.request(
        { method: 'PUT', path: encodePath(target.container, name), headers: { 'Content-Type': 'application/octet-stream' }, body: hashed(), signal: target.signal },
        what,
      );
      if (response.status !== 201) throw await statusError(response, what);
      await discard(response);
      const etag = segment.digest('hex');
      const answered = (response.headers.get('etag') ?? '').replace(/"/gu, '');
      if (answered !== etag) throw integrityError(`${target.container}/${name}`, etag, answered);
      manifest.push({ path: `/${target.container}/${name}`, etag, size_bytes: segmentSize });
      size += segmentSize;
    }
  } catch (error) {
    await reader.close().catch(() => undefined);
    await deleteSegments(target.client, target.container, target.prefix).catch(() => undefined);
    throw error;
  }
  return { manifest, etag: whole.digest('hex'), size };
}

function tooManySegments(target: SegmentTarget): BankError {
  return new BankError(`Object ${JSON.stringify(target.key)} needs more than ${target.maxSegments} segments of ${target.segmentSize} bytes; raise segmentSize`, {
    code: 'KTS_ERR_BANK_UNSUPPORTED',
    details: { key: target.key, maxSegments: target.maxSegments, segmentSize: target.segmentSize },
  });
}

/** Deletes every object under `prefix` in `container` (the segments of one upload). */
export async function deleteSegments(client: SwiftClient, container: string, prefix: string): Promise<void> {
  const what = { operation: 'delete (segments)', key: `${container}/${prefix}` };
  for (;;) {
    const listing = await client.request({ method: 'GET', path: encodePath(container), query: { format: 'json', prefix, limit: '1000' } }, what);
    if (listing.status === 404) {
      await discard(listing);
      return;
    }
    if (listing.status !== 200) throw await statusError(listing, what);
    const names = ((await listing.json()) as { name: string }[]).map((entry) => entry.name);
    if (names.length === 0) return;
    for (let i = 0; i < names.length; i += 8) {
      await Promise.all(
        names.slice(i, i + 8).map(async (name) => {
          const response = await client.request({ method: 'DELETE', path: encodePath(container, name) }, what);
          await discard(response);
          if (response.status !== 204 && response.status !== 404) throw await statusError(response, what);
        }),
      );
    }
  }
}
