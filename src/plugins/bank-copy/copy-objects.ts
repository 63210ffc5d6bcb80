/**
 * Copying every object of one bank section to another — the data half of a checkpoint copy
 * (seed 000) for any resource whose backup data lives in the bank.
 *
 * - **Streaming**: each object flows from `getObject` into `putObject`; no object is held in
 *   memory here, and at most `concurrency` objects move at once.
 * - **Incremental**: an object already at the destination with the same etag (md5) and size is
 *   skipped, so a repeated or resumed copy only moves what is missing — decided by content,
 *   not by timestamps. The destination is listed once, and only the keys it has are headed.
 * - **Verified**: every write passes the source's etag, so the destination bank refuses bytes
 *   that do not hash to it (`KTS_ERR_BANK_INTEGRITY`: a damaged source is never propagated);
 *   the etag and size the destination recorded are compared with the source's before the
 *   object counts.
 * - **Safe against other writers**: a new object is written with `ifNoneMatch: '*'` and a
 *   replaced one with `ifMatch` of the version seen, so an object another run wrote meanwhile
 *   is never claimed as ours (when the back-end has no conditional writes, plain writes).
 * - **Metadata last**: metadata objects (a manifest, a status) are copied after every data
 *   object, one at a time, so a half-done copy never looks complete.
 * - **Bank-side copies** when the destination offers one ({@link ObjectCopier}): the bank moves
 *   the bytes itself (e.g. a filesystem bank copying from another filesystem bank with
 *   synchronous reads, hashing and writes in worker threads) under the same contract — the etag
 *   checked, the conditions honoured — and the bytes never pass through this thread's streams.
 *
 * @module
 */
import type { BankSection, ObjectInfo, PutObjectOptions } from '../../core/bank-section.js';
import { BankError, ConflictError, NotFoundError, createFrameworkError, isCancellation, isFrameworkError, messageOf } from '../../core/errors.js';
import { noProgress, type ProgressReporter } from '../../core/progress.js';
import { lazyBody } from './lazy-body.js';
import { asCancelled, forEachLimit } from './pool.js';
import { isMetadataKey, listAllKeys } from './section-objects.js';

/** How many objects move at once unless told otherwise. */
export const DEFAULT_COPY_CONCURRENCY = 4;

/**
 * A destination section that can copy an object from another section by itself — a bank-level
 * fast path (see the module documentation). The contract is `putObject(key, <the bytes of
 * sourceKey in source>, options)`: `options.etag` is checked against the bytes actually written
 * (`KTS_ERR_BANK_INTEGRITY`, nothing written, when they differ), `ifNoneMatch` / `ifMatch` are
 * honoured as by `putObject`, `metadata` is stored, `signal` cancels. It resolves with the
 * written object, or with `undefined`, having done nothing, when it cannot copy from `source`
 * (another kind of bank): the bytes are then streamed through `getObject` and `putObject`.
 */
export interface ObjectCopier {
  /**
   * Exactly `putObject(key, <the bytes of source's sourceKey>, options)`, done by the bank
   * (etag checked, conditions honoured); `undefined`, having done nothing, when it has no fast
   * path between these two sections, so the caller streams instead.
   */
  copyObject(key: string, source: BankSection, sourceKey: string, options: PutObjectOptions): Promise<ObjectInfo | undefined>;
}

/** The bank-side copy of `section`, if it offers one. */
function copierOf(section: BankSection): ObjectCopier | undefined {
  return typeof (section as Partial<ObjectCopier>).copyObject === 'function' ? (section as BankSection & ObjectCopier) : undefined;
}

/** What happened to one object: written where absent, written over another content, or already there. */
export type CopyOutcome = 'created' | 'replaced' | 'skipped';

/** Options of {@link copyObjects}. */
export interface CopyObjectsOptions {
  /** Objects copied at once. @default {@link DEFAULT_COPY_CONCURRENCY} */
  readonly concurrency?: number;
  /** Copy only keys under this prefix (relative to the source section). */
  readonly prefix?: string;
  /** Which keys are metadata, copied last. @default {@link isMetadataKey} */
  readonly isMetadata?: (key: string) => boolean;
  /** Ask the destination to make each write durable (fsync) before it counts. */
  readonly durable?: boolean;
  /** Stops the copy; running transfers are aborted and awaited before it rejects. */
  readonly signal?: AbortSignal;
  /** Receives the bytes to move (once planned) and the bytes moved. */
  readonly progress?: ProgressReporter;
  /**
   * Called right after an object was written at the destination (before its recorded etag is
   * checked, so that a write that then fails the check is known too). Record `created` keys to
   * undo a copy: they are the only objects this call brought into existence.
   */
  readonly onWritten?: (key: string, info: ObjectInfo, outcome: Exclude<CopyOutcome, 'skipped'>) => void;
}

