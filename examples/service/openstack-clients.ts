/**
 * The Glance and Cinder clients of the OpenStack plugins, from their configuration
 * (`openstack-schema.ts`):
 *
 * - Keystone: one session scoped to the configured project; the endpoint is the configured URL
 *   or the catalog's. One client serves every checkpoint.
 * - Trusted headers (Glance) and `noauth` (Cinder): a fixed URL; the client acts for the
 *   configured project, or — when none is configured — for each checkpoint's project (the
 *   caller's when listing), one client per project, kept.
 * - No auth (Glance): one client, no identity.
 */
import { CinderClient, GlanceClient, KeystoneSession, cinderNoAuth, staticEndpoint, trustedHeaders, type ClientOptions, type ServiceEndpoint } from 'karbor-ts/clients';
import type { CinderVolumePluginConfig, GlanceImagePluginConfig } from './openstack-schema.js';
import type { KeystoneAuthConfig } from './schema-parts.js';

/** A client for every checkpoint, or one per project. */
export type ClientSource<C> = C | ((projectId: string) => C);

/** A client per project, created on first use and kept. */
function perProject<C>(create: (projectId: string) => C): (projectId: string) => C {
  const clients = new Map<string, C>();
  return (projectId) => {
    let client = clients.get(projectId);
    if (client === undefined) clients.set(projectId, (client = create(projectId)));
    return client;
  };
}

/** A Keystone session for the configured user and project scope. */
function keystoneSession(auth: KeystoneAuthConfig, options: ClientOptions): KeystoneSession {
  return new KeystoneSession({
    ...options,
    authUrl: auth.authUrl,
    auth: {
      method: 'password',
      username: auth.username,
      password: auth.password,
      ...(auth.userDomainId === undefined ? {} : { userDomainId: auth.userDomainId }),
      ...(auth.userDomainName === undefined ? {} : { userDomainName: auth.userDomainName }),
    },
    // openStackPluginProblems (config.ts) makes sure there is a projectId or a projectName.
    scope:
      auth.projectId !== undefined
        ? { projectId: auth.projectId }
        : {
            projectName: auth.projectName!,
            ...(auth.projectDomainId === undefined ? {} : { projectDomainId: auth.projectDomainId }),
            ...(auth.projectDomainName === undefined ? {} : { projectDomainName: auth.projectDomainName }),
          },
    ...(auth.region === undefined ? {} : { region: auth.region }),
    ...(auth.interface === undefined ? {} : { interface: auth.interface }),
  });
}

function keystoneEndpoint(auth: KeystoneAuthConfig, type: string, url: string | undefined, options: ClientOptions): ServiceEndpoint {
  return keystoneSession(auth, options).endpoint({ type, ...(url === undefined ? {} : { url }) });
}

function clientOptions(requestTimeoutMs: number | undefined): ClientOptions {
  return requestTimeoutMs === undefined ? {} : { timeoutMs: requestTimeoutMs };
}

/** The Glance client(s) of a `glance-image` plugin. The configuration has been checked (an endpoint unless Keystone). */
export function glanceClients(config: GlanceImagePluginConfig): ClientSource<GlanceClient> {
  const options = clientOptions(config.requestTimeoutMs);
  const { auth } = config;
  switch (auth.type) {
    case 'keystone':
      return new GlanceClient({ ...options, endpoint: keystoneEndpoint(auth, 'image', config.endpoint, options) });
    case 'none':
      return new GlanceClient({ ...options, endpoint: staticEndpoint(config.endpoint!) });
    case 'trusted-headers': {
      const identity = { ...(auth.userId === undefined ? {} : { userId: auth.userId }), ...(auth.roles === undefined ? {} : { roles: auth.roles }) };
      const create = (projectId: string): GlanceClient =>
        new GlanceClient({ ...options, endpoint: staticEndpoint(config.endpoint!, trustedHeaders({ projectId, ...identity })) });
      return auth.projectId === undefined ? perProject(create) : create(auth.projectId);
    }
  }
}

/** The Cinder client(s) of a `cinder-volume` plugin. The configuration has been checked (an endpoint unless Keystone). */
export function cinderClients(config: CinderVolumePluginConfig): ClientSource<CinderClient> {
  const options = clientOptions(config.requestTimeoutMs);
  const { auth } = config;
  switch (auth.type) {
    case 'keystone':
      return new CinderClient({ ...options, endpoint: keystoneEndpoint(auth, 'block-storage', config.endpoint, options) });
    case 'noauth': {
      const create = (projectId: string): CinderClient =>
        new CinderClient({ ...options, endpoint: cinderNoAuth(config.endpoint!, { projectId, ...(auth.userId === undefined ? {} : { userId: auth.userId }) }) });
      return auth.projectId === undefined ? perProject(create) : create(auth.projectId);
    }
  }
}

/** How the banner describes who a plugin acts as, e.g. `trusted headers, each checkpoint's project`. */
export function describeAuth(config: GlanceImagePluginConfig | CinderVolumePluginConfig): string {
  const { auth } = config;
  switch (auth.type) {
    case 'keystone':
      return `Keystone ${auth.authUrl}, project ${auth.projectId ?? auth.projectName}`;
    case 'none':
      return 'no auth';
    case 'trusted-headers':
    case 'noauth':
      return `${auth.type === 'noauth' ? 'noauth' : 'trusted headers'}, ${auth.projectId === undefined ? "each checkpoint's project" : `project ${auth.projectId}`}`;
  }
}
