/**
 * Object helpers of the protection-plugin conformance suite: md5 etags, whole streams, and the
 * keys a driver or a section holds, read page by page.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { BankDriver } from '../../bank/index.js';
import type { BankSection } from '../../core/bank-section.js';

/** The md5 of `bytes`, in hex. */
export const md5 = (bytes: Uint8Array | string): string => createHash('md5').update(bytes).digest('hex');

/** Every chunk of `stream`, concatenated. */
export async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** Every key under `prefix`, read straight from a driver. */
export async function driverKeys(driver: BankDriver, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let marker: string | undefined;
  do {
    const page = await driver.list({ prefix, ...(marker === undefined ? {} : { marker }) });
    keys.push(...page.keys);
    marker = page.nextMarker;
  } while (marker !== undefined);
  return keys;
}

/** Every key of a section. */
export async function sectionKeys(section: BankSection): Promise<string[]> {
  const keys: string[] = [];
  let marker: string | undefined;
  do {
    const page = await section.list(marker === undefined ? {} : { marker });
    keys.push(...page.keys);
    marker = page.nextMarker;
  } while (marker !== undefined);
  return keys;
}

/** The keys of a checkpoint's resource sections, read from the driver. */
export const resourceObjects = (driver: BankDriver, checkpointId: string): Promise<string[]> => driverKeys(driver, `checkpoints/${checkpointId}/resources/`);