/** What {@link copyObjects} did. */
export interface CopyObjectsResult {
  /** Keys that were absent at the destination and were written. */
  readonly created: readonly string[];
  /** Keys that held other content at the destination and were overwritten. */
  readonly replaced: readonly string[];
  /** Keys already present with the same etag and size. */
  readonly skipped: readonly string[];
  /** Bytes written. */
  readonly bytesCopied: number;
  /** Bytes not moved because they were already there. */
  readonly bytesSkipped: number;
}

interface Plan {
  readonly key: string;
  readonly source: ObjectInfo;
  readonly existing: ObjectInfo | undefined;
}

interface Run {
  readonly source: BankSection;
  readonly destination: BankSection;
  readonly options: CopyObjectsOptions;
  readonly progress: ProgressReporter;
  /** Cleared when the destination refuses conditional writes (`KTS_ERR_BANK_UNSUPPORTED`). */
  conditional: boolean;
  /** The destination's bank-side copy; cleared once it declines this source. */
  copier: ObjectCopier | undefined;
}

/**
 * Copies every object of `source` (or those under `options.prefix`) to the same keys in
 * `destination`; see the module documentation for the guarantees. Rejects with the first
 * failure, named by object key, once every running transfer has stopped; objects written
 * before the failure stay (the caller's revert deletes the `created` ones it recorded).
 */
export async function copyObjects(source: BankSection, destination: BankSection, options: CopyObjectsOptions = {}): Promise<CopyObjectsResult> {
  const concurrency = options.concurrency ?? DEFAULT_COPY_CONCURRENCY;
  const signal = options.signal;
  const pool = (limit: number) => ({ concurrency: limit, ...(signal === undefined ? {} : { signal }) });
  const listing = { ...(options.prefix === undefined ? {} : { prefix: options.prefix }), ...(signal === undefined ? {} : { signal }) };
  // One listing of the destination (beside the source's) spares a head per key it does not
  // have — all of them, on a first copy. A key written there after this listing is met by the
  // ifNoneMatch condition.
  const [keys, destinationKeys] = await Promise.all([listAllKeys(source, listing), listAllKeys(destination, listing)]);
  const present = new Set(destinationKeys);

  const plans: Plan[] = new Array(keys.length);
  await forEachLimit(keys, pool(concurrency * 2), async (key, index) => {
    const [info, existing] = await Promise.all([source.head(key), present.has(key) ? destination.head(key) : undefined]);
    if (info === undefined) {
      throw new NotFoundError(`Object ${key} was listed in the source but is gone`, { code: 'KTS_ERR_BANK_OBJECT_NOT_FOUND', details: { key } });
    }
    plans[index] = { key, source: info, existing };
  });

  const created: string[] = [];
  const replaced: string[] = [];
  const skipped: string[] = [];
  let bytesCopied = 0;
  let bytesSkipped = 0;
  const todo: Plan[] = [];
  for (const plan of plans) {
    if (sameContent(plan.source, plan.existing)) {
      skipped.push(plan.key);
      bytesSkipped += plan.source.size;
    } else {
      todo.push(plan);
    }
  }
  const progress = options.progress ?? noProgress;
  progress.addTotalBytes(todo.reduce((sum, plan) => sum + plan.source.size, 0));

  const run: Run = { source, destination, options, progress, conditional: true, copier: copierOf(destination) };
  const copy = async (plan: Plan, _index: number, stop: AbortSignal): Promise<void> => {
    const outcome = await copyOne(run, plan, stop);
    if (outcome === 'skipped') {
      skipped.push(plan.key);
      bytesSkipped += plan.source.size;
      return;
    }
    (outcome === 'created' ? created : replaced).push(plan.key);
    bytesCopied += plan.source.size;
  };
  const isMetadata = options.isMetadata ?? isMetadataKey;
  // Largest first: the copy then ends on small objects, never on one large object moving alone.
  const data = todo.filter((plan) => !isMetadata(plan.key)).sort((a, b) => b.source.size - a.source.size);
  await forEachLimit(data, pool(concurrency), copy);
  await forEachLimit(todo.filter((plan) => isMetadata(plan.key)), pool(1), copy);
  return { created, replaced, skipped, bytesCopied, bytesSkipped };
}

