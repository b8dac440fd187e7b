import { newBadRequest } from '../../api/errors';
import { auditUser } from '../../audit/event';
import type { UserInfo } from '../../authn/user';
import { forbiddenError } from '../../authz/forbidden';
import type { Attributes, Authorizer } from '../../authz/types';
import type { ErrorRenderer } from './errors';
import { userOf, type Filter } from './types';

const IMPERSONATE_USER = 'impersonate-user';
const IMPERSONATE_UID = 'impersonate-uid';
const IMPERSONATE_GROUP = 'impersonate-group';
const IMPERSONATE_EXTRA_PREFIX = 'impersonate-extra-';
const SA_PREFIX = 'system:serviceaccount:';

function values(header: string | undefined): string[] {
  if (header === undefined) return [];
  return header
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function unescapeExtraKey(key: string): string {
  try {
    return decodeURIComponent(key).toLowerCase();
  } catch {
    return key.toLowerCase();
  }
}

interface Requested {
  name?: string;
  uid?: string;
  groups: string[];
  extra: Map<string, string[]>;
}

function requested(headers: Record<string, string | undefined>): Requested | undefined {
  const extra = new Map<string, string[]>();
  for (const [h, v] of Object.entries(headers)) {
    if (h.startsWith(IMPERSONATE_EXTRA_PREFIX)) {
      extra.set(unescapeExtraKey(h.slice(IMPERSONATE_EXTRA_PREFIX.length)), values(v));
    }
  }
  const name = headers[IMPERSONATE_USER];
  const uid = headers[IMPERSONATE_UID];
  const groups = values(headers[IMPERSONATE_GROUP]);
  if (name === undefined && uid === undefined && groups.length === 0 && extra.size === 0) return undefined;
  return { name, uid, groups, extra };
}

/** Each check the impersonating user must pass: the `impersonate` verb on what they would become. */
function checks(
  req: Requested,
): Array<Omit<Attributes, 'user' | 'path' | 'isResourceRequest' | 'verb' | 'apiVersion'>> {
  const out: Array<Omit<Attributes, 'user' | 'path' | 'isResourceRequest' | 'verb' | 'apiVersion'>> = [];
  const name = req.name ?? '';
  if (name.startsWith(SA_PREFIX) && name.split(':').length === 4) {
    const [, , ns, sa] = name.split(':');
    out.push({ apiGroup: '', resource: 'serviceaccounts', subresource: '', namespace: ns, name: sa });
  } else {
    out.push({ apiGroup: '', resource: 'users', subresource: '', namespace: '', name });
  }
  for (const g of req.groups) out.push({ apiGroup: '', resource: 'groups', subresource: '', namespace: '', name: g });
  if (req.uid !== undefined) {
    out.push({ apiGroup: 'authentication.k8s.io', resource: 'uids', subresource: '', namespace: '', name: req.uid });
  }
  for (const [key, vals] of req.extra) {
    for (const v of vals) {
      out.push({ apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: key, namespace: '', name: v });
    }
  }
  return out;
}

function impersonatedUser(req: Requested, name: string): UserInfo {
  const groups = [...req.groups];
  if (name.startsWith(SA_PREFIX) && name.split(':').length === 4) {
    const ns = name.split(':')[2];
    for (const g of ['system:serviceaccounts', `system:serviceaccounts:${ns}`]) if (!groups.includes(g)) groups.push(g);
  }
  const implied = name === 'system:anonymous' ? 'system:unauthenticated' : 'system:authenticated';
  if (!groups.includes(implied)) groups.push(implied);
  const user: UserInfo = { name, groups };
  if (req.uid !== undefined) user.uid = req.uid;
  if (req.extra.size > 0) user.extra = Object.fromEntries(req.extra);
  return user;
}

/**
 * Upstream's WithImpersonation: Impersonate-User/-Uid/-Group/-Extra-* replace
 * the authenticated user once the `impersonate` verb allows each of them.
 */
export function withImpersonation(authorizer: Authorizer, render: ErrorRenderer): Filter {
  return (next) => async (ctx) => {
    const req = requested(ctx.req.headers);
    if (!req) return next(ctx);
    const accept = ctx.req.headers.accept;
    if (req.name === undefined || req.name === '') {
      return render(newBadRequest('requested impersonation without impersonating a user'), accept);
    }
    const actor = userOf(ctx);
    for (const c of checks(req)) {
      const attrs: Attributes = {
        ...c,
        user: actor,
        verb: 'impersonate',
        apiVersion: '',
        isResourceRequest: true,
        path: '',
      };
      const { decision, reason } = authorizer.authorize(attrs);
      if (decision !== 'allow') return render(forbiddenError(attrs, reason), accept);
    }
    ctx.user = impersonatedUser(req, req.name);
    if (ctx.audit) ctx.audit.impersonatedUser = auditUser(ctx.user);
    for (const h of Object.keys(ctx.req.headers)) if (h.startsWith('impersonate-')) delete ctx.req.headers[h];
    return next(ctx);
  };
}
