/**
 * The Karbor v1 HTTP API over a protection service: a web-standard handler
 * ({@link createKarborApi}) routed by Hono, a Node server helper ({@link serveKarborApi}),
 * token authentication (a tokens table, or Keystone v3) and Karbor's policy rules.
 *
 * @module
 */
export { createKarborApi, type KarborApi, type KarborApiEnv, type KarborApiOptions } from './app.js';
export { serveKarborApi, type RunningServer, type ServeOptions } from './node.js';
export { createTokenTable, type Authenticator, type Identity, type TokenEntry, type TokenTable } from './auth.js';
export { createKeystoneAuthenticator, type KeystoneAuthenticatorOptions } from './keystone.js';
export { DEFAULT_POLICY, Policy, type PolicyCredentials, type PolicyTarget } from './policy.js';
export { faultName, statusOf, toFault, type FaultBody } from './faults.js';
export { parsePythonLiteral } from './python-literal.js';
export type { ApiCall, ApiMethod, ApiReply, ApiRoute, QueryParameter } from './route.js';
