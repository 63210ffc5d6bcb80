/**
 * Kits for vendors and integrators: conformance suites their plugins and bank drivers run.
 *
 * @module
 */
export {};
