// k6: informer-style list+watch of many kinds, as a controller's shared informers do at start and on
// every relist: each VU lists every kind cluster-wide (in parallel, http.batch), then watches all of
// them from the lists' resourceVersions with allowWatchBookmarks, until the server ends the watches
// after WATCH_SECONDS; then relists. Environment: see lib/kapi.ts; VUS, DURATION, WATCH_SECONDS.
import http from 'k6/http';
import { check, fail } from 'k6';
import type { Options } from 'k6/options';
import { BASE, TLS, params, watchEvents } from './lib/kapi.ts';

const WATCH_SECONDS = Number(__ENV.WATCH_SECONDS || 2);

const KINDS: Array<{ kind: string; path: string }> = [
  { kind: 'namespaces', path: '/api/v1/namespaces' },
  { kind: 'configmaps', path: '/api/v1/configmaps' },
  { kind: 'secrets', path: '/api/v1/secrets' },
  { kind: 'serviceaccounts', path: '/api/v1/serviceaccounts' },
  { kind: 'services', path: '/api/v1/services' },
  { kind: 'pods', path: '/api/v1/pods' },
  { kind: 'events', path: '/api/v1/events' },
  { kind: 'deployments', path: '/apis/apps/v1/deployments' },
  { kind: 'replicasets', path: '/apis/apps/v1/replicasets' },
  { kind: 'roles', path: '/apis/rbac.authorization.k8s.io/v1/roles' },
  { kind: 'rolebindings', path: '/apis/rbac.authorization.k8s.io/v1/rolebindings' },
  { kind: 'clusterroles', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles' },
];

export const options: Options = {
  vus: Number(__ENV.VUS || 4),
  duration: __ENV.DURATION || '30s',
  ...TLS,
  thresholds: {
    'http_req_duration{type:list}': ['p(95)<1500', 'max<3000'],
    'http_req_failed{type:watch}': ['rate<0.01'],
    checks: ['rate>0.99'],
  },
};

function tagged(kind: string, type: 'list' | 'watch', timeout?: string) {
  const p = params(`${type} ${kind}`, 'application/json', timeout);
  return { ...p, tags: { ...p.tags, type } };
}

export default function (): void {
  const lists = http.batch(
    KINDS.map((k): ['GET', string, null, ReturnType<typeof tagged>] => [
      'GET',
      `${BASE}${k.path}?limit=500`,
      null,
      tagged(k.kind, 'list'),
    ]),
  );
  const versions = lists.map((res, i) => {
    check(res, { 'list (200)': (r) => r.status === 200 });
    const rv = res.status === 200 ? String(res.json('metadata.resourceVersion')) : '';
    if (!rv) fail(`list ${KINDS[i].kind}: status ${res.status}`);
    return rv;
  });
  const watches = http.batch(
    KINDS.map((k, i): ['GET', string, null, ReturnType<typeof tagged>] => [
      'GET',
      `${BASE}${k.path}?watch=1&allowWatchBookmarks=true&timeoutSeconds=${WATCH_SECONDS}&resourceVersion=${versions[i]}`,
      null,
      tagged(k.kind, 'watch', `${WATCH_SECONDS + 30}s`),
    ]),
  );
  for (const res of watches) {
    const events = watchEvents(res.body);
    check(res, {
      'watch ended by the server (200)': (r) => r.status === 200,
      'no ERROR events': () => events.every((e) => e.type !== 'ERROR'),
    });
  }
}
