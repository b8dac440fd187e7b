import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRequestInfo } from '../src/endpoints/request-info';
import { compressUsername } from '../src/metrics/auth-metrics';
import { REQUEST_DURATION_BUCKETS, RESPONSE_SIZE_BUCKETS, WATCH_EVENT_SIZE_BUCKETS } from '../src/metrics/buckets';
import { requestKind, requestLabels, type ResourceLookup } from '../src/metrics/request-labels';
import { goFloat, HistogramFamily } from '../src/metrics/series';
import { StorageTypeResolver } from '../src/metrics/storage-types';

const SERVED: Record<string, { kind: string; subresources: string[] }> = {
  '/v1/pods': { kind: 'Pod', subresources: ['status', 'log', 'exec', 'binding', 'eviction'] },
  '/v1/configmaps': { kind: 'ConfigMap', subresources: [] },
  '/v1/namespaces': { kind: 'Namespace', subresources: ['status', 'finalize'] },
  'apps/v1/deployments': { kind: 'Deployment', subresources: ['status', 'scale'] },
};
const lookup: ResourceLookup = (g, v, r) => SERVED[`${g}/${v}/${r}`];

/** The labels of one request, as `verb scope group/version/resource/subresource dry_run component`. */
function labelsOf(method: string, url: string, headers: Record<string, string> = {}): string | undefined {
  const u = new URL(url, 'https://x');
  const info = parseRequestInfo(method, u.pathname, u.searchParams);
  const l = requestLabels({ method, query: u.searchParams, headers }, info, lookup);
  if (!l) return undefined;
  return `${l.verb} ${l.scope} ${l.group}/${l.version}/${l.resource}/${l.subresource} ${l.dryRun} ${l.component}`;
}

describe('request metric labels (upstream verb, scope and dry_run rules)', () => {
  test('GET splits into LIST and GET by scope; names and namespaces never appear', () => {
    assert.equal(labelsOf('GET', '/api/v1/namespaces/ns1/pods'), 'LIST namespace /v1/pods/  apiserver');
    assert.equal(labelsOf('GET', '/api/v1/pods'), 'LIST cluster /v1/pods/  apiserver');
    assert.equal(labelsOf('GET', '/api/v1/namespaces/ns1/pods/p1'), 'GET resource /v1/pods/  apiserver');
    assert.equal(labelsOf('HEAD', '/api/v1/namespaces/ns1/pods/p1'), 'GET resource /v1/pods/  apiserver');
    assert.equal(labelsOf('GET', '/api/v1/namespaces/ns1'), 'GET resource /v1/namespaces/  apiserver');
    assert.equal(labelsOf('GET', '/api/v1/namespaces'), 'LIST cluster /v1/namespaces/  apiserver');
    // a list narrowed to one name by fieldSelector is still a LIST of the namespace
    assert.equal(
      labelsOf('GET', '/api/v1/namespaces/ns1/pods?fieldSelector=metadata.name%3Dp1'),
      'LIST namespace /v1/pods/  apiserver',
    );
  });

  test('watches are WATCH, by query or by the legacy /watch/ path', () => {
    assert.equal(labelsOf('GET', '/api/v1/namespaces/ns1/pods?watch=true'), 'WATCH namespace /v1/pods/  apiserver');
    assert.equal(labelsOf('GET', '/api/v1/watch/namespaces/ns1/pods'), 'WATCH namespace /v1/pods/  apiserver');
    assert.equal(labelsOf('GET', '/apis/apps/v1/deployments?watch=1'), 'WATCH cluster apps/v1/deployments/  apiserver');
    assert.equal(labelsOf('GET', '/api/v1/namespaces/ns1/pods?watch=false'), 'LIST namespace /v1/pods/  apiserver');
  });

  test('writes keep the HTTP method; create is resource-scoped; server-side apply is APPLY', () => {
    assert.equal(labelsOf('POST', '/api/v1/namespaces/ns1/pods'), 'POST resource /v1/pods/  apiserver');
    assert.equal(labelsOf('PUT', '/api/v1/namespaces/ns1/pods/p1'), 'PUT resource /v1/pods/  apiserver');
    assert.equal(labelsOf('PUT', '/api/v1/namespaces/ns1/pods/p1/status'), 'PUT resource /v1/pods/status  apiserver');
    assert.equal(labelsOf('DELETE', '/api/v1/namespaces/ns1/pods/p1'), 'DELETE resource /v1/pods/  apiserver');
    assert.equal(labelsOf('DELETE', '/api/v1/namespaces/ns1/pods'), 'DELETE namespace /v1/pods/  apiserver');
    assert.equal(
      labelsOf('PATCH', '/api/v1/namespaces/ns1/pods/p1', { 'content-type': 'application/merge-patch+json' }),
      'PATCH resource /v1/pods/  apiserver',
    );
    assert.equal(
      labelsOf('PATCH', '/apis/apps/v1/namespaces/ns1/deployments/d', {
        'content-type': 'application/apply-patch+yaml',
      }),
      'APPLY resource apps/v1/deployments/  apiserver',
    );
    assert.equal(labelsOf('POST', '/api/v1/namespaces/ns1/pods/p1/exec'), 'CONNECT resource /v1/pods/exec  apiserver');
    assert.equal(labelsOf('GET', '/api/v1/namespaces/ns1/pods/p1/log'), 'CONNECT resource /v1/pods/log  apiserver');
    assert.equal(labelsOf('OPTIONS', '/api/v1/namespaces/ns1/pods'), 'other namespace /v1/pods/  apiserver');
  });

  test('dry_run is the sorted distinct values, or "invalid"', () => {
    assert.equal(labelsOf('POST', '/api/v1/namespaces/ns1/pods?dryRun=All'), 'POST resource /v1/pods/ All apiserver');
    assert.equal(
      labelsOf('POST', '/api/v1/namespaces/ns1/pods?dryRun=All&dryRun=All'),
      'POST resource /v1/pods/ All apiserver',
    );
    assert.equal(
      labelsOf('POST', '/api/v1/namespaces/ns1/pods?dryRun=Some'),
      'POST resource /v1/pods/ invalid apiserver',
    );
    assert.equal(labelsOf('POST', '/api/v1/namespaces/ns1/pods?dryRun='), 'POST resource /v1/pods/ invalid apiserver');
  });

  test('what is not served lands in one bucket, so made-up paths add no series', () => {
    assert.equal(labelsOf('GET', '/apis/made.up/v9/widgets'), 'LIST cluster ///  apiserver');
    assert.equal(labelsOf('GET', '/apis/other.group/v1/namespaces/x/gadgets/g'), 'GET resource ///  apiserver');
    assert.equal(labelsOf('GET', '/api/v1/namespaces/ns1/pods/p1/bogus'), 'GET resource /v1/pods/  apiserver');
    assert.equal(labelsOf('GET', '/api/v2/pods'), 'LIST cluster ///  apiserver');
  });

  test('non-resource paths: only the ones upstream instruments', () => {
    assert.equal(labelsOf('GET', '/healthz'), 'GET  ////healthz  ');
    assert.equal(labelsOf('GET', '/readyz'), 'GET  ////readyz  ');
    assert.equal(labelsOf('GET', '/apis'), 'GET  ////apis  apiserver');
    assert.equal(labelsOf('GET', '/openapi/v3/apis/apps/v1'), 'GET  ///openapi/v3/  ');
    assert.equal(labelsOf('GET', '/readyz/etcd'), undefined);
    assert.equal(labelsOf('GET', '/version'), undefined);
    assert.equal(labelsOf('GET', '/metrics'), undefined);
    assert.equal(labelsOf('GET', '/some/random/path'), undefined);
  });

  test('request kind: reads are readOnly, everything else mutating', () => {
    const kind = (m: string, p: string) => requestKind(parseRequestInfo(m, p, new URLSearchParams()));
    assert.equal(kind('GET', '/api/v1/pods'), 'readOnly');
    assert.equal(kind('GET', '/healthz'), 'readOnly');
    assert.equal(kind('POST', '/api/v1/namespaces/a/pods'), 'mutating');
    assert.equal(kind('DELETE', '/api/v1/namespaces/a/pods'), 'mutating');
  });
});

