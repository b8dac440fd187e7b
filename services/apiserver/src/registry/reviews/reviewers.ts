import { newBadRequest, newInternalError, type FieldError } from '../../api/errors';
import { isPlainObject, type KubeObject } from '../../api/object';
import type { UserInfo } from '../../authn/user';
import { reviewToken } from '../../authn/token-review';
import type { Attributes } from '../../authz/types';
import type { SecurityServices } from '../security';
import type { WriteContext } from '../strategy';

type Obj = Record<string, unknown>;

function specOf(obj: KubeObject): Obj {
  return isPlainObject(obj.spec) ? obj.spec : {};
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function extraOf(v: unknown): Record<string, string[]> | undefined {
  if (!isPlainObject(v)) return undefined;
  const out: Record<string, string[]> = {};
  for (const [k, vals] of Object.entries(v)) out[k] = strings(vals);
  return Object.keys(out).length > 0 ? out : undefined;
}

function requester(ctx: WriteContext): UserInfo {
  if (!ctx.user) throw newInternalError('no user on the request');
  return ctx.user;
}

function userInfoJson(u: UserInfo): Obj {
  const out: Obj = { username: u.name };
  if (u.uid) out.uid = u.uid;
  if (u.groups.length > 0) out.groups = u.groups;
  if (u.extra && Object.keys(u.extra).length > 0) out.extra = u.extra;
  return out;
}

/** TokenReview: the token checked by the server's own authenticator, the outcome in status. */
export function tokenReviewer(security: SecurityServices) {
  return async (obj: KubeObject): Promise<KubeObject> => {
    const spec = specOf(obj);
    if (!security.authenticator) throw newInternalError('no authenticator');
    const auds = strings(spec.audiences);
    const out = await reviewToken(
      security.authenticator,
      str(spec.token),
      auds.length > 0 ? auds : undefined,
      security.apiAudiences,
    );
    if (out.kind === 'badRequest') throw newBadRequest(out.message);
    if (out.kind === 'internalError') throw newInternalError(out.message);
    return { ...obj, status: out.status };
  };
}

/** SelfSubjectReview (kubectl auth whoami): who the server thinks is asking. */
export function selfSubjectReviewer() {
  return (obj: KubeObject, ctx: WriteContext): KubeObject => ({
    ...obj,
    status: { userInfo: userInfoJson(requester(ctx)) },
  });
}

/** The access review spec's attributes for the given user. */
function attributesFrom(spec: Obj, user: UserInfo): Attributes {
  const ra = isPlainObject(spec.resourceAttributes) ? spec.resourceAttributes : undefined;
  const nra = isPlainObject(spec.nonResourceAttributes) ? spec.nonResourceAttributes : undefined;
  if (ra) {
    return {
      user,
      verb: str(ra.verb),
      isResourceRequest: true,
      path: '',
      apiGroup: str(ra.group),
      apiVersion: str(ra.version),
      resource: str(ra.resource),
      subresource: str(ra.subresource),
      namespace: str(ra.namespace),
      name: str(ra.name),
    };
  }
  return {
    user,
    verb: str(nra?.verb),
    isResourceRequest: false,
    path: str(nra?.path),
    apiGroup: '',
    apiVersion: '',
    resource: '',
    subresource: '',
    namespace: '',
    name: '',
  };
}

/** SubjectAccessReview and its self and local forms: the authorizer's decision in status. */
export function accessReviewer(security: SecurityServices, self: boolean) {
  return (obj: KubeObject, ctx: WriteContext): KubeObject => {
    if (!security.authorizer) throw newInternalError('no authorizer');
    const spec = specOf(obj);
    const user: UserInfo = self
      ? requester(ctx)
      : {
          name: str(spec.user),
          uid: str(spec.uid) || undefined,
          groups: strings(spec.groups),
          extra: extraOf(spec.extra),
        };
    const { decision, reason } = security.authorizer.authorize(attributesFrom(spec, user));
    const status: Obj = { allowed: decision === 'allow' };
    if (decision === 'deny') status.denied = true;
    if (reason) status.reason = reason;
    return { ...obj, status };
  };
}

/** SelfSubjectRulesReview (kubectl auth can-i --list): what the requester may do in a namespace. */
export function rulesReviewer(security: SecurityServices) {
  return (obj: KubeObject, ctx: WriteContext): KubeObject => {
    if (!security.authorizer) throw newInternalError('no authorizer');
    const r = security.authorizer.rulesFor(requester(ctx), str(specOf(obj).namespace));
    const status: Obj = {
      resourceRules: r.resourceRules,
      nonResourceRules: r.nonResourceRules,
      incomplete: r.incomplete,
    };
    if (r.evaluationError) status.evaluationError = r.evaluationError;
    return { ...obj, status };
  };
}

const invalid = (field: string, value: string, detail: string): FieldError => ({
  type: 'FieldValueInvalid',
  field,
  message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
});

function exactlyOneAttributes(spec: Obj): FieldError[] {
  const hasRa = isPlainObject(spec.resourceAttributes);
  const hasNra = isPlainObject(spec.nonResourceAttributes);
  if (hasRa === hasNra) {
    return [
      {
        type: 'FieldValueInvalid',
        field: 'spec.resourceAttributes',
        message: `Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified`,
      },
    ];
  }
  return [];
}

/** Upstream's ValidateSubjectAccessReview and friends. */
export function validateAccessReview(kind: 'SubjectAccessReview' | 'Self' | 'Local', obj: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const errs = exactlyOneAttributes(spec);
  if (kind === 'SubjectAccessReview' && str(spec.user) === '' && strings(spec.groups).length === 0) {
    errs.push(invalid('spec.user', '', 'at least one of user or group must be specified'));
  }
  if (kind === 'Local') {
    const ra = isPlainObject(spec.resourceAttributes) ? spec.resourceAttributes : undefined;
    if (isPlainObject(spec.nonResourceAttributes)) {
      errs.push(invalid('spec.nonResourceAttributes', '', 'disallowed on this kind of request'));
    }
    const ns = obj.metadata?.namespace ?? '';
    if (ra && str(ra.namespace) !== ns) {
      errs.push(invalid('spec.resourceAttributes.namespace', str(ra.namespace), 'must match metadata.namespace'));
    }
  }
  return errs;
}
