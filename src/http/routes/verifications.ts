/**
 * Verifications (seed 001): create (a single object or the seed's list), list, show, cancel.
 *
 * @module
 */
import { VERIFICATION_CREATED } from '../response-schemas.js';
import { defineRoutes } from '../route.js';
import { VERIFICATION_CREATE } from '../schemas.js';
import { verificationView } from '../views.js';
import { createEach, parametersOf } from './common.js';
import { RUN_SORT_KEYS, recordRoutes } from './records.js';

interface WireVerification {
  readonly provider_id: string;
  readonly checkpoint_id: string;
  readonly parameters?: Record<string, Record<string, unknown> | null>;
  readonly level?: 'presence' | 'checksum' | 'full';
  readonly bank?: string;
}

/** The verification routes. */
export const VERIFICATION_ROUTES = defineRoutes([
  {
    method: 'POST',
    path: '/verifications',
    action: 'verification:create',
    tag: 'verifications',
    summary:
      'Verify an available checkpoint resource by resource: answers at once with the `verifying` record (several records, under `verifications`, for a list of several).',
    body: VERIFICATION_CREATE,
    status: 202,
    responseKey: 'verification',
    response: VERIFICATION_CREATED,
    async handle(call) {
      const { verification } = call.body as { verification: WireVerification | WireVerification[] };
      const items = Array.isArray(verification) ? verification : [verification];
      const records = await createEach(items, (item) =>
        call.service.verifications.create(call.context, {
          providerId: item.provider_id,
          checkpointId: item.checkpoint_id,
          parameters: parametersOf(item.parameters),
          ...(item.level ? { level: item.level } : {}),
          ...(item.bank ? { bank: item.bank } : {}),
        }),
      );
      const body = records.length === 1 ? { verification: verificationView(records[0]!) } : { verifications: records.map(verificationView) };
      return { status: 202, body };
    },
  },
  ...recordRoutes({
    collection: 'verifications',
    single: 'verification',
    service: (service) => service.verifications,
    view: verificationView,
    shape: { sortKeys: RUN_SORT_KEYS, filters: { status: 'status', provider_id: 'providerId', checkpoint_id: 'checkpointId' } },
  }),
]);
