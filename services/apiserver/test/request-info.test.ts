import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRequestInfo } from '../src/endpoints/request-info';

const q = (s = '') => new URLSearchParams(s);

test('request info: table of paths', () => {
  const cases: Array<[string, string, string, Partial<ReturnType<typeof parseRequestInfo>>]> = [
    [
      'GET',
      '/api/v1/namespaces/default/configmaps',
      '',
      { verb: 'list', apiGroup: '', apiVersion: 'v1', namespace: 'default', resource: 'configmaps', name: '' },
    ],
    ['GET', '/api/v1/namespaces/default/configmaps', 'watch=true', { verb: 'watch', resource: 'configmaps' }],
    ['GET', '/api/v1/namespaces/default/configmaps/x', '', { verb: 'get', name: 'x' }],
    [
      'GET',
      '/api/v1/watch/namespaces/default/configmaps',
      '',
      { verb: 'watch', namespace: 'default', resource: 'configmaps' },
    ],
    [
      'POST',
      '/apis/apps/v1/namespaces/ns/deployments',
      '',
      { verb: 'create', apiGroup: 'apps', resource: 'deployments' },
    ],
    [
      'PUT',
      '/apis/apps/v1/namespaces/ns/deployments/d/status',
      '',
      { verb: 'update', name: 'd', subresource: 'status' },
    ],
    ['PATCH', '/apis/apps/v1/namespaces/ns/deployments/d/scale', '', { verb: 'patch', subresource: 'scale' }],
    ['DELETE', '/api/v1/namespaces/ns/configmaps', '', { verb: 'deletecollection' }],
    ['DELETE', '/api/v1/namespaces/ns', '', { verb: 'delete', resource: 'namespaces', name: 'ns' }],
    [
      'PUT',
      '/api/v1/namespaces/ns/finalize',
      '',
      { verb: 'update', resource: 'namespaces', name: 'ns', subresource: 'finalize' },
    ],
    ['GET', '/api/v1/configmaps', '', { verb: 'list', namespace: '', resource: 'configmaps' }],
  ];
  for (const [method, path, query, want] of cases) {
    const got = parseRequestInfo(method, path, q(query));
    assert.equal(got.isResourceRequest, true, path);
    for (const [k, v] of Object.entries(want)) assert.equal(got[k as keyof typeof got], v, `${method} ${path} ${k}`);
  }
});

test('request info: discovery and other paths are not resource requests', () => {
  for (const p of ['/api', '/api/v1', '/apis', '/apis/apps', '/apis/apps/v1', '/healthz', '/openapi/v3', '/']) {
    assert.equal(parseRequestInfo('GET', p, q()).isResourceRequest, false, p);
  }
});
