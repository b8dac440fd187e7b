// Shared by the kapi k6 scenarios: the base URL, the credentials and small request helpers.
// Environment:
//   KAPI_URL          base URL of the replica (default https://127.0.0.1:6443)
//   KAPI_TOKEN        a bearer token; when set, requests carry it and no client certificate is used
//   KAPI_DATA_DIR     otherwise the replica's --data-dir: the admin client certificate is read from
//                     <data-dir>/pki/admin.crt and admin.key (absolute path: k6 resolves relative
//                     paths against the script's folder). Or set KAPI_CLIENT_CERT and KAPI_CLIENT_KEY.
//   KAPI_NAMESPACE    namespace to use (default bench)
// k6 cannot be given a private CA, so server verification is off (insecureSkipTLSVerify).
import http from 'k6/http';
import { check } from 'k6';
import type { Options } from 'k6/options';

export const BASE = __ENV.KAPI_URL || 'https://127.0.0.1:6443';
export const NS = __ENV.KAPI_NAMESPACE || 'bench';
const TOKEN = __ENV.KAPI_TOKEN || '';
const DATA_DIR = __ENV.KAPI_DATA_DIR || '.kapi';

const AUTH: Record<string, string> = TOKEN ? { Authorization: `Bearer ${TOKEN}` } : {};

/** The TLS part of every scenario's options: a client certificate unless a token is given. */
export const TLS: Pick<Options, 'insecureSkipTLSVerify' | 'tlsAuth'> = TOKEN
  ? { insecureSkipTLSVerify: true }
  : {
      insecureSkipTLSVerify: true,
      tlsAuth: [
        {
          domains: ['127.0.0.1', 'localhost'],
          cert: open(__ENV.KAPI_CLIENT_CERT || `${DATA_DIR}/pki/admin.crt`),
          key: open(__ENV.KAPI_CLIENT_KEY || `${DATA_DIR}/pki/admin.key`),
        },
      ],
    };

/** Request params: JSON in and out, the bearer token if any, and a `name` tag grouping URLs by operation. */
export function params(name: string, contentType = 'application/json', timeout = '60s') {
  return {
    headers: { ...AUTH, 'Content-Type': contentType, Accept: 'application/json' },
    tags: { name },
    timeout,
  };
}

/** Params for creates that may find the object there already: a 409 is not a failed request. */
export function createParams(name: string) {
  return { ...params(name), responseCallback: http.expectedStatuses(201, 409) };
}

export function configMap(name: string, extra: Record<string, string> = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels: { app: 'bench', tier: 'loadtest' } },
    data: {
      'app.properties': 'log.level=info\nfeature.x=enabled\nfeature.y=disabled\nworkers=4\n',
      'config.yaml': `name: ${name}\nreplicas: 3\nendpoints:\n  - https://example.invalid:8443\n`,
      ...extra,
    },
  });
}

export function ensureNamespace(ns: string = NS): void {
  const res = http.post(
    `${BASE}/api/v1/namespaces`,
    JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
    createParams('create namespace'),
  );
  check(res, { 'namespace created or exists': (r) => r.status === 201 || r.status === 409 });
}

/** Creates `count` configmaps named <prefix>-00000... 50 in flight, tolerating ones that exist. */
export function seedConfigMaps(prefix: string, count: number, ns: string = NS): void {
  for (let start = 0; start < count; start += 50) {
    const batch: Array<['POST', string, string, ReturnType<typeof createParams>]> = [];
    for (let i = start; i < Math.min(count, start + 50); i++) {
      const name = `${prefix}-${String(i).padStart(5, '0')}`;
      batch.push(['POST', `${BASE}/api/v1/namespaces/${ns}/configmaps`, configMap(name), createParams('seed')]);
    }
    for (const res of http.batch(batch)) {
      check(res, { 'seeded (201 or 409)': (r) => r.status === 201 || r.status === 409 });
    }
  }
}

/** A watch response's body is one JSON event per line; k6 returns it whole once the server ends the watch. */
export function watchEvents(body: string | ArrayBuffer | null): Array<{ type: string }> {
  if (typeof body !== 'string') return [];
  return body
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { type: string });
}
