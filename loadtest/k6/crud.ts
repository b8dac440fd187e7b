// k6: a CRUD mix on configmaps: each iteration creates, gets, updates (PUT), patches (merge patch),
// lists by label and deletes its own object. Environment: see lib/kapi.ts; VUS, DURATION.
import http from 'k6/http';
import { check, group } from 'k6';
import type { Options } from 'k6/options';
import { BASE, NS, TLS, configMap, ensureNamespace, params } from './lib/kapi.ts';

export const options: Options = {
  vus: Number(__ENV.VUS || 8),
  duration: __ENV.DURATION || '30s',
  ...TLS,
  thresholds: {
    http_req_duration: ['p(95)<500'],
    'http_req_duration{name:create}': ['p(95)<500'],
    'http_req_duration{name:list}': ['p(95)<1000'],
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
  },
};

export function setup(): void {
  ensureNamespace();
}

export default function (): void {
  const name = `crud-${__VU}-${__ITER}-${Date.now().toString(36)}`;
  const url = `${BASE}/api/v1/namespaces/${NS}/configmaps`;
  group('create', () => {
    const res = http.post(url, configMap(name), params('create'));
    check(res, { 'created (201)': (r) => r.status === 201 });
  });
  let resourceVersion = '';
  group('read', () => {
    const res = http.get(`${url}/${name}`, params('get'));
    check(res, { 'get (200)': (r) => r.status === 200 });
    resourceVersion = res.status === 200 ? String(res.json('metadata.resourceVersion')) : '';
  });
  group('update', () => {
    const body = JSON.parse(configMap(name, { generation: String(__ITER) })) as { metadata: Record<string, unknown> };
    body.metadata.resourceVersion = resourceVersion;
    const put = http.put(`${url}/${name}`, JSON.stringify(body), params('update'));
    check(put, { 'updated (200)': (r) => r.status === 200 });
    const patch = http.patch(
      `${url}/${name}`,
      JSON.stringify({ data: { patched: 'true' } }),
      params('patch', 'application/merge-patch+json'),
    );
    check(patch, { 'patched (200)': (r) => r.status === 200 && r.json('data.patched') === 'true' });
  });
  group('list', () => {
    const res = http.get(`${url}?labelSelector=app%3Dbench&limit=50`, params('list'));
    check(res, { 'list (200)': (r) => r.status === 200 && Array.isArray(r.json('items')) });
  });
  group('delete', () => {
    const res = http.del(`${url}/${name}`, null, params('delete'));
    check(res, { 'deleted (200)': (r) => r.status === 200 });
  });
}
