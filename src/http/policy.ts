/**
 * Authorisation: one rule per API action, in the oslo.policy language Karbor's operators know
 * (`rule:admin_or_owner`, `role:admin`, `project_id:%(project_id)s`, `@`, `!`, `and`, `or`,
 * `not`, parentheses). The defaults are Karbor's: everything is `admin_or_owner` except listing
 * and updating services and updating or deleting quotas and quota classes, which are admin-only.
 * Operators override any rule by configuration.
 *
 * @module
 */
import { ValidationError } from '../core/index.js';

/** Who asks, as policy rules see it. */
export interface PolicyCredentials {
  /** The token's user. */
  readonly userId: string;
  /** The token's project. */
  readonly projectId: string;
  /** The token's roles. */
  readonly roles: readonly string[];
  /** Whether the roles make the caller an admin. */
  readonly isAdmin: boolean;
}

/** What is acted on, as policy rules see it (`%(project_id)s` reads `projectId`). */
export interface PolicyTarget {
  /** The project the request acts in (the URL's). */
  readonly projectId: string;
}

/** Karbor's base rules and per-action defaults. */
export const DEFAULT_POLICY: Readonly<Record<string, string>> = {
  admin_or_owner: 'is_admin:True or project_id:%(project_id)s',
  admin_api: 'is_admin:True',
  default: 'rule:admin_or_owner',
  'service:get_all': 'rule:admin_api',
  'service:update': 'rule:admin_api',
  'quota:update': 'rule:admin_api',
  'quota:delete': 'rule:admin_api',
  'quota_class:update': 'rule:admin_api',
};

type Check = (credentials: PolicyCredentials, target: PolicyTarget, depth: number) => boolean;

/** Rules compiled once; {@link Policy.allows} decides an action. */
export class Policy {
  readonly #rules = new Map<string, Check>();

  /** Compiles the defaults overlaid with `overrides`; a rule that does not parse is `KTS_ERR_INVALID_OPTION`. */
  constructor(overrides: Readonly<Record<string, string>> = {}) {
    for (const [name, text] of Object.entries({ ...DEFAULT_POLICY, ...overrides })) {
      this.#rules.set(name, parseRule(text, name, this.#rules));
    }
  }

  /** Whether `action` is allowed; an action without a rule falls back to the `default` rule. */
  allows(action: string, credentials: PolicyCredentials, target: PolicyTarget): boolean {
    const check = this.#rules.get(action) ?? this.#rules.get('default');
    return check ? check(credentials, target, 0) : false;
  }
}

const TOKEN = /\s*(\(|\)|(?:%\(\w+\)s|[^\s()])+)/y;

function parseRule(text: string, name: string, rules: ReadonlyMap<string, Check>): Check {
  const tokens: string[] = [];
  let end = 0;
  TOKEN.lastIndex = 0;
  for (let match = TOKEN.exec(text); match; match = TOKEN.exec(text)) {
    tokens.push(match[1]!);
    end = TOKEN.lastIndex;
  }
  if (text.slice(end).trim() !== '') throw invalid(name, text);
  if (tokens.length === 0) return () => true; // oslo.policy: an empty rule allows.
  let at = 0;
  const peek = (): string | undefined => tokens[at]?.toLowerCase();
  const orExpr = (): Check => {
    const parts = [andExpr()];
    while (peek() === 'or') (at++, parts.push(andExpr()));
    return parts.length === 1 ? parts[0]! : (c, t, d) => parts.some((part) => part(c, t, d));
  };
  const andExpr = (): Check => {
    const parts = [notExpr()];
    while (peek() === 'and') (at++, parts.push(notExpr()));
    return parts.length === 1 ? parts[0]! : (c, t, d) => parts.every((part) => part(c, t, d));
  };
  const notExpr = (): Check => {
    if (peek() === 'not') {
      at++;
      const inner = notExpr();
      return (c, t, d) => !inner(c, t, d);
    }
    if (peek() === '(') {
      at++;
      const inner = orExpr();
      if (tokens[at++] !== ')') throw invalid(name, text);
      return inner;
    }
    const atom = tokens[at++];
    if (atom === undefined) throw invalid(name, text);
    return atomCheck(atom, name, text, rules);
  };
  const check = orExpr();
  if (at !== tokens.length) throw invalid(name, text);
  return check;
}

function atomCheck(atom: string, name: string, text: string, rules: ReadonlyMap<string, Check>): Check {
  if (atom === '@') return () => true;
  if (atom === '!') return () => false;
  const colon = atom.indexOf(':');
  if (colon <= 0) throw invalid(name, text);
  const kind = atom.slice(0, colon);
  const value = atom.slice(colon + 1);
  switch (kind) {
    case 'rule':
      return (c, t, d) => {
        const rule = rules.get(value);
        if (!rule || d > 20) return false;
        return rule(c, t, d + 1);
      };
    case 'role':
      return (c) => c.roles.some((role) => role.toLowerCase() === value.toLowerCase());
    case 'is_admin':
      return (c) => String(c.isAdmin).toLowerCase() === value.toLowerCase();
    default: {
      // `<credential field>:<literal or %(target field)s>`, e.g. project_id:%(project_id)s.
      const field = credentialField(kind);
      if (!field) throw invalid(name, text);
      const reference = /^%\((\w+)\)s$/.exec(value)?.[1];
      return (c, t) => {
        const expected = reference === undefined ? value : targetField(t, reference);
        return expected !== undefined && c[field] === expected;
      };
    }
  }
}

function credentialField(kind: string): 'projectId' | 'userId' | undefined {
  return kind === 'project_id' || kind === 'tenant' ? 'projectId' : kind === 'user_id' ? 'userId' : undefined;
}

function targetField(target: PolicyTarget, name: string): string | undefined {
  return name === 'project_id' || name === 'tenant_id' ? target.projectId : undefined;
}

function invalid(name: string, text: string): ValidationError {
  return new ValidationError(`Policy rule ${name} does not parse: ${JSON.stringify(text)}`, { code: 'KTS_ERR_INVALID_OPTION' });
}
