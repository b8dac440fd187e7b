import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { identityHeaders } from '../src/aggregator/proxy';
import { resourcesFromDiscovery } from '../src/aggregator/remote-discovery';

describe('aggregator proxy pieces', () => {
  it('asserts the user, groups and extras in front-proxy headers', () => {
    assert.deepEqual(
      identityHeaders({
        name: 'alice',
        groups: ['dev', 'system:authenticated'],
        extra: { 'Scopes.Example/x': ['a', 'b'] },
      }),
      {
        'x-remote-user': 'alice',
        'x-remote-group': ['dev', 'system:authenticated'],
        'x-remote-extra-scopes.example%2Fx': ['a', 'b'],
      },
    );
    assert.deepEqual(identityHeaders({ name: 'bob', groups: [] }), { 'x-remote-user': 'bob' });
  });

  it('turns a remote APIResourceList into resources with their subresources', () => {
    const rs = resourcesFromDiscovery('metrics.k8s.io', 'v1beta1', {
      resources: [
        { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
        { name: 'pods/status', namespaced: true, kind: 'PodMetrics', verbs: ['get'] },
        { name: 'nodes', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
      ],
    });
    assert.deepEqual(
      rs.map((r) => [r.resource, r.kind, r.namespaced, r.subresources.map((s) => s.name)]),
      [
        ['pods', 'PodMetrics', true, ['status']],
        ['nodes', 'NodeMetrics', false, []],
      ],
    );
    assert.equal(rs[0].group, 'metrics.k8s.io');
    assert.deepEqual(resourcesFromDiscovery('g', 'v', 'not a list'), []);
  });
});
