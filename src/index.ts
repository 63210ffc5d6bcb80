/**
 * karbor-ts: a framework for OpenStack-Karbor-style data protection.
 *
 * @module
 */
export {};
