/**
 * The route table of the Karbor v1 API, in one place.
 *
 * @module
 */
import type { ApiRoute } from '../route.js';
import { CHECKPOINT_ROUTES } from './checkpoints.js';
import { COPY_ROUTES } from './copies.js';
import { OPERATION_LOG_ROUTES } from './operation-logs.js';
import { PLAN_ROUTES } from './plans.js';
import { PROTECTABLE_ROUTES } from './protectables.js';
import { PROVIDER_ROUTES } from './providers.js';
import { QUOTA_ROUTES } from './quotas.js';
import { RESTORE_ROUTES } from './restores.js';
import { SERVICE_ROUTES } from './services.js';
import { VERIFICATION_ROUTES } from './verifications.js';

/** Every endpoint under `/v1/{project_id}`. */
export const API_ROUTES: readonly ApiRoute[] = [
  ...PROVIDER_ROUTES,
  ...CHECKPOINT_ROUTES,
  ...PLAN_ROUTES,
  ...RESTORE_ROUTES,
  ...VERIFICATION_ROUTES,
  ...COPY_ROUTES,
  ...OPERATION_LOG_ROUTES,
  ...PROTECTABLE_ROUTES,
  ...QUOTA_ROUTES,
  ...SERVICE_ROUTES,
];
