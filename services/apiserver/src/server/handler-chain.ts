import type { Authenticator } from '../authn/authenticator';
import type { Authorizer } from '../authz/types';
import type { ApiRouter } from '../endpoints/router';
import type { NonResourceHandler } from './non-resource';
import type { ServerLifecycle } from './lifecycle';
import type { ErrorRenderer } from './filters/errors';
import type { Auditing } from '../audit';
import { auditFailedAuthentication, withAudit } from './filters/audit';
import { withAuditInit } from './filters/audit-init';
import { withAuthentication } from './filters/authentication';
import { withAuthorization } from './filters/authorization';
import { withDrain } from './filters/drain';
import { withImpersonation } from './filters/impersonation';
import { withGoaway } from './filters/goaway';
import { withHTTPLogging } from './filters/httplog';
import type { Logger } from '../logging/logger';
import { withPanicRecovery } from './filters/panic-recovery';
import { withRequestInfo } from './filters/request-info';
import { routeRequest } from './filters/route';
import { buildChain, type Filter, type Handler } from './filters/types';

export interface ChainDeps {
  api: ApiRouter;
  nonResource: NonResourceHandler;
  lifecycle: ServerLifecycle;
  render: ErrorRenderer;
  /** --goaway-chance */
  goawayChance: number;
  log: (line: string) => void;
  /** for httplog's per-request lines at -v=3 */
  logger?: Logger;
  authenticator: Authenticator;
  authorizer: Authorizer;
  /** undefined when no audit policy (or no audit backend) is configured */
  auditing?: Auditing;
}

/** Upstream's DefaultBuildHandlerChain, read top to bottom: each filter wraps the ones below it. */
export function buildHandlerChain(deps: ChainDeps): Handler {
  const filters: Filter[] = [
    withAuditInit(),
    withPanicRecovery(deps.render, deps.log),
    withRequestInfo(),
    withHTTPLogging(deps.logger),
    withDrain(deps.lifecycle, deps.render),
    withGoaway(deps.goawayChance, deps.lifecycle),
    withAuthentication(deps.authenticator, deps.render, deps.log, auditFailedAuthentication(deps.auditing)),
    withAudit(deps.auditing),
    withImpersonation(deps.authorizer, deps.render),
    withAuthorization(deps.authorizer, deps.render),
  ];
  return buildChain(filters, routeRequest(deps.api, deps.nonResource, deps.render, deps.auditing));
}
