/**
 * The policy language and Karbor's defaults.
 */
import { describe, expect, it } from 'vitest';
import { Policy } from '../../src/http/index.js';

const member = { userId: 'u1', projectId: 'p1', roles: ['member'], isAdmin: false };
const admin = { userId: 'a1', projectId: 'p0', roles: ['admin'], isAdmin: true };
const own = { projectId: 'p1' };
const other = { projectId: 'p2' };

describe('Policy', () => {
  it("applies Karbor's defaults: admin_or_owner, and admin-only services and quota updates", () => {
    const policy = new Policy();
    expect(policy.allows('plan:get', member, own)).toBe(true);
    expect(policy.allows('plan:get', member, other)).toBe(false);
    expect(policy.allows('plan:get', admin, other)).toBe(true);
    expect(policy.allows('verification:create', member, own)).toBe(true);
    for (const action of ['service:get_all', 'service:update', 'quota:update', 'quota:delete', 'quota_class:update']) {
      expect(policy.allows(action, member, own), action).toBe(false);
      expect(policy.allows(action, admin, own), action).toBe(true);
    }
    expect(policy.allows('quota:get', member, own)).toBe(true);
  });

  it('lets operators override rules with and/or/not, parentheses, roles, @ and !', () => {
    const policy = new Policy({
      'plan:delete': 'role:admin or (role:owner and project_id:%(project_id)s)',
      'plan:create': 'not role:reader',
      'provider:get_all': '@',
      'copy:create': '!',
      'restore:create': 'user_id:u1',
    });
    expect(policy.allows('plan:delete', member, own)).toBe(false);
    expect(policy.allows('plan:delete', { ...member, roles: ['owner'] }, own)).toBe(true);
    expect(policy.allows('plan:delete', { ...member, roles: ['owner'] }, other)).toBe(false);
    expect(policy.allows('plan:delete', admin, other)).toBe(true);
    expect(policy.allows('plan:create', { ...member, roles: ['reader'] }, own)).toBe(false);
    expect(policy.allows('plan:create', member, other)).toBe(true);
    expect(policy.allows('provider:get_all', member, other)).toBe(true);
    expect(policy.allows('copy:create', admin, own)).toBe(false);
    expect(policy.allows('restore:create', member, other)).toBe(true);
    expect(policy.allows('restore:create', admin, own)).toBe(false);
  });

  it('falls back to the default rule for unknown actions, and denies a rule naming an unknown rule', () => {
    expect(new Policy().allows('nothing:known', member, own)).toBe(true);
    expect(new Policy().allows('nothing:known', member, other)).toBe(false);
    expect(new Policy({ 'plan:get': 'rule:missing' }).allows('plan:get', admin, own)).toBe(false);
  });

  it('refuses rules that do not parse, with KTS_ERR_INVALID_OPTION', () => {
    for (const rule of ['role:admin or', '(role:admin', 'role:admin)', 'admin', 'colour:blue', 'role:a and and role:b']) {
      expect(() => new Policy({ 'plan:get': rule }), rule).toThrow(expect.objectContaining({ code: 'KTS_ERR_INVALID_OPTION' }));
    }
  });

  it('does not loop on rules that refer to each other', () => {
    const policy = new Policy({ a: 'rule:b', b: 'rule:a', 'plan:get': 'rule:a' });
    expect(policy.allows('plan:get', admin, own)).toBe(false);
  });
});