function sameContent(a: ObjectInfo, b: ObjectInfo | undefined): boolean {
  return b !== undefined && a.etag === b.etag && a.size === b.size;
}

function describe(info: ObjectInfo | undefined): string {
  return info === undefined ? 'no object' : `md5 ${info.etag}, ${info.size} bytes`;
}

/** Copies one object; every failure comes out naming the key and what was found. */
async function copyOne(run: Run, plan: Plan, signal: AbortSignal): Promise<CopyOutcome> {
  const { key, source: info, existing } = plan;
  let written: ObjectInfo;
  try {
    written = await transferWithCondition(run, plan, signal);
  } catch (error) {
    if (isCancellation(error)) throw asCancelled(error);
    if (isFrameworkError(error, 'KTS_ERR_BANK_PRECONDITION_FAILED')) {
      const now = await run.destination.head(key);
      if (sameContent(info, now)) return 'skipped';
      throw new ConflictError(`Object ${key} changed at the destination while it was being copied: expected ${describe(existing)}, found ${describe(now)}`, {
        code: 'KTS_ERR_CONFLICT',
        details: { key, expected: existing?.etag ?? null, found: now?.etag ?? null },
        cause: error,
      });
    }
    if (isFrameworkError(error, 'KTS_ERR_BANK_INTEGRITY')) {
      throw new BankError(`Object ${key}: the content read from the source does not match its etag (md5 ${info.etag}, ${info.size} bytes); the source copy is damaged and was not copied — ${messageOf(error)}`, {
        code: 'KTS_ERR_BANK_INTEGRITY',
        details: { key, expectedEtag: info.etag, expectedSize: info.size },
        cause: error,
      });
    }
    const code = isFrameworkError(error) ? error.code : 'KTS_ERR_PLUGIN_OPERATION_FAILED';
    const details = isFrameworkError(error) ? error.details : {};
    throw createFrameworkError(code, `Copy of object ${key} (${info.size} bytes) failed: ${messageOf(error)}`, { details: { ...details, key }, cause: error });
  }
  const outcome = existing === undefined ? 'created' : 'replaced';
  run.options.onWritten?.(key, written, outcome);
  if (!sameContent(info, written)) {
    throw new BankError(`Object ${key}: the destination recorded ${describe(written)}, the source has ${describe(info)}`, {
      code: 'KTS_ERR_BANK_INTEGRITY',
      details: { key, expectedEtag: info.etag, foundEtag: written.etag, expectedSize: info.size, foundSize: written.size },
    });
  }
  return outcome;
}

/** One transfer, conditional when the destination supports it (falls back once, for the run). */
async function transferWithCondition(run: Run, plan: Plan, signal: AbortSignal): Promise<ObjectInfo> {
  if (!run.conditional) return transfer(run, plan, signal, {});
  const condition = plan.existing === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: plan.existing.version };
  try {
    return await transfer(run, plan, signal, condition);
  } catch (error) {
    if (!isFrameworkError(error, 'KTS_ERR_BANK_UNSUPPORTED')) throw error;
    run.conditional = false;
    return transfer(run, plan, signal, {});
  }
}

async function transfer(run: Run, plan: Plan, signal: AbortSignal, condition: { ifNoneMatch?: '*'; ifMatch?: string }): Promise<ObjectInfo> {
  const options: PutObjectOptions = {
    ...condition,
    etag: plan.source.etag,
    metadata: plan.source.metadata,
    signal,
    ...(run.options.durable === undefined ? {} : { durable: run.options.durable }),
  };
  if (run.copier !== undefined) {
    const copied = await run.copier.copyObject(plan.key, run.source, plan.key, options);
    if (copied !== undefined) {
      run.progress.addBytes(copied.size);
      return copied;
    }
    run.copier = undefined;
  }
  const source = lazyBody(() => run.source.getObject(plan.key, { signal }), (bytes) => run.progress.addBytes(bytes));
  try {
    return await run.destination.putObject(plan.key, source.body, options);
  } finally {
    source.close();
  }
}