describe('metric formats', () => {
  test('bucket boundaries print as Go prints them', () => {
    assert.deepEqual(RESPONSE_SIZE_BUCKETS.map(goFloat), [
      '1000',
      '10000',
      '100000',
      '1e+06',
      '1e+07',
      '1e+08',
      '1e+09',
    ]);
    assert.deepEqual(WATCH_EVENT_SIZE_BUCKETS.map(goFloat), [
      '1024',
      '2048',
      '4096',
      '8192',
      '16384',
      '32768',
      '65536',
      '131072',
    ]);
    assert.equal(
      REQUEST_DURATION_BUCKETS.map(goFloat).join(','),
      '0.005,0.025,0.05,0.1,0.2,0.4,0.6,0.8,1,1.25,1.5,2,3,4,5,6,8,10,15,20,30,45,60',
    );
    assert.equal(goFloat(0.00001), '1e-05');
  });

  test('a histogram reports cumulative buckets, sum and count', async () => {
    const h = new HistogramFamily('x_seconds', 'help', ['a'], [1, 2]);
    const s = h.with('v');
    for (const v of [0.5, 1, 1.5, 3]) s.observe(v);
    const got = (await h.get()).values.map((v) => `${v.metricName} ${v.labels.le ?? '-'} ${v.value}`);
    assert.deepEqual(got, [
      'x_seconds_bucket 1 2',
      'x_seconds_bucket 2 3',
      'x_seconds_bucket +Inf 4',
      'x_seconds_sum - 6',
      'x_seconds_count - 4',
    ]);
  });

  test('usernames are folded into categories', () => {
    assert.equal(compressUsername('admin'), 'admin');
    assert.equal(compressUsername('jane@example.com'), 'email_id');
    assert.equal(compressUsername('system:serviceaccount:ns:build-bot'), 'other');
    assert.equal(
      compressUsername('system:serviceaccount:kube-system:default'),
      'system:serviceaccount:kube-system:default',
    );
  });

  test('storage keys are named by the served resource that owns them', () => {
    const stored = [
      { listPrefix: '/registry/pods/', group: '', resource: 'pods' },
      { listPrefix: '/registry/deployments/', group: 'apps', resource: 'deployments' },
      { listPrefix: '/registry/services/specs/', group: '', resource: 'services' },
      { listPrefix: '/registry/services/endpoints/', group: '', resource: 'endpoints' },
    ];
    const types = new StorageTypeResolver(
      '/registry',
      () => stored,
      () => stored.length,
    );
    assert.equal(types.typeOf('/registry/pods/ns1/p1'), 'pods');
    assert.equal(types.typeOf('/registry/pods/'), 'pods');
    assert.equal(types.typeOf('/registry/deployments/ns/d'), 'deployments.apps');
    assert.equal(types.typeOf('/registry/services/specs/ns/s'), 'services');
    assert.equal(types.typeOf('/registry/services/endpoints/ns/s'), 'endpoints');
    assert.equal(types.typeOf('/registry/ns-from-user/whatever'), 'other');
    assert.equal(types.typeOf('compact_rev_key'), 'other');
    assert.equal(types.resourcePrefixOf('/registry/services/specs/'), '/services/specs');
  });
});
