// k6: get one configmap (GET by name), closed loop.
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

const NAME = 'cm-00000';

export const options: Options = {
  vus: Number(__ENV.VUS || 32),
  duration: __ENV.DURATION || '30s',
  insecureSkipTLSVerify: true,
  tlsAuth: [{ domains: ['127.0.0.1', 'localhost'], cert: CERT, key: KEY }],
  thresholds: { checks: ['rate>0.99'] },
};

export function setup(): void {
  ensureNamespace();
  const res = http.post(`${BASE}/api/v1/namespaces/${NS}/configmaps`, configMap(NAME), JSON_HEADERS);
  check(res, { 'configmap created or exists': (r) => r.status === 201 || r.status === 409 });
}

export default function (): void {
  const res = http.get(`${BASE}/api/v1/namespaces/${NS}/configmaps/${NAME}`, JSON_HEADERS);
  check(res, { 'get (200)': (r) => r.status === 200 });
}
