/**
 * Plans: list, create, show, update, delete.
 *
 * @module
 */
import type { Resource } from '../../core/index.js';
import { parseListQuery } from '../listing.js';
import { defineRoutes } from '../route.js';
import { PLAN_CREATE, PLAN_UPDATE } from '../schemas.js';
import { planView } from '../views.js';
import { LIST_QUERY, listReply, listingContext, parametersOf, storeQuery } from './common.js';

const SHAPE = {
  sortKeys: { id: 'id', name: 'name', status: 'status', created_at: 'createdAt', updated_at: 'updatedAt' },
  filters: { name: 'name', status: 'status', provider_id: 'providerId', description: 'description' },
} as const;

interface WireResource {
  readonly id: string;
  readonly type: string;
  readonly name: string;
  readonly extra_info?: Record<string, unknown> | null;
}

interface WirePlan {
  readonly name?: string;
  readonly description?: string | null;
  readonly provider_id?: string;
  readonly status?: 'suspended' | 'started';
  readonly resources?: readonly WireResource[];
  readonly parameters?: Record<string, Record<string, unknown> | null>;
}

const toResource = (wire: WireResource): Resource => ({ id: wire.id, type: wire.type, name: wire.name, ...(wire.extra_info ? { extraInfo: wire.extra_info } : {}) });

/** The plan routes. */
export const PLAN_ROUTES = defineRoutes([
  {
    method: 'GET',
    path: '/plans',
    action: 'plan:get_all',
    tag: 'plans',
    summary: 'List plans (filters: name, status, provider_id, description).',
    query: [...LIST_QUERY, ...Object.keys(SHAPE.filters).map((name) => ({ name, description: `Exact ${name}.` }))],
    responseKey: 'plans',
    async handle(call) {
      const list = parseListQuery(call.query, SHAPE, call.maxLimit, call.context.isAdmin === true);
      const { context, allProjects } = listingContext(call, list);
      const page = await call.service.plans.list(context, storeQuery(list, allProjects));
      return listReply(call, 'plans', page.items, planView, page.nextMarker);
    },
  },
  {
    method: 'POST',
    path: '/plans',
    action: 'plan:create',
    tag: 'plans',
    summary: 'Create a plan (status suspended); parameters are checked against each plugin\'s options schema.',
    body: PLAN_CREATE,
    status: 201,
    responseKey: 'plan',
    async handle(call) {
      const { plan } = call.body as { plan: WirePlan };
      const created = await call.service.plans.create(call.context, {
        name: plan.name!,
        providerId: plan.provider_id!,
        resources: plan.resources!.map(toResource),
        parameters: parametersOf(plan.parameters),
        ...(plan.description ? { description: plan.description } : {}),
      });
      return { status: 201, body: { plan: planView(created) } };
    },
  },
  {
    method: 'GET',
    path: '/plans/:plan_id',
    action: 'plan:get',
    tag: 'plans',
    summary: 'Show a plan.',
    responseKey: 'plan',
    async handle(call) {
      return { body: { plan: planView(await call.service.plans.get(call.context, call.params['plan_id']!)) } };
    },
  },
  {
    method: 'PUT',
    path: '/plans/:plan_id',
    action: 'plan:update',
    tag: 'plans',
    summary: 'Update a plan; resources and parameters only while it is suspended.',
    body: PLAN_UPDATE,
    responseKey: 'plan',
    async handle(call) {
      const { plan } = call.body as { plan: WirePlan };
      const updated = await call.service.plans.update(call.context, call.params['plan_id']!, {
        ...(plan.name !== undefined ? { name: plan.name } : {}),
        ...(plan.description !== undefined ? { description: plan.description ?? '' } : {}),
        ...(plan.status !== undefined ? { status: plan.status } : {}),
        ...(plan.resources !== undefined ? { resources: plan.resources.map(toResource) } : {}),
        ...(plan.parameters !== undefined ? { parameters: parametersOf(plan.parameters) } : {}),
      });
      return { body: { plan: planView(updated) } };
    },
  },
  {
    method: 'DELETE',
    path: '/plans/:plan_id',
    action: 'plan:delete',
    tag: 'plans',
    summary: 'Delete a plan (its checkpoints keep their snapshot of it).',
    status: 204,
    async handle(call) {
      await call.service.plans.delete(call.context, call.params['plan_id']!);
      return { status: 204 };
    },
  },
]);
