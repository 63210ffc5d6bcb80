/**
 * Restores: create, list, show, cancel.
 *
 * @module
 */
import { defineRoutes } from '../route.js';
import { RESTORE_CREATE } from '../schemas.js';
import { restoreView } from '../views.js';
import { parametersOf } from './common.js';
import { RUN_SORT_KEYS, recordRoutes } from './records.js';

interface WireRestore {
  readonly provider_id: string;
  readonly checkpoint_id: string;
  readonly parameters?: Record<string, Record<string, unknown> | null>;
  readonly restore_target?: string | null;
  readonly bank?: string;
}

/** The restore routes. */
export const RESTORE_ROUTES = defineRoutes([
  {
    method: 'POST',
    path: '/restores',
    action: 'restore:create',
    tag: 'restores',
    summary: 'Restore from an available checkpoint (main bank or a copy): answers at once with the `in_progress` record. `restore_auth` is accepted and never stored or echoed.',
    body: RESTORE_CREATE,
    status: 202,
    responseKey: 'restore',
    async handle(call) {
      const { restore } = call.body as { restore: WireRestore };
      const record = await call.service.restores.create(call.context, {
        providerId: restore.provider_id,
        checkpointId: restore.checkpoint_id,
        parameters: parametersOf(restore.parameters),
        ...(restore.restore_target ? { restoreTarget: restore.restore_target } : {}),
        ...(restore.bank ? { bank: restore.bank } : {}),
      });
      return { status: 202, body: { restore: restoreView(record) } };
    },
  },
  ...recordRoutes({
    collection: 'restores',
    single: 'restore',
    service: (service) => service.restores,
    view: restoreView,
    shape: { sortKeys: RUN_SORT_KEYS, filters: { status: 'status', provider_id: 'providerId', checkpoint_id: 'checkpointId' } },
  }),
]);
