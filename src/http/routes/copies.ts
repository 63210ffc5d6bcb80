/**
 * Copies (seed 000): list, show, cancel. A copy is created by the checkpoint copy action.
 *
 * @module
 */
import { copyView } from '../views.js';
import { RUN_SORT_KEYS, recordRoutes } from './records.js';

/** The copy routes. */
export const COPY_ROUTES = recordRoutes({
  collection: 'copies',
  single: 'copy',
  service: (service) => service.copies,
  view: copyView,
  shape: { sortKeys: RUN_SORT_KEYS, filters: { status: 'status', provider_id: 'providerId', plan_id: 'planId', destination: 'destination' } },
});
