/**
 * karbor-ts: a framework for OpenStack-Karbor-style data protection. Vendors write protection
 * plugins (protect, restore, delete, and optionally verify and copy); integrators run them
 * through flows over a resource graph, with banks holding checkpoints and backup data.
 *
 * Subpaths: `karbor-ts/flow` (the flow runner), `karbor-ts/testing` (conformance kits).
 *
 * @module
 */
export * from './core/index.js';
export { createFramework, Tokens, type Closeable, type Framework, type FrameworkOptions, type FlowDefaults } from './framework.js';
