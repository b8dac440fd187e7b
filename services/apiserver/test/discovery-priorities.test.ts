import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../src/api/object';
import { resourcesFromDiscovery } from '../src/aggregator/remote-discovery';
import { aggregatedDiscovery, apiGroup, apiGroupList } from '../src/discovery';
import { BUILTIN_RESOURCES } from '../src/registry/kinds';
import type { ResourceInfo } from '../src/registry/resources';

function crd(group: string, version: string): ResourceInfo {
  return { ...BUILTIN_RESOURCES[0], group, version, resource: 'things', kind: 'Thing', custom: true };
}

function remote(group: string, version: string, groupPriority: number, versionPriority: number): ResourceInfo[] {
  return resourcesFromDiscovery(
    group,
    version,
    { resources: [{ name: 'widgets', kind: 'Widget', namespaced: true, verbs: ['get'] }] },
    { group: groupPriority, version: versionPriority },
  );
}

function legacyOrder(resources: ResourceInfo[]): Array<[string, string[]]> {
  const list = apiGroupList(resources) as { groups: Array<{ name: string; versions: Array<{ version: string }> }> };
  return list.groups.map((g) => [g.name, g.versions.map((v) => v.version)]);
}

function aggregatedOrder(resources: ResourceInfo[]): Array<[string, string[]]> {
  const list = aggregatedDiscovery(resources, 'apis') as {
    items: Array<{ metadata: JsonObject; versions: Array<{ version: string }> }>;
  };
  return list.items.map((g) => [String(g.metadata.name), g.versions.map((v) => v.version)]);
}

describe('discovery order by APIService priority (kube-aggregator)', () => {
  const builtinGroups = [...new Set(BUILTIN_RESOURCES.filter((r) => r.group !== '').map((r) => r.group))];

  it('a remote group ranks by its groupPriorityMinimum among built-in and CRD groups, in both forms', () => {
    const resources = [
      ...BUILTIN_RESOURCES,
      crd('zoo.example.com', 'v1'),
      ...remote('metrics.k8s.io', 'v1beta1', 100, 100),
      ...remote('first.example.com', 'v1', 20000, 15),
    ];
    for (const order of [legacyOrder(resources), aggregatedOrder(resources)]) {
      const names = order.map(([g]) => g);
      assert.equal(names[0], 'first.example.com', 'above apiregistration.k8s.io (18000)');
      assert.equal(names[1], 'apiregistration.k8s.io');
      // CRDs rank at 1000: after every built-in group, before a group at 100
      assert.deepEqual(names.slice(-2), ['zoo.example.com', 'metrics.k8s.io']);
      assert.equal(names.length, builtinGroups.length + 3);
    }
  });

  it('versionPriority picks the preferred version before the Kubernetes version order', () => {
    const resources = [
      ...remote('sample.example.com', 'v1', 1500, 10),
      ...remote('sample.example.com', 'v1beta1', 1500, 20),
      ...remote('sample.example.com', 'v2alpha1', 1500, 10),
    ];
    assert.deepEqual(legacyOrder(resources), [['sample.example.com', ['v1beta1', 'v1', 'v2alpha1']]]);
    assert.deepEqual(aggregatedOrder(resources), [['sample.example.com', ['v1beta1', 'v1', 'v2alpha1']]]);
    const group = apiGroup('sample.example.com', resources) as { preferredVersion: { version: string } };
    assert.equal(group.preferredVersion.version, 'v1beta1');
  });

  it('equal priorities: legacy /apis sorts by APIService name (<version>.<group>), aggregated by group name', () => {
    const resources = [crd('alpha.example.com', 'v2'), crd('zeta.example.com', 'v1'), crd('zeta.example.com', 'v3')];
    // "v1.zeta.example.com" < "v2.alpha.example.com"
    assert.deepEqual(legacyOrder(resources), [
      ['zeta.example.com', ['v3', 'v1']],
      ['alpha.example.com', ['v2']],
    ]);
    assert.deepEqual(aggregatedOrder(resources), [
      ['alpha.example.com', ['v2']],
      ['zeta.example.com', ['v3', 'v1']],
    ]);
  });

  it('a group ranks by its highest version priority in aggregated discovery, by its first APIService in legacy', () => {
    const resources = [
      ...remote('mixed.example.com', 'v1', 500, 15),
      ...remote('mixed.example.com', 'v2', 3000, 15),
      ...remote('other.example.com', 'v1', 2000, 15),
    ];
    assert.deepEqual(
      aggregatedOrder(resources).map(([g]) => g),
      ['mixed.example.com', 'other.example.com'],
    );
    assert.deepEqual(
      legacyOrder(resources).map(([g]) => g),
      ['mixed.example.com', 'other.example.com'],
    );
  });
});
