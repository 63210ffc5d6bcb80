/**
 * One bank kind's `describe` block of the protection-plugin conformance suite: its world, made
 * before its cases and released after them, and the suite's groups, in the order of
 * {@link PLUGIN_TEST_GROUPS}.
 *
 * @module
 */
import { describe } from 'vitest';
import { PLUGIN_TEST_GROUPS, type PluginTestGroup } from './names.js';
import type { PluginSuiteBankKind } from '../plugin-suite-banks.js';
import { cancellationCases } from './cancellation.js';
import { claimsCases } from './claims.js';
import { corruptionCases } from './corruption.js';
import type { GroupRegistry } from './gaps.js';
import type { Case, Harness } from './harness.js';
import { optionalOperationsCases } from './optional-operations.js';
import { roundTripCases } from './round-trip.js';
import type { SuiteSettings } from './settings.js';
import { createSteps } from './steps.js';
import { setUpWorld } from './world.js';

/** The cases of each group. */
const GROUP_CASES: Readonly<Record<PluginTestGroup, (test: Case, harness: Harness) => void>> = {
  claims: claimsCases,
  'round-trip': roundTripCases,
  'optional-operations': optionalOperationsCases,
  corruption: corruptionCases,
  cancellation: cancellationCases,
};

/** Registers the `describe` block of bank kind `kind`, its groups registered through `registry`. */
export function describeBankKind(kind: PluginSuiteBankKind, settings: SuiteSettings, registry: GroupRegistry): void {
  describe(`protection plugin conformance: ${settings.name} (${kind.name} banks)`, () => {
    const the = setUpWorld(kind, settings);
    const harness: Harness = { settings, the, steps: createSteps(the, settings.levels) };
    for (const id of PLUGIN_TEST_GROUPS) registry.group(id, (test) => GROUP_CASES[id](test, harness));
  });
}
