/**
 * How the `corruption` group of the protection-plugin conformance suite damages one object of a
 * resource's section in the main bank, for each of the corruption classes (unless the subject
 * inflicts the class itself).
 *
 * @module
 */
import { CheckpointCollection } from '../../bank/index.js';
import { resourceKey, type Resource } from '../../core/resource.js';
import type { CorruptionClass } from '../plugin-suite.js';
import { md5, readAll, sectionKeys } from './bank-objects.js';
import type { World } from './world.js';

/** Damages one object of `resource` in checkpoint `checkpointId`; returns the name the reason must contain. */
export async function inflict(world: World, kind: CorruptionClass, resource: Resource, checkpointId: string): Promise<string> {
  const { subject, drivers, banks } = world;
  const section = new CheckpointCollection(banks.main).resourceSection(checkpointId, resource);
  const own = await subject.inflict?.(kind, { resource, checkpointId, section, driver: drivers.main });
  if (own !== undefined) return own;
  if (kind === 'misplaced') {
    const other = world.resources[1];
    if (other === undefined) throw new Error('misplaced needs at least two resources (options.resources ≥ 2)');
    if (other.type !== resource.type) throw new Error(`misplaced needs the first two resources to be of one type (${resourceKey(resource)}, ${resourceKey(other)}); reorder them, or declare a skip of 'corruption: misplaced' with the reason`);
    const source = new CheckpointCollection(banks.main).resourceSection(checkpointId, other, { readOnly: true });
    for (const key of await sectionKeys(section)) await section.delete(key);
    for (const key of await sectionKeys(source)) {
      const info = await source.head(key);
      await section.putObject(key, await source.getObject(key), info === undefined ? {} : { metadata: info.metadata });
    }
    return other.id;
  }
  const isMetadata = subject.isMetadataObject ?? ((key: string) => key.endsWith('.json'));
  const keys = await sectionKeys(section);
  const metadata = kind === 'metadata-deleted' || kind === 'metadata-corrupted';
  const candidates = keys.filter((key) => isMetadata(key) === metadata);
  let key: string | undefined;
  let size = 0;
  for (const candidate of candidates) {
    const info = await section.head(candidate);
    if (info !== undefined && info.size >= 2 && (key === undefined || (!metadata && info.size > size))) [key, size] = [candidate, info.size];
    if (metadata && key !== undefined) break;
  }
  if (key === undefined) {
    throw new Error(
      `${resourceKey(resource)} has no ${metadata ? 'metadata' : 'data'} object of at least 2 bytes to damage (its objects: ${JSON.stringify(keys)}); ` +
        `give it more content, adjust isMetadataObject, or declare a skip of 'corruption: ${kind}' with the reason`,
    );
  }
  const full = `${section.prefix}/${key}`;
  switch (kind) {
    case 'flipped-byte':
      drivers.main.inject({ type: 'corrupt', key: full, offset: size - 1 });
      break;
    case 'truncated':
      drivers.main.inject({ type: 'truncate', key: full, bytes: Math.floor(size / 2) });
      break;
    case 'deleted':
    case 'metadata-deleted':
      await section.delete(key);
      break;
    case 'wrong-etag': {
      const info = await section.head(key);
      const wrong = md5(`not the md5 of ${key}`);
      drivers.main.inject({ type: 'metadata', key: full, etag: wrong === info?.etag ? md5(wrong) : wrong });
      break;
    }
    case 'rewritten':
    case 'resized': {
      const info = await section.head(key);
      const bytes = await readAll(await section.getObject(key));
      const replacement = kind === 'rewritten' ? Buffer.from(bytes.map((byte) => byte ^ 0xff)) : bytes.subarray(0, Math.floor(bytes.length / 2));
      await section.putObject(key, replacement, info === undefined ? {} : { metadata: info.metadata });
      break;
    }
    case 'metadata-corrupted':
      drivers.main.inject({ type: 'corrupt', key: full, offset: Math.floor(size / 2) });
      break;
  }
  return key;
}
