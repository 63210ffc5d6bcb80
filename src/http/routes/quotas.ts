/**
 * Quotas (per project) and quota classes: show, detail (limit, in use, reserved), defaults,
 * update and delete (admin-only by default policy).
 *
 * @module
 */
import { QUOTA_DETAIL_VIEW, quotaUpdatedBody, singleBody } from '../response-schemas.js';
import { defineRoutes } from '../route.js';
import { QUOTA_CLASS_UPDATE, QUOTA_UPDATE } from '../schemas.js';
import { quotaDetailView, quotaLimitsView, quotaView } from '../views.js';

const TARGET = 'target_project_id';
type Limits = { readonly plans?: number; readonly checkpoints?: number };

/** The quota routes. */
export const QUOTA_ROUTES = defineRoutes([
  {
    method: 'GET',
    path: `/quotas/:${TARGET}`,
    action: 'quota:get',
    tag: 'quotas',
    summary: 'Show a project\'s effective quotas (-1 is unlimited).',
    responseKey: 'quota',
    async handle(call) {
      const project = call.params[TARGET]!;
      return { body: { quota: quotaView(project, await call.service.quotas.get(call.context, project)) } };
    },
  },
  {
    method: 'GET',
    path: `/quotas/:${TARGET}/detail`,
    action: 'quota:get',
    tag: 'quotas',
    summary: 'Show a project\'s quotas with what is in use.',
    responseKey: 'quota',
    response: singleBody('quota', QUOTA_DETAIL_VIEW),
    async handle(call) {
      const project = call.params[TARGET]!;
      return { body: { quota: quotaDetailView(project, await call.service.quotas.detail(call.context, project)) } };
    },
  },
  {
    method: 'GET',
    path: `/quotas/:${TARGET}/defaults`,
    action: 'quota:get_default',
    tag: 'quotas',
    summary: 'Show the default quotas (the `default` class over the built-in defaults).',
    responseKey: 'quota',
    async handle(call) {
      return { body: { quota: quotaView(call.params[TARGET]!, await call.service.quotas.defaults(call.context)) } };
    },
  },
  {
    method: 'PUT',
    path: `/quotas/:${TARGET}`,
    action: 'quota:update',
    tag: 'quotas',
    summary: 'Set a project\'s quotas (integers, -1 for unlimited).',
    body: QUOTA_UPDATE,
    responseKey: 'quota',
    response: quotaUpdatedBody('quota'),
    async handle(call) {
      const { quota } = call.body as { quota: Limits };
      return { body: { quota: quotaLimitsView(await call.service.quotas.update(call.context, call.params[TARGET]!, quota)) } };
    },
  },
  {
    method: 'DELETE',
    path: `/quotas/:${TARGET}`,
    action: 'quota:delete',
    tag: 'quotas',
    summary: 'Reset a project\'s quotas to the defaults.',
    status: 204,
    async handle(call) {
      await call.service.quotas.delete(call.context, call.params[TARGET]!);
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    path: '/quota_classes/:class_name',
    action: 'quota_class:get',
    tag: 'quotas',
    summary: 'Show a quota class (`default` holds the defaults).',
    responseKey: 'quota_class',
    async handle(call) {
      const name = call.params['class_name']!;
      return { body: { quota_class: quotaView(name, await call.service.quotas.getClass(call.context, name)) } };
    },
  },
  {
    method: 'PUT',
    path: '/quota_classes/:class_name',
    action: 'quota_class:update',
    tag: 'quotas',
    summary: 'Set a quota class\'s limits.',
    body: QUOTA_CLASS_UPDATE,
    responseKey: 'quota_class',
    response: quotaUpdatedBody('quota_class'),
    async handle(call) {
      const { quota_class: limits } = call.body as { quota_class: Limits };
      return { body: { quota_class: quotaLimitsView(await call.service.quotas.updateClass(call.context, call.params['class_name']!, limits)) } };
    },
  },
]);
