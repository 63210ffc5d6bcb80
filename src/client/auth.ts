/**
 * How the client authenticates: a static token (`X-Auth-Token`), or Keystone v3 — a password
 * (or token) login scoped to a project, whose token is renewed once when the API answers 401
 * and whose catalog gives the API's URL (`data-protect`) when none is configured. The Keystone
 * session is the one of `src/clients` ({@link KeystoneLogin} builds it); any object with the
 * same `token`/`renew`/`endpointUrl` methods ({@link TokenSource}) works too.
 *
 * @module
 */
import { ValidationError } from '../core/errors.js';

/** A token and the project it is scoped to. */
export interface SourcedToken {
  /** The token, sent as `X-Auth-Token`. */
  readonly id: string;
  /** The project the token is scoped to, when known. */
  readonly projectId?: string;
}

/** Where tokens come from: a Keystone session, or anything with the same methods. */
export interface TokenSource {
  /** A valid token (cached until it is about to expire). */
  token(signal?: AbortSignal): Promise<SourcedToken>;
  /** Gets a new token because `staleToken` was refused (401); absent when tokens cannot change. */
  renew?(staleToken: string, signal?: AbortSignal): Promise<unknown>;
  /** The URL of a service from the token's catalog (with `$(project_id)s` filled in). */
  endpointUrl?(selector: { readonly type: string; readonly region?: string; readonly interface?: 'public' | 'internal' | 'admin' }, signal?: AbortSignal): Promise<string>;
}

/** Keystone v3 credentials for the client (the `OS_*` variables of an openrc file). */
export interface KeystoneLogin {
  /** The identity endpoint (`OS_AUTH_URL`), e.g. `https://keystone:5000/v3`. */
  readonly authUrl: string;
  /** The user's name (`OS_USERNAME`). */
  readonly username?: string;
  /** The user's id (`OS_USER_ID`), instead of the name. */
  readonly userId?: string;
  /** The password (`OS_PASSWORD`). */
  readonly password?: string;
  /** An existing token to exchange for a project-scoped one, instead of a password. */
  readonly token?: string;
  /** The user's domain by name (`OS_USER_DOMAIN_NAME`). @default 'Default' */
  readonly userDomainName?: string;
  /** The user's domain by id (`OS_USER_DOMAIN_ID`). */
  readonly userDomainId?: string;
  /** The project by name (`OS_PROJECT_NAME`). */
  readonly projectName?: string;
  /** The project by id (`OS_PROJECT_ID`). */
  readonly projectId?: string;
  /** The project's domain by name (`OS_PROJECT_DOMAIN_NAME`). @default the user's domain */
  readonly projectDomainName?: string;
  /** The project's domain by id (`OS_PROJECT_DOMAIN_ID`). */
  readonly projectDomainId?: string;
  /** The catalog region (`OS_REGION_NAME`). */
  readonly region?: string;
  /** The catalog interface (`OS_INTERFACE`). @default 'public' */
  readonly interface?: 'public' | 'internal' | 'admin';
  /** Per-request timeout of the Keystone calls, in ms. @default 60000 */
  readonly timeoutMs?: number;
}

/** A {@link TokenSource} for `login`: a Keystone v3 session of `src/clients`, loaded on first use. */
export async function keystoneTokenSource(login: KeystoneLogin): Promise<TokenSource> {
  if (!/^https?:\/\//.test(login.authUrl ?? '')) {
    throw new ValidationError(`Invalid Keystone auth URL ${JSON.stringify(login.authUrl)}`, { code: 'KTS_ERR_INVALID_OPTION' });
  }
  if (login.token === undefined && (login.password === undefined || (login.username === undefined && login.userId === undefined))) {
    throw new ValidationError('Keystone authentication needs a username (or user id) and a password, or a token', { code: 'KTS_ERR_INVALID_OPTION' });
  }
  const { KeystoneSession } = await import('../clients/index.js');
  const auth =
    login.token !== undefined
      ? ({ method: 'token', token: login.token } as const)
      : ({
          method: 'password',
          password: login.password!,
          ...(login.userId !== undefined ? { userId: login.userId } : { username: login.username! }),
          ...(login.userDomainId !== undefined ? { userDomainId: login.userDomainId } : {}),
          ...(login.userDomainName !== undefined ? { userDomainName: login.userDomainName } : {}),
        } as const);
  const scope =
    login.projectId !== undefined
      ? { projectId: login.projectId }
      : login.projectName !== undefined
        ? {
            projectName: login.projectName,
            ...(login.projectDomainName !== undefined ? { projectDomainName: login.projectDomainName } : {}),
            ...(login.projectDomainId !== undefined ? { projectDomainId: login.projectDomainId } : {}),
          }
        : undefined;
  return new KeystoneSession({
    authUrl: login.authUrl,
    auth,
    ...(scope ? { scope } : {}),
    ...(login.region !== undefined ? { region: login.region } : {}),
    ...(login.interface !== undefined ? { interface: login.interface } : {}),
    ...(login.timeoutMs !== undefined ? { timeoutMs: login.timeoutMs } : {}),
  });
}
