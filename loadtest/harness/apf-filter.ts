/**
 * The API Priority and Fairness filter's own cost per request:
 * `node apf-filter.js [requests]` runs the filter over the bootstrap
 * configuration with a handler that answers at once, for an exempt admin, a
 * service account (workload-low) and an ordinary user (global-default),
 * interleaved in rounds, and prints nanoseconds per request for each.
 * APF_BENCH_METRICS=1 also feeds the apiserver_flowcontrol_* metrics.
 */
import type { UserInfo } from '../../services/apiserver/src/authn/user';
import type { RequestInfo } from '../../services/apiserver/src/endpoints/request-info';
import type { ApiResponse } from '../../services/apiserver/src/endpoints/types';
import {
  MANDATORY_FLOW_SCHEMAS,
  MANDATORY_PRIORITY_LEVELS,
  SUGGESTED_FLOW_SCHEMAS,
  SUGGESTED_PRIORITY_LEVELS,
} from '../../services/apiserver/src/flowcontrol/bootstrap';
import { FlowControl } from '../../services/apiserver/src/flowcontrol/controller';
import { flowControlObserver } from '../../services/apiserver/src/metrics/flowcontrol-metrics';
import { ReplicaMetrics } from '../../services/apiserver/src/metrics/replica-metrics';
import { withPriorityAndFairness } from '../../services/apiserver/src/server/filters/priority-and-fairness';
import type { RequestContext } from '../../services/apiserver/src/server/filters/types';

const info: RequestInfo = {
  isResourceRequest: true,
  path: '/api/v1/namespaces/bench/configmaps/cm-1',
  verb: 'get',
  apiPrefix: 'api',
  apiGroup: '',
  apiVersion: 'v1',
  namespace: 'bench',
  resource: 'configmaps',
  subresource: '',
  name: 'cm-1',
  parts: [],
};

const callers: Record<string, UserInfo> = {
  admin: { name: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] },
  serviceaccount: {
    name: 'system:serviceaccount:bench:reader',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:bench', 'system:authenticated'],
  },
  user: { name: 'alice', groups: ['system:authenticated'] },
};

async function main(): Promise<void> {
  const requests = Number(process.argv[2] ?? 200_000);
  const observer = process.env.APF_BENCH_METRICS === '1' ? flowControlObserver(new ReplicaMetrics()) : undefined;
  const fc = new FlowControl(600, 15_000, observer);
  fc.replaceAll(
    [...MANDATORY_FLOW_SCHEMAS, ...SUGGESTED_FLOW_SCHEMAS],
    [...MANDATORY_PRIORITY_LEVELS, ...SUGGESTED_PRIORITY_LEVELS],
  );
  const handler = withPriorityAndFairness(fc)((): Promise<ApiResponse> =>
    Promise.resolve({ kind: 'buffered', status: 200, headers: {}, body: Buffer.alloc(0) }),
  );
  const ctxOf = (user: UserInfo): RequestContext => ({
    req: { method: 'GET', path: info.path, query: new URLSearchParams(), headers: {} },
    info,
    user,
    peerCertificates: [],
    transport: { http2: true, goaway: () => undefined },
  });
  const totals: Record<string, number> = {};
  const rounds = 5;
  for (let round = 0; round <= rounds; round++) {
    for (const [name, user] of Object.entries(callers)) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < requests / rounds; i++) await handler(ctxOf(user));
      // round 0 warms up the JIT and is not counted
      if (round > 0) totals[name] = (totals[name] ?? 0) + Number(process.hrtime.bigint() - t0);
    }
  }
  const perRequest = Object.fromEntries(Object.entries(totals).map(([n, t]) => [n, Math.round(t / requests)]));
  console.log(JSON.stringify({ requests, metrics: observer !== undefined, nsPerRequest: perRequest }));
}

void main();
