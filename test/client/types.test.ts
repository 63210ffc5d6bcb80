/**
 * The client's types stay tied to the server: list filters are the ones the routes document,
 * and request and response types are the server's schemas (checked at compile time here by
 * `tsc --noEmit`: each `@ts-expect-error` line must fail to type-check).
 */
import { describe, expect, it } from 'vitest';
import { LIST_FILTERS, type CopyRequest, type PlanCreateRequest, type QuotaLimits, type VerificationRequest, type VerificationView } from '../../src/client/index.js';
import { API_ROUTES } from '../../src/http/routes/index.js';

const PAGING = ['marker', 'limit', 'sort', 'all_tenants'];

describe('client types', () => {
  it('list filters are exactly the filters each list route documents', () => {
    const paths: Record<keyof typeof LIST_FILTERS, string> = {
      providers: '/providers',
      plans: '/plans',
      checkpoints: '/providers/:provider_id/checkpoints',
      restores: '/restores',
      verifications: '/verifications',
      copies: '/copies',
      operation_logs: '/operation_logs',
    };
    for (const [collection, path] of Object.entries(paths) as [keyof typeof LIST_FILTERS, string][]) {
      const route = API_ROUTES.find((candidate) => candidate.method === 'GET' && candidate.path === path)!;
      const documented = (route.query ?? []).map((parameter) => parameter.name).filter((name) => !PAGING.includes(name));
      expect([...LIST_FILTERS[collection]].sort(), collection).toEqual(documented.sort());
    }
  });

  it('request and response types come from the schemas (compile-time checks)', () => {
    const plan: PlanCreateRequest = { name: 'p', provider_id: 'x', resources: [{ id: 'a', type: 'T', name: 'a' }] };
    // @ts-expect-error a plan needs resources (PLAN_CREATE's required)
    const noResources: PlanCreateRequest = { name: 'p', provider_id: 'x' };
    // @ts-expect-error only the levels of VERIFICATION_ITEM's enum
    const badLevel: VerificationRequest = { provider_id: 'p', checkpoint_id: 'c', level: 'deep' };
    // @ts-expect-error no properties beyond COPY_ITEM's (additionalProperties: false)
    const extra: CopyRequest = { plan_id: 'p', target: 'b' };
    // @ts-expect-error quota limits are numbers
    const limits: QuotaLimits = { plans: '3' };
    const status: VerificationView['status'] = 'success';
    // @ts-expect-error a verification's statuses are the core vocabulary's
    const badStatus: VerificationView['status'] = 'available';
    expect([plan, noResources, badLevel, extra, limits, status, badStatus]).toHaveLength(7);
  });
});
