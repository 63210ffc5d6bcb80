/**
 * The options of the protection-plugin conformance suite, resolved once for every bank kind's
 * block: defaults applied, the claimed levels and corruption matrix, and the reasons the suite
 * gives for cases that cannot apply to the plugin.
 *
 * @module
 */
import type { VerificationLevel } from '../../core/operation.js';
import type { CorruptionClass, PluginSuiteOptions, PluginSuiteSkip, VerificationClaims } from '../plugin-suite.js';

/** {@link PluginSuiteOptions} with their defaults applied, and what the groups derive from them. */
export interface SuiteSettings {
  /** The plugin's name in test titles. */
  readonly name: string;
  /** Makes the plugin and its test resources; called once per bank kind. */
  readonly create: PluginSuiteOptions['create'];
  /** Whether the plugin copies (the option `copy`). */
  readonly copies: boolean;
  /** What the plugin claims about verification, if it verifies. */
  readonly verification: VerificationClaims | undefined;
  /** How many resources to protect together. */
  readonly count: number;
  /** The claimed verification levels (none without a verify operation). */
  readonly levels: readonly VerificationLevel[];
  /** Declared gaps. */
  readonly skip: readonly PluginSuiteSkip[];
  /** Timeout of one case, in milliseconds. */
  readonly timeoutMs: number;
  /** Why verify cases cannot apply (the plugin claims no verify operation), or `undefined`. */
  readonly noVerify: string | undefined;
  /** Why copy cases cannot apply (the plugin claims no copy operation), or `undefined`. */
  readonly noCopy: string | undefined;
  /** Whether `level` claims to detect `kind`. */
  detects(level: VerificationLevel, kind: CorruptionClass): boolean;
}

/** Resolves `options` into {@link SuiteSettings}. */
export function resolveSettings(options: PluginSuiteOptions): SuiteSettings {
  const { name, create, copy: copies, verification, skip = [], timeoutMs = 60_000 } = options;
  const count = options.resources ?? 3;
  const levels = verification?.levels ?? [];
  const detects = (level: VerificationLevel, kind: CorruptionClass): boolean => verification?.detects[level]?.includes(kind) === true;
  const noVerify = verification === undefined ? 'the plugin claims no verify operation (see optional-operations)' : undefined;
  const noCopy = copies ? undefined : 'the plugin claims no copy operation (see optional-operations)';
  return { name, create, copies, verification, count, levels, skip, timeoutMs, noVerify, noCopy, detects };
}
