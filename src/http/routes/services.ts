/**
 * The protection-service nodes (`os-services`): list with liveness, enable and disable
 * (a disabled node takes no new long work). Admin-only by default policy.
 *
 * @module
 */
import { ValidationError } from '../../core/index.js';
import { defineRoutes } from '../route.js';
import { SERVICE_UPDATE } from '../schemas.js';
import { serviceView } from '../views.js';

/** The service routes. */
export const SERVICE_ROUTES = defineRoutes([
  {
    method: 'GET',
    path: '/os-services',
    action: 'service:get_all',
    tag: 'services',
    summary: 'List the protection-service nodes: enabled or disabled, up or down (from their liveness lease).',
    query: [
      { name: 'host', description: 'Only this host.' },
      { name: 'binary', description: 'Only this binary (karbor-protection).' },
    ],
    responseKey: 'services',
    async handle(call) {
      for (const key of call.query.keys()) {
        if (key !== 'host' && key !== 'binary') throw new ValidationError(`Unknown query parameter ${JSON.stringify(key)}; os-services accepts host, binary`);
      }
      const host = call.query.get('host') || undefined;
      const binary = call.query.get('binary') || undefined;
      const services = await call.service.services.list(call.context, { ...(host ? { host } : {}), ...(binary ? { binary } : {}) });
      return { body: { services: services.map(serviceView) } };
    },
  },
  {
    method: 'PUT',
    path: '/os-services/:service_id',
    action: 'service:update',
    tag: 'services',
    summary: 'Enable or disable a node (`{"status": "disabled", "disabled_reason": "…"}`).',
    body: SERVICE_UPDATE,
    responseKey: 'service',
    async handle(call) {
      const idText = call.params['service_id']!;
      if (!/^\d{1,9}$/.test(idText)) throw new ValidationError(`Invalid service id ${JSON.stringify(idText)}: expected an integer`);
      const { status, disabled_reason: reason } = call.body as { status: 'enabled' | 'disabled'; disabled_reason?: string | null };
      const updated = await call.service.services.update(call.context, Number(idText), { status, ...(reason ? { disabledReason: reason } : {}) });
      return { body: { service: serviceView(updated) } };
    },
  },
]);
