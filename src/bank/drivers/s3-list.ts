/**
 * Listing for the S3 driver with the contract's exact semantics (the driver's own md5 records,
 * `s3-md5.ts`, are never listed).
 *
 * - Ascending maps onto `ListObjectsV2` (`Prefix`, `StartAfter` = the exclusive marker), paging
 *   with continuation tokens; it asks for `limit + 1` keys to learn whether more remain.
 * - Descending has no S3 equivalent: the driver pages through the prefix in ascending order up
 *   to the marker (S3 lists in UTF-8 byte order, so it can stop at the first key at or past the
 *   marker), keeps only the last `limit + 1` keys, and reverses them. Cost: one request per
 *   1,000 keys between the start of the prefix and the marker, whatever the limit — paging
 *   backwards through a large prefix is O(n) requests per page. Keep descending listings to
 *   small prefixes (the facade's checkpoint indices are).
 *
 * @module
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { ListOptions, ListPage } from '../../core/bank-section.js';
import { compareKeys } from '../keys.js';
import { pageOf, takePage } from '../listing.js';
import { isNotFound, s3Error } from './s3-errors.js';
import { MD5_RECORD_PREFIX } from './s3-md5.js';

/** S3 answers at most this many keys per listing request. */
export const S3_LIST_PAGE = 1000;

async function* ascending(client: S3Client, bucket: string, prefix: string, startAfter: string | undefined, wanted: number): AsyncGenerator<string> {
  let token: string | undefined;
  for (;;) {
    let page;
    try {
      page = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          ...(prefix === '' ? {} : { Prefix: prefix }),
          ...(token === undefined && startAfter !== undefined ? { StartAfter: startAfter } : {}),
          ...(token === undefined ? {} : { ContinuationToken: token }),
          MaxKeys: wanted,
        }),
      );
    } catch (error) {
      if (isNotFound(error)) return;
      throw s3Error(error, 'list', prefix);
    }
    for (const entry of page.Contents ?? []) if (entry.Key !== undefined && !entry.Key.startsWith(MD5_RECORD_PREFIX)) yield entry.Key;
    if (page.IsTruncated !== true || page.NextContinuationToken === undefined) return;
    token = page.NextContinuationToken;
  }
}

/** One listing page of `bucket`, asking S3 for at most `pageSize` keys per request. */
export async function listS3Page(client: S3Client, bucket: string, options: ListOptions = {}, pageSize = S3_LIST_PAGE): Promise<ListPage> {
  const prefix = options.prefix ?? '';
  const marker = options.marker === '' ? undefined : options.marker;
  const { limit } = options;
  if (options.order !== 'desc') {
    const wanted = Math.min(limit === undefined ? pageSize : limit + 1, pageSize);
    return takePage(ascending(client, bucket, prefix, marker, wanted), limit);
  }
  const keep = limit === undefined ? Number.POSITIVE_INFINITY : limit + 1;
  let window: string[] = [];
  for await (const key of ascending(client, bucket, prefix, undefined, pageSize)) {
    if (marker !== undefined && compareKeys(key, marker) >= 0) break;
    window.push(key);
    if (window.length >= 2 * keep) window = window.slice(-keep);
  }
  return pageOf(window.slice(-keep).reverse(), limit);
}
