/**
 * The `claims` group of the protection-plugin conformance suite: the declared verification
 * levels and copy support are the plugin's, the corruption matrix fits the level definitions,
 * and the subject made the resources asked for.
 *
 * @module
 */
import { expect } from 'vitest';
import { VERIFICATION_LEVELS, type VerificationLevel } from '../../core/operation.js';
import { supportsCopy, supportsVerification } from '../../core/plugin.js';
import { resourceKey } from '../../core/resource.js';
import { CORRUPTION_CLASSES, type CorruptionClass } from './names.js';
import type { Case, Harness } from './harness.js';

/** The classes only a level that re-reads data can detect (`head` reports nothing wrong). */
const NEEDS_DATA_READ: readonly CorruptionClass[] = ['flipped-byte', 'truncated'];

/** Registers the cases of the `claims` group. */
export function claimsCases(test: Case, harness: Harness): void {
  const { the, settings } = harness;
  const { copies, verification, count } = settings;

  test('the declared verification levels and copy support are the plugin’s', async () => {
    const { plugin } = the().subject;
    expect(supportsCopy(plugin), 'options.copy').toBe(copies);
    if (verification === undefined) {
      expect(supportsVerification(plugin), 'the plugin verifies, but options.verification is not given').toBe(false);
    } else {
      expect(supportsVerification(plugin), 'options.verification is given, but the plugin cannot verify').toBe(true);
      expect([...(plugin.verificationLevels ?? [])], 'options.verification.levels').toEqual([...verification.levels]);
    }
  });

  test('the corruption matrix fits the level definitions', async () => {
    if (verification === undefined) return;
    for (const [level, classes] of Object.entries(verification.detects) as [VerificationLevel, readonly CorruptionClass[]][]) {
      expect(VERIFICATION_LEVELS, `detects.${level}: not a verification level`).toContain(level);
      expect(verification.levels, `detects.${level}: the plugin does not offer this level`).toContain(level);
      for (const kind of classes) expect(CORRUPTION_CLASSES, `detects.${level}: unknown corruption class`).toContain(kind);
      if (level !== 'full') {
        const impossible = classes.filter((kind) => NEEDS_DATA_READ.includes(kind));
        expect(impossible, `detects.${level}: ${level} reads no data, so it cannot see damage that head() does not show`).toEqual([]);
      }
    }
  });

  test('the subject made the resources asked for', async () => {
    const { resources } = the();
    expect(count, 'options.resources: at least 2, so damage to one must not fail another').toBeGreaterThanOrEqual(2);
    expect(resources.length).toBe(count);
    expect(new Set(resources.map(resourceKey)).size, 'resource keys must be distinct').toBe(count);
    for (const resource of resources) expect(Object.keys(the().subject.plugin.resourceTypes), `the plugin handles ${resourceKey(resource)}`).toContain(resource.type);
  });
}
