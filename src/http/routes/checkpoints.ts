/**
 * Checkpoints under a provider: list, create (protect), show, delete, reset-state, cancel a
 * running protect, and the copy action (seed 000: copy a plan's checkpoints to another bank).
 *
 * @module
 */
import { ValidationError } from '../../core/index.js';
import { parseListQuery } from '../listing.js';
import { COPY_CREATED } from '../response-schemas.js';
import { defineRoutes, type ApiCall } from '../route.js';
import { CANCEL_ACTION, CHECKPOINT_COPY, CHECKPOINT_CREATE, CHECKPOINT_RESET_STATE } from '../schemas.js';
import { checkpointView, copyView } from '../views.js';
import { LIST_QUERY, createEach, listReply, listingContext, parametersOf } from './common.js';

const SHAPE = { sortKeys: { created_at: 'createdAt' }, filters: {}, extra: ['plan_id', 'start_date', 'end_date', 'bank'] } as const;
const BASE = '/providers/:provider_id/checkpoints';

interface WireCopy {
  readonly provider_id?: string;
  readonly plan_id: string;
  readonly parameters?: Record<string, Record<string, unknown> | null>;
  readonly destination?: string;
}

const located = async (call: ApiCall) => {
  const provider = call.service.providers.get(call.params['provider_id']!);
  const bank = call.query.get('bank') || undefined;
  return call.service.checkpoints.locate(call.context, provider, call.params['checkpoint_id']!, bank);
};

