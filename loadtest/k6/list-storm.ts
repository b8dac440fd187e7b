// k6: a list storm: many VUs list the same namespace at once, half of them in pages of 100 (limit +
// continue, as client-go's pager), half in one request from the watch cache (resourceVersion=0).
// Environment: see lib/kapi.ts; VUS, DURATION, OBJECTS (seeded by setup).
import http from 'k6/http';
import { check } from 'k6';
import type { Options } from 'k6/options';
import { BASE, NS, TLS, ensureNamespace, params, seedConfigMaps } from './lib/kapi.ts';

const OBJECTS = Number(__ENV.OBJECTS || 500);
const PAGE = 100;

export const options: Options = {
  scenarios: {
    paged: { executor: 'constant-vus', vus: Number(__ENV.VUS || 8), duration: __ENV.DURATION || '30s', exec: 'paged' },
    cached: {
      executor: 'constant-vus',
      vus: Number(__ENV.VUS || 8),
      duration: __ENV.DURATION || '30s',
      exec: 'cached',
    },
  },
  ...TLS,
  setupTimeout: '120s',
  thresholds: {
    'http_req_duration{scenario:paged}': ['p(95)<500'],
    'http_req_duration{scenario:cached}': ['p(95)<1500'],
    checks: ['rate>0.99'],
  },
};

export function setup(): void {
  ensureNamespace();
  seedConfigMaps('storm', OBJECTS);
}

export function paged(): void {
  let token = '';
  let seen = 0;
  for (let page = 0; page < 1000; page++) {
    const cont = token ? `&continue=${encodeURIComponent(token)}` : '';
    const res = http.get(`${BASE}/api/v1/namespaces/${NS}/configmaps?limit=${PAGE}${cont}`, params('list page'));
    if (!check(res, { 'page (200)': (r) => r.status === 200 })) return;
    const items = res.json('items');
    seen += Array.isArray(items) ? items.length : 0;
    token = String(res.json('metadata.continue') || '');
    if (!token) break;
  }
  check(seen, { [`paged list saw >= ${OBJECTS} items`]: (n) => n >= OBJECTS });
}

export function cached(): void {
  const res = http.get(`${BASE}/api/v1/namespaces/${NS}/configmaps?resourceVersion=0`, params('list cached'));
  check(res, {
    'cached list (200)': (r) => r.status === 200,
    [`cached list has >= ${OBJECTS} items`]: (r) => {
      const items = r.json('items');
      return Array.isArray(items) && items.length >= OBJECTS;
    },
  });
}
