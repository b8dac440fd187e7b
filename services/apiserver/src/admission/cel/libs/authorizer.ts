import type { Environment } from '@marcbachmann/cel-js';
import type { Authorizer, UserInfo } from '../../../authz/types';

/** The request's own resource, for authorizer.requestResource. */
export interface RequestResource {
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

/** kubernetes.authorization.Decision */
export class CelDecision {
  static readonly celTypeName = 'kubernetes.authorization.Decision';
  constructor(
    readonly allowed: boolean,
    readonly reason: string,
  ) {}
}

/** kubernetes.authorization.ResourceCheck: group and resource set, the rest optional. */
export class CelResourceCheck {
  static readonly celTypeName = 'kubernetes.authorization.ResourceCheck';
  constructor(
    readonly authz: CelAuthorizer,
    readonly group: string,
    readonly resource: string,
    readonly subresource = '',
    readonly namespace = '',
    readonly name = '',
  ) {}

  with(part: Partial<Pick<CelResourceCheck, 'subresource' | 'namespace' | 'name'>>): CelResourceCheck {
    return new CelResourceCheck(
      this.authz,
      this.group,
      this.resource,
      part.subresource ?? this.subresource,
      part.namespace ?? this.namespace,
      part.name ?? this.name,
    );
  }

  check(verb: string): CelDecision {
    const r = this.authz.authorizer.authorize({
      user: this.authz.user,
      verb,
      isResourceRequest: true,
      path: '',
      apiGroup: this.group,
      apiVersion: '*',
      resource: this.resource,
      subresource: this.subresource,
      namespace: this.namespace,
      name: this.name,
    });
    return new CelDecision(r.decision === 'allow', r.reason);
  }
}

/** kubernetes.authorization.GroupCheck */
export class CelGroupCheck {
  static readonly celTypeName = 'kubernetes.authorization.GroupCheck';
  constructor(
    readonly authz: CelAuthorizer,
    readonly group: string,
  ) {}
}

/** kubernetes.authorization.PathCheck */
export class CelPathCheck {
  static readonly celTypeName = 'kubernetes.authorization.PathCheck';
  constructor(
    readonly authz: CelAuthorizer,
    readonly path: string,
  ) {}
}

/**
 * kubernetes.authorization.Authorizer: the requesting user (or a service account)
 * and the server's authorizer. `requestResource` is cel-go's
 * `authorizer.requestResource` variable, here a field of the value.
 */
export class CelAuthorizer {
  static readonly celTypeName = 'kubernetes.authorization.Authorizer';
  readonly requestResource: CelResourceCheck | null;
  constructor(
    readonly user: UserInfo,
    readonly authorizer: Authorizer,
    request?: RequestResource,
  ) {
    this.requestResource = request
      ? new CelResourceCheck(
          this,
          request.group,
          request.resource,
          request.subresource,
          request.namespace,
          request.name,
        )
      : null;
  }
}

const A = 'kubernetes.authorization.Authorizer';
const G = 'kubernetes.authorization.GroupCheck';
const R = 'kubernetes.authorization.ResourceCheck';
const P = 'kubernetes.authorization.PathCheck';
const D = 'kubernetes.authorization.Decision';

/** Kubernetes' authz library, answering from kapi's own authorizer. */
export function registerAuthorizerLibrary(env: Environment): void {
  env
    .registerType(D, CelDecision)
    .registerType(R, CelResourceCheck)
    .registerType(G, CelGroupCheck)
    .registerType(P, CelPathCheck)
    .registerType(A, { ctor: CelAuthorizer, fields: { requestResource: R } })
    .registerFunction(`${A}.group(string): ${G}`, (a: CelAuthorizer, g: string) => new CelGroupCheck(a, g))
    .registerFunction(`${A}.path(string): ${P}`, (a: CelAuthorizer, p: string) => new CelPathCheck(a, p))
    .registerFunction(`${A}.serviceAccount(string, string): ${A}`, (a: CelAuthorizer, ns: string, name: string) => {
      const user: UserInfo = {
        name: `system:serviceaccount:${ns}:${name}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`],
      };
      return new CelAuthorizer(user, a.authorizer);
    })
    .registerFunction(
      `${G}.resource(string): ${R}`,
      (g: CelGroupCheck, r: string) => new CelResourceCheck(g.authz, g.group, r),
    )
    .registerFunction(`${R}.subresource(string): ${R}`, (r: CelResourceCheck, s: string) => r.with({ subresource: s }))
    .registerFunction(`${R}.namespace(string): ${R}`, (r: CelResourceCheck, s: string) => r.with({ namespace: s }))
    .registerFunction(`${R}.name(string): ${R}`, (r: CelResourceCheck, s: string) => r.with({ name: s }))
    .registerFunction(`${R}.check(string): ${D}`, (r: CelResourceCheck, verb: string) => r.check(verb))
    .registerFunction(`${P}.check(string): ${D}`, (p: CelPathCheck, verb: string) => {
      const r = p.authz.authorizer.authorize({
        user: p.authz.user,
        verb,
        isResourceRequest: false,
        path: p.path,
        apiGroup: '',
        apiVersion: '',
        resource: '',
        subresource: '',
        namespace: '',
        name: '',
      });
      return new CelDecision(r.decision === 'allow', r.reason);
    })
    .registerFunction(`${D}.allowed(): bool`, (d: CelDecision) => d.allowed)
    .registerFunction(`${D}.reason(): string`, (d: CelDecision) => d.reason)
    .registerFunction(`${D}.errored(): bool`, () => false)
    .registerFunction(`${D}.error(): string`, () => '');
}