/** The checkpoint routes. */
export const CHECKPOINT_ROUTES = defineRoutes([
  {
    method: 'GET',
    path: BASE,
    action: 'provider:checkpoint_get_all',
    tag: 'checkpoints',
    summary: 'List a provider\'s checkpoints, newest first, in its main bank or (with `bank`) a copy destination.',
    query: [
      ...LIST_QUERY,
      { name: 'plan_id', description: 'Only this plan\'s checkpoints.' },
      { name: 'start_date', description: 'Created on or after this day (YYYY-MM-DD).' },
      { name: 'end_date', description: 'Created on or before this day (YYYY-MM-DD).' },
      { name: 'bank', description: 'The bank to list: `main` (default) or a copy destination.' },
    ],
    responseKey: 'checkpoints',
    async handle(call) {
      const list = parseListQuery(call.query, SHAPE, call.maxLimit, call.context.isAdmin === true);
      const { context, allProjects } = listingContext(call, list);
      const bank = call.query.get('bank') || undefined;
      const optional = (name: string) => call.query.get(name) || undefined;
      const page = await call.service.checkpoints.list(context, call.params['provider_id']!, {
        limit: list.limit,
        allProjects,
        ...(list.marker ? { marker: list.marker } : {}),
        ...(list.sortDir ? { sortDir: list.sortDir } : {}),
        ...(optional('plan_id') ? { planId: optional('plan_id')! } : {}),
        ...(optional('start_date') ? { startDate: optional('start_date')! } : {}),
        ...(optional('end_date') ? { endDate: optional('end_date')! } : {}),
        ...(bank ? { bank } : {}),
      });
      return listReply(call, 'checkpoints', page.items, (checkpoint) => checkpointView(checkpoint, bank), page.nextMarker);
    },
  },
  {
    method: 'POST',
    path: BASE,
    action: 'provider:checkpoint_create',
    tag: 'checkpoints',
    summary: 'Protect a plan: answers at once with the `protecting` checkpoint; poll it until `available` or `error`.',
    body: CHECKPOINT_CREATE,
    status: 202,
    responseKey: 'checkpoint',
    async handle(call) {
      const { checkpoint } = call.body as { checkpoint: { plan_id: string; 'extra-info'?: Record<string, unknown> | null; extra_info?: Record<string, unknown> | null } };
      const extraInfo = checkpoint['extra-info'] ?? checkpoint.extra_info ?? undefined;
      const created = await call.service.checkpoints.create(call.context, call.params['provider_id']!, { planId: checkpoint.plan_id, ...(extraInfo ? { extraInfo } : {}) });
      return { status: 202, body: { checkpoint: checkpointView(created) } };
    },
  },
  {
    method: 'POST',
    path: `${BASE}/action`,
    action: 'copy:create',
    tag: 'copies',
    summary: 'Copy every available checkpoint of a plan not yet in the destination bank (the seed\'s list form or a single object); answers with the copy record(s).',
    body: CHECKPOINT_COPY,
    status: 202,
    responseKey: 'copy',
    response: COPY_CREATED,
    async handle(call) {
      const { copy } = call.body as { copy: WireCopy | WireCopy[] };
      const providerId = call.params['provider_id']!;
      const items = Array.isArray(copy) ? copy : [copy];
      for (const item of items) {
        if (item.provider_id !== undefined && item.provider_id !== providerId) {
          throw new ValidationError(`The copy names provider ${item.provider_id}, but the URL names ${providerId}`);
        }
      }
      const records = await createEach(items, (item) =>
        call.service.copies.create(call.context, {
          providerId,
          planId: item.plan_id,
          parameters: parametersOf(item.parameters),
          ...(item.destination ? { destination: item.destination } : {}),
        }),
      );
      return { status: 202, body: records.length === 1 ? { copy: copyView(records[0]!) } : { copies: records.map(copyView) } };
    },
  },
  {
    method: 'GET',
    path: `${BASE}/:checkpoint_id`,
    action: 'provider:checkpoint_get',
    tag: 'checkpoints',
    summary: 'Show a checkpoint, searched in the main bank then each copy destination (or in `bank`).',
    query: [{ name: 'bank', description: 'The bank to read: `main` or a copy destination.' }],
    responseKey: 'checkpoint',
    async handle(call) {
      const found = await located(call);
      return { body: { checkpoint: checkpointView(found.checkpoint, found.bank) } };
    },
  },
  {
    method: 'DELETE',
    path: `${BASE}/:checkpoint_id`,
    action: 'provider:checkpoint_delete',
    tag: 'checkpoints',
    summary: 'Delete an available or failed checkpoint and its backup data; answers at once (202) while the delete runs.',
    query: [{ name: 'bank', description: 'The bank holding the checkpoint: `main` or a copy destination.' }],
    status: 202,
    responseKey: 'checkpoint',
    async handle(call) {
      const bank = call.query.get('bank') || undefined;
      const checkpoint = await call.service.checkpoints.delete(call.context, call.params['provider_id']!, call.params['checkpoint_id']!, bank);
      return { status: 202, body: { checkpoint: checkpointView(checkpoint, bank) } };
    },
  },
  {
    method: 'PUT',
    path: `${BASE}/:checkpoint_id`,
    action: 'provider:checkpoint_update',
    tag: 'checkpoints',
    summary: 'Reset a checkpoint\'s state to available or error (`os-resetState`).',
    body: CHECKPOINT_RESET_STATE,
    responseKey: 'checkpoint',
    async handle(call) {
      const { 'os-resetState': reset } = call.body as { 'os-resetState': { state: 'available' | 'error' } };
      const bank = call.query.get('bank') || undefined;
      const checkpoint = await call.service.checkpoints.resetState(call.context, call.params['provider_id']!, call.params['checkpoint_id']!, reset.state, bank);
      return { body: { checkpoint: checkpointView(checkpoint, bank) } };
    },
  },
  {
    method: 'POST',
    path: `${BASE}/:checkpoint_id/action`,
    action: 'provider:checkpoint_update',
    tag: 'checkpoints',
    summary: 'Cancel a running protect (`{"cancel": {}}`): its revert runs and the checkpoint ends in error.',
    body: CANCEL_ACTION,
    responseKey: 'checkpoint',
    async handle(call) {
      const checkpoint = await call.service.checkpoints.cancel(call.context, call.params['provider_id']!, call.params['checkpoint_id']!);
      return { body: { checkpoint: checkpointView(checkpoint) } };
    },
  },
]);
