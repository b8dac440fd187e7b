// k6: watch fan-out. k6's HTTP client returns whole responses, so a watcher is modelled as k6 users
// do: `GET ...?watch=1&timeoutSeconds=N` from the list's resourceVersion, which the server ends after
// N seconds; the body holds every event delivered meanwhile. A writer scenario updates configmaps in
// the watched namespace, so every watcher should see events in each window.
// Environment: see lib/kapi.ts; WATCHERS, DURATION, WATCH_SECONDS, WRITES_PER_SECOND.
import http from 'k6/http';
import { check, sleep } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { BASE, TLS, ensureNamespace, params, seedConfigMaps, watchEvents } from './lib/kapi.ts';

const NS = `${__ENV.KAPI_NAMESPACE || 'bench'}-watch`;
const WATCH_SECONDS = Number(__ENV.WATCH_SECONDS || 2);
const WRITES_PER_SECOND = Number(__ENV.WRITES_PER_SECOND || 20);
const DURATION = __ENV.DURATION || '30s';
const OBJECTS = 50;

const watchEventsTotal = new Counter('watch_events');
const eventsPerWatch = new Trend('watch_events_per_window');

export const options: Options = {
  scenarios: {
    watchers: { executor: 'constant-vus', vus: Number(__ENV.WATCHERS || 32), duration: DURATION, exec: 'watch' },
    writer: { executor: 'constant-vus', vus: 1, duration: DURATION, exec: 'write' },
  },
  ...TLS,
  thresholds: {
    'http_req_duration{scenario:writer}': ['p(95)<500'],
    'http_req_duration{name:list}': ['p(95)<500'],
    watch_events: ['count>0'],
    watch_events_per_window: ['avg>0'],
    checks: ['rate>0.99'],
  },
};

export function setup(): void {
  ensureNamespace(NS);
  seedConfigMaps('w', OBJECTS, NS);
}

export function watch(): void {
  const url = `${BASE}/api/v1/namespaces/${NS}/configmaps`;
  const list = http.get(`${url}?limit=1`, params('list'));
  if (!check(list, { 'list (200)': (r) => r.status === 200 })) return;
  const rv = String(list.json('metadata.resourceVersion'));
  const res = http.get(
    `${url}?watch=1&timeoutSeconds=${WATCH_SECONDS}&resourceVersion=${rv}&allowWatchBookmarks=true`,
    params('watch', 'application/json', `${WATCH_SECONDS + 30}s`),
  );
  const events = watchEvents(res.body);
  check(res, {
    'watch ended by the server (200)': (r) => r.status === 200,
    'watch saw events': () => events.length > 0,
    'no ERROR events': () => events.every((e) => e.type !== 'ERROR'),
  });
  watchEventsTotal.add(events.length);
  eventsPerWatch.add(events.length);
}

export function write(): void {
  const name = `w-${String(__ITER % OBJECTS).padStart(5, '0')}`;
  const res = http.patch(
    `${BASE}/api/v1/namespaces/${NS}/configmaps/${name}`,
    JSON.stringify({ data: { iteration: `${__VU}-${__ITER}` } }),
    params('write', 'application/merge-patch+json'),
  );
  check(res, { 'written (200)': (r) => r.status === 200 });
  sleep(1 / WRITES_PER_SECOND);
}
