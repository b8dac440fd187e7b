// k6: list 1,000 configmaps in one namespace (setup seeds them), closed loop.
// Environment:
//   KAPI_URL          base URL of the replica (default https://127.0.0.1:6443)
//   KAPI_DATA_DIR     the replica's --data-dir; the admin client certificate is read from
//                     <data-dir>/pki/admin.crt and admin.key (absolute path: k6 resolves relative
//                     paths against this script's folder). Or set KAPI_CLIENT_CERT and KAPI_CLIENT_KEY.
//   KAPI_NAMESPACE    namespace to use (default bench)
//   VUS, DURATION     load shape (defaults below)
// k6 cannot be given a private CA, so server verification is off (insecureSkipTLSVerify); the
// client authenticates with its certificate (tlsAuth). k6 negotiates HTTP/2 by ALPN, as kubectl does.
import http from 'k6/http';
import { check } from 'k6';
import type { Options } from 'k6/options';

const BASE = __ENV.KAPI_URL || 'https://127.0.0.1:6443';
const NS = __ENV.KAPI_NAMESPACE || 'bench';
const DATA_DIR = __ENV.KAPI_DATA_DIR || '.kapi';
const CERT = open(__ENV.KAPI_CLIENT_CERT || `${DATA_DIR}/pki/admin.crt`);
const KEY = open(__ENV.KAPI_CLIENT_KEY || `${DATA_DIR}/pki/admin.key`);
const JSON_HEADERS = { headers: { 'content-type': 'application/json', accept: 'application/json' } };

function configMap(name: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels: { app: 'bench', tier: 'loadtest' } },
    data: {
      'app.properties': 'log.level=info\nfeature.x=enabled\nfeature.y=disabled\nworkers=4\n',
      'config.yaml': `name: ${name}\nreplicas: 3\nendpoints:\n  - https://example.invalid:8443\n`,
    },
  });
}

function ensureNamespace(): void {
  const res = http.post(
    `${BASE}/api/v1/namespaces`,
    JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }),
    JSON_HEADERS,
  );
  check(res, { 'namespace created or exists': (r) => r.status === 201 || r.status === 409 });
}

const OBJECTS = Number(__ENV.OBJECTS || 1000);

export const options: Options = {
  vus: Number(__ENV.VUS || 1),
  duration: __ENV.DURATION || '30s',
  insecureSkipTLSVerify: true,
  tlsAuth: [{ domains: ['127.0.0.1', 'localhost'], cert: CERT, key: KEY }],
  thresholds: { checks: ['rate>0.99'] },
  setupTimeout: '120s',
};

export function setup(): void {
  ensureNamespace();
  for (let start = 0; start < OBJECTS; start += 50) {
    const batch: Array<['POST', string, string, typeof JSON_HEADERS]> = [];
    for (let i = start; i < Math.min(OBJECTS, start + 50); i++) {
      const name = `cm-${String(i).padStart(5, '0')}`;
      batch.push(['POST', `${BASE}/api/v1/namespaces/${NS}/configmaps`, configMap(name), JSON_HEADERS]);
    }
    for (const res of http.batch(batch)) {
      check(res, { 'seeded (201 or 409)': (r) => r.status === 201 || r.status === 409 });
    }
  }
}

export default function (): void {
  const res = http.get(`${BASE}/api/v1/namespaces/${NS}/configmaps`, JSON_HEADERS);
  check(res, {
    'list (200)': (r) => r.status === 200,
    [`list has >= ${OBJECTS} items`]: (r) => {
      const items = r.json('items');
      return Array.isArray(items) && items.length >= OBJECTS;
    },
  });
}
