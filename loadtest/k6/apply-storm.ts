// k6: a server-side apply storm: every VU is its own field manager and applies its own key into a
// shared set of configmaps (PATCH application/apply-patch+yaml), so the server merges managed fields
// from many managers on the same objects; a forced apply of a shared key makes managers conflict.
// Environment: see lib/kapi.ts; VUS, DURATION, OBJECTS (number of shared configmaps).
import http from 'k6/http';
import { check } from 'k6';
import type { Options } from 'k6/options';
import { BASE, NS, TLS, ensureNamespace, params } from './lib/kapi.ts';

const OBJECTS = Number(__ENV.OBJECTS || 20);

export const options: Options = {
  vus: Number(__ENV.VUS || 8),
  duration: __ENV.DURATION || '30s',
  ...TLS,
  thresholds: {
    'http_req_duration{name:apply}': ['p(95)<500'],
    'http_req_duration{name:apply forced}': ['p(95)<500'],
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
  },
};

export function setup(): void {
  ensureNamespace();
}

function applyBody(name: string, data: Record<string, string>): string {
  const lines = Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`);
  return [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  name: ${name}`,
    '  labels:',
    '    app: bench',
    'data:',
    ...lines,
    '',
  ].join('\n');
}

export default function (): void {
  const name = `apply-${__ITER % OBJECTS}`;
  const url = `${BASE}/api/v1/namespaces/${NS}/configmaps/${name}`;
  const manager = `k6-vu-${__VU}`;
  const own = http.patch(
    `${url}?fieldManager=${manager}`,
    applyBody(name, { [`vu-${__VU}`]: String(__ITER) }),
    params('apply', 'application/apply-patch+yaml'),
  );
  check(own, {
    'applied own key (200 or 201)': (r) => r.status === 200 || r.status === 201,
    'own key set': (r) => r.status >= 300 || r.json(`data.vu-${__VU}`) === String(__ITER),
  });
  // every manager also claims one shared key; without force the second manager would get a 409
  const forced = http.patch(
    `${url}?fieldManager=${manager}&force=true`,
    applyBody(name, { [`vu-${__VU}`]: String(__ITER), shared: manager }),
    params('apply forced', 'application/apply-patch+yaml'),
  );
  check(forced, {
    'forced apply (200)': (r) => r.status === 200,
    'shared key taken over': (r) => r.status !== 200 || r.json('data.shared') === manager,
  });
}
