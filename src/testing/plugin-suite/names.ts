/**
 * The names the plugin conformance suite is organised by: its groups, and the kinds of damage
 * its `corruption` group inflicts (re-exported by `plugin-suite.ts`).
 *
 * @module
 */
import type { PluginSuiteSubject } from '../plugin-suite.js';

/** The groups of the suite, each a `describe` block. */
export const PLUGIN_TEST_GROUPS = ['claims', 'round-trip', 'optional-operations', 'corruption', 'cancellation'] as const;

/** One of {@link PLUGIN_TEST_GROUPS}. */
export type PluginTestGroup = (typeof PLUGIN_TEST_GROUPS)[number];

/**
 * The kinds of damage the `corruption` group inflicts on one object of a resource's section in
 * the main bank. "Data objects" are the section's objects that are not metadata objects (see
 * {@link PluginSuiteSubject.isMetadataObject}); the largest one is damaged.
 *
 * - `flipped-byte` — its last byte inverted at rest (bit rot); `head` still reports the recorded size and etag;
 * - `truncated` — its content cut to half at rest; `head` still reports the recorded size and etag;
 * - `deleted` — it is gone;
 * - `wrong-etag` — `head` reports an etag that is not the content's md5 (damaged metadata); the content is intact;
 * - `rewritten` — replaced by other bytes of the same size (`head`: same size, new etag);
 * - `resized` — replaced by its first half (`head`: new size, new etag);
 * - `metadata-deleted` — the first metadata object (e.g. a manifest) is gone;
 * - `metadata-corrupted` — a byte in the middle of the first metadata object inverted at rest;
 * - `misplaced` — the section holds the intact backup of the second resource (same type) instead
 *   of its own: every object replaced by the other's (a mix-up by a faulty copy or tool); the
 *   reason must name the other resource's id.
 */
export const CORRUPTION_CLASSES = ['flipped-byte', 'truncated', 'deleted', 'wrong-etag', 'rewritten', 'resized', 'metadata-deleted', 'metadata-corrupted', 'misplaced'] as const;

/** One of {@link CORRUPTION_CLASSES}. */
export type CorruptionClass = (typeof CORRUPTION_CLASSES)[number];
