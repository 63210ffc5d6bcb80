/**
 * The version documents: `GET /` answers 300 with the versions list, as OpenStack APIs do;
 * `GET /v1` describes v1.
 *
 * @module
 */

const V1 = { id: 'v1.0', status: 'CURRENT', updated: '2026-11-22T00:00:00Z', 'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.data-protect+json;version=1' }] };

/** The body of `GET /`. */
export function versionsDocument(url: URL): Record<string, unknown> {
  return { versions: [{ ...V1, links: [{ rel: 'self', href: new URL('/v1/', url).toString() }] }] };
}

/** The body of `GET /v1`. */
export function versionDocument(url: URL): Record<string, unknown> {
  return {
    version: {
      ...V1,
      links: [
        { rel: 'self', href: new URL('/v1/', url).toString() },
        { rel: 'describedby', type: 'application/json', href: new URL('/openapi.json', url).toString() },
      ],
    },
  };
}
