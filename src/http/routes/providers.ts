/**
 * `GET /providers` and `GET /providers/{provider_id}`.
 *
 * @module
 */
import { ValidationError } from '../../core/index.js';
import { parseListQuery } from '../listing.js';
import { defineRoutes } from '../route.js';
import { providerView } from '../views.js';
import { LIST_QUERY, listReply } from './common.js';

const SHAPE = { sortKeys: { id: 'id', name: 'name' }, filters: { name: 'name', description: 'description' } } as const;

/** The provider routes. */
export const PROVIDER_ROUTES = defineRoutes([
  {
    method: 'GET',
    path: '/providers',
    action: 'provider:get_all',
    tag: 'providers',
    summary: 'List providers (filters: name, description).',
    query: [...LIST_QUERY, { name: 'name', description: 'Exact name.' }, { name: 'description', description: 'Exact description.' }],
    responseKey: 'providers',
    async handle(call) {
      const list = parseListQuery(call.query, SHAPE, call.maxLimit, call.context.isAdmin === true);
      const field = (list.sortKey ?? 'id') as 'id' | 'name';
      const direction = list.sortDir === 'desc' ? -1 : 1;
      let providers = call.service.providers
        .list()
        .filter((provider) => Object.entries(list.filters).every(([key, value]) => provider[key as 'name' | 'description'] === value))
        .sort((a, b) => direction * (a[field] < b[field] ? -1 : a[field] > b[field] ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      if (list.marker !== undefined) {
        const at = providers.findIndex((provider) => provider.id === list.marker);
        if (at < 0) throw new ValidationError(`Marker ${list.marker} names no provider`);
        providers = providers.slice(at + 1);
      }
      const page = providers.slice(0, list.limit);
      return listReply(call, 'providers', page, providerView, providers.length > list.limit ? page.at(-1)!.id : undefined);
    },
  },
  {
    method: 'GET',
    path: '/providers/:provider_id',
    action: 'provider:get',
    tag: 'providers',
    summary: 'Show a provider with its extended-info schemas (options, restore, saved info, verify, copy) and copy destinations.',
    responseKey: 'provider',
    async handle(call) {
      return { body: { provider: providerView(call.service.providers.get(call.params['provider_id']!)) } };
    },
  },
]);
