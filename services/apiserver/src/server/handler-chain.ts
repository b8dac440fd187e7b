import type { AggregatorProxy } from '../aggregator/proxy';
import type { ProxySubresources } from '../proxy/subresource';
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
import { withMaxInFlightLimit } from './filters/max-in-flight';
import { withPriorityAndFairness } from './filters/priority-and-fairness';
import type { FlowControl } from '../flowcontrol/controller';
import { withGoaway } from './filters/goaway';
import { withHTTPLogging } from './filters/httplog';
import type { Logger } from '../logging/logger';
import { withPanicRecovery } from './filters/panic-recovery';
import { withRequestInfo } from './filters/request-info';
import { routeRequest } from './filters/route';
import { buildChain, type Filter, type Handler } from './filters/types';
import type { ReplicaTracing } from '../tracing/provider';
import { withTracing } from '../tracing/filter';
import { tracedAuthenticator, tracedAuthorizer } from '../tracing/decorators';

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
  /** apiserver_request_* and friends; no metrics filter without it */
  metrics?: Filter;
  /** undefined when no --tracing-config-file: the chain then has no tracing at all */
  tracing?: ReplicaTracing;
  /** API Priority and Fairness; without it, maxInFlight (when given) limits requests */
  flowControl?: FlowControl;
  /** --max-requests-inflight and --max-mutating-requests-inflight, for when APF is off */
  maxInFlight?: { readOnly: number; mutating: number };
  /** proxies the group/versions remote APIServices serve */
  aggregator?: AggregatorProxy;
  /** services/proxy, pods/proxy and nodes/proxy */
  proxySubresources?: ProxySubresources;
}

function inFlightLimit(deps: ChainDeps): Filter {
  if (deps.flowControl) return withPriorityAndFairness(deps.flowControl);
  if (deps.maxInFlight) return withMaxInFlightLimit(deps.maxInFlight.readOnly, deps.maxInFlight.mutating);
  return (next) => next;
}

/** Upstream's DefaultBuildHandlerChain, read top to bottom: each filter wraps the ones below it. */
export function buildHandlerChain(chainDeps: ChainDeps): Handler {
  const deps = chainDeps.tracing ? withTracedSecurity(chainDeps) : chainDeps;
  const filters: Filter[] = [
    withAuditInit(),
    withPanicRecovery(deps.render, deps.log),
    withRequestInfo(),
    ...(deps.tracing ? [withTracing(deps.tracing.spans)] : []),
    withHTTPLogging(deps.logger),
    ...(deps.metrics ? [deps.metrics] : []),
    withDrain(deps.lifecycle, deps.render),
    withGoaway(deps.goawayChance, deps.lifecycle),
    withAuthentication(deps.authenticator, deps.render, deps.log, auditFailedAuthentication(deps.auditing)),
    withAudit(deps.auditing),
    withImpersonation(deps.authorizer, deps.render),
    inFlightLimit(deps),
    withAuthorization(deps.authorizer, deps.render),
  ];
  return buildChain(
    filters,
    routeRequest(deps.api, deps.nonResource, deps.render, deps.auditing, deps.aggregator, deps.proxySubresources),
  );
}

/** A span around each authentication and authorization decision the chain asks for. */
function withTracedSecurity(deps: ChainDeps): ChainDeps {
  return {
    ...deps,
    authenticator: tracedAuthenticator(deps.authenticator),
    authorizer: tracedAuthorizer(deps.authorizer),
  };
}
