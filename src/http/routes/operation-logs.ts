/**
 * Operation logs: list and show. One log per flow run (protect, restore, delete, verify, copy),
 * linked by id to its checkpoint, restore, verification or copy.
 *
 * @module
 */
import { parseListQuery } from '../listing.js';
import { defineRoutes } from '../route.js';
import { operationLogView } from '../views.js';
import { LIST_QUERY, listReply, listingContext, storeQuery } from './common.js';

const FILTERS = {
  status: 'status',
  operation_type: 'operationType',
  provider_id: 'providerId',
  checkpoint_id: 'checkpointId',
  plan_id: 'planId',
  restore_id: 'restoreId',
  verification_id: 'verificationId',
  copy_id: 'copyId',
} as const;
const SHAPE = { sortKeys: { id: 'id', status: 'status', created_at: 'createdAt', updated_at: 'updatedAt' }, filters: FILTERS } as const;

/** The operation-log routes. */
export const OPERATION_LOG_ROUTES = defineRoutes([
  {
    method: 'GET',
    path: '/operation_logs',
    action: 'operation_log:list',
    tag: 'operation_logs',
    summary: `List operation logs (filters: ${Object.keys(FILTERS).join(', ')}), newest first.`,
    query: [...LIST_QUERY, ...Object.keys(FILTERS).map((name) => ({ name, description: `Exact ${name}.` }))],
    responseKey: 'operation_logs',
    async handle(call) {
      const list = parseListQuery(call.query, SHAPE, call.maxLimit, call.context.isAdmin === true);
      const { context, allProjects } = listingContext(call, list);
      const page = await call.service.operationLogs.list(context, storeQuery(list, allProjects));
      return listReply(call, 'operation_logs', page.items, operationLogView, page.nextMarker);
    },
  },
  {
    method: 'GET',
    path: '/operation_logs/:operation_log_id',
    action: 'operation_log:get',
    tag: 'operation_logs',
    summary: 'Show an operation log.',
    responseKey: 'operation_log',
    async handle(call) {
      return { body: { operation_log: operationLogView(await call.service.operationLogs.get(call.context, call.params['operation_log_id']!)) } };
    },
  },
]);
