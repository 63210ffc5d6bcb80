/**
 * What the groups of the protection-plugin conformance suite share within one bank kind's
 * block: how a group registers a case, the suite's settings, the block's world and the steps
 * the cases take through its protection service.
 *
 * @module
 */
import type { SuiteSettings } from './settings.js';
import type { SuiteSteps } from './steps.js';
import type { World } from './world.js';

/**
 * Registers one case of a group: its title, its body, and why it cannot apply to the plugin
 * (`unless`; the case is then skipped with that reason, as with a declared gap).
 */
export type Case = (title: string, body: () => Promise<void>, unless?: string) => void;

/** What each group's cases get, once per bank kind's block. */
export interface Harness {
  /** The suite's options, resolved. */
  readonly settings: SuiteSettings;
  /** The block's world; throws when its setup failed. */
  readonly the: () => World;
  /** The steps the cases take through the block's protection service. */
  readonly steps: SuiteSteps;
}
