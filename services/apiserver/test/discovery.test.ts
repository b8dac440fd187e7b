import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, JsonValue } from '../src/api/object';
import {
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  compareVersions,
  legacyApiVersions,
  storageVersionHash,
} from '../src/discovery';
import { BUILTIN_RESOURCES } from '../src/registry/kinds';
import type { ResourceInfo } from '../src/registry/resources';
import { sharedFixturesDir } from '../src/schema/paths';

function fixture(name: string): JsonObject {
  return JSON.parse(readFileSync(path.join(sharedFixturesDir(), 'discovery', name), 'utf8')) as JsonObject;
}

function asObjects(v: JsonValue | undefined): JsonObject[] {
  assert.ok(Array.isArray(v));
  return v as JsonObject[];
}

/** The fixture list restricted to the resources (and their subresources) kapi serves. */
function servedPartOf(list: JsonObject, group: string, version: string): JsonObject {
  const names = new Set<string>();
  for (const r of BUILTIN_RESOURCES) {
    if (r.group !== group || r.version !== version) continue;
    names.add(r.resource);
    for (const s of r.subresources) names.add(`${r.resource}/${s.name}`);
  }
  return { ...list, resources: asObjects(list.resources).filter((r) => names.has(String(r.name))) };
}

describe('legacy discovery', () => {
  test('GET /api matches the fixture', () => {
    assert.deepEqual(legacyApiVersions('10.10.10.10:8050'), fixture('api.json'));
  });

  for (const [group, version, file] of [
    ['', 'v1', 'api__v1.json'],
    ['apps', 'v1', 'apis__apps__v1.json'],
    ['coordination.k8s.io', 'v1', 'apis__coordination.k8s.io__v1.json'],
    ['discovery.k8s.io', 'v1', 'apis__discovery.k8s.io__v1.json'],
  ] as const) {
    test(`APIResourceList for ${file} equals the fixture filtered to served resources`, () => {
      const expected = servedPartOf(fixture(file), group, version);
      assert.ok(asObjects(expected.resources).length > 0);
      assert.deepEqual(apiResourceList(group, version, BUILTIN_RESOURCES), expected);
    });
  }

  test('unserved group versions have no resource list or group', () => {
    assert.equal(apiResourceList('resource.k8s.io', 'v1beta1', BUILTIN_RESOURCES), undefined);
    assert.equal(apiGroup('resource.k8s.io', BUILTIN_RESOURCES), undefined);
  });

  test('storageVersionHash is sha256 of group/version/kind, first 8 bytes', () => {
    assert.equal(storageVersionHash('apps', 'v1', 'Deployment'), '8aSe+NMegvE=');
    assert.equal(storageVersionHash('', 'v1', 'ConfigMap'), 'qFsyl6wFWjQ=');
    // a resource kapi does not serve yet, checked against the fixture too
    const pods = asObjects(fixture('api__v1.json').resources).find((r) => r.name === 'pods');
    assert.equal(storageVersionHash('', 'v1', 'Pod'), pods?.storageVersionHash);
  });

  test('GET /apis lists groups in upstream order with preferred version first', () => {
    const list = apiGroupList(BUILTIN_RESOURCES);
    assert.equal(list.kind, 'APIGroupList');
    assert.equal(list.apiVersion, 'v1');
    // upstream's order and preferred versions, for the groups and versions kapi serves
    const served = new Set(BUILTIN_RESOURCES.map((r) => `${r.group}/${r.version}`));
    const expected = asObjects(fixture('aggregated_v2.json').items)
      .map((item) => {
        const name = String((item.metadata as JsonObject).name);
        const versions = asObjects(item.versions)
          .map((v) => String(v.version))
          .filter((v) => served.has(`${name}/${v}`))
          .map((version) => ({ groupVersion: `${name}/${version}`, version }));
        return { name, versions, preferredVersion: versions[0] };
      })
      .filter((g) => g.versions.length > 0);
    assert.ok(expected.length >= 8);
    assert.deepEqual(list.groups, expected);
  });

  test('group order follows the aggregated fixture for every upstream group and version', () => {
    // a resource table holding one made-up resource per fixture group version, shuffled
    const agg = fixture('aggregated_v2.json');
    const resources: ResourceInfo[] = [];
    const expected: Array<{ name: string; versions: string[] }> = [];
    for (const item of asObjects(agg.items)) {
      const name = String((item.metadata as JsonObject).name);
      const versions = asObjects(item.versions).map((v) => String(v.version));
      expected.push({ name, versions });
      for (const version of versions) {
        resources.push({ ...BUILTIN_RESOURCES[0], group: name, version });
      }
    }
    resources.reverse();
    const groups = asObjects(apiGroupList(resources).groups);
    assert.deepEqual(
      groups.map((g) => ({ name: g.name, versions: asObjects(g.versions).map((v) => v.version) })),
      expected,
    );
    for (const g of groups) assert.deepEqual(g.preferredVersion, asObjects(g.versions)[0]);
  });

  test('custom groups sort after built-in ones, by name', () => {
    const mk = (group: string): ResourceInfo => ({ ...BUILTIN_RESOURCES[0], group, version: 'v1' });
    const names = asObjects(apiGroupList([mk('zeta.example.com'), mk('apps'), mk('alpha.example.com')]).groups).map(
      (g) => g.name,
    );
    assert.deepEqual(names, ['apps', 'alpha.example.com', 'zeta.example.com']);
  });

  test('version priority: GA, then beta, then alpha, higher first', () => {
    const sorted = ['v1alpha1', 'v1beta2', 'v2', 'foo', 'v1', 'v1beta1', 'v2alpha1', 'v10'].sort(compareVersions);
    assert.deepEqual(sorted, ['v10', 'v2', 'v1', 'v1beta2', 'v1beta1', 'v2alpha1', 'v1alpha1', 'foo']);
  });

  test('GET /apis/<group> is an APIGroup', () => {
    assert.deepEqual(apiGroup('apps', BUILTIN_RESOURCES), {
      kind: 'APIGroup',
      apiVersion: 'v1',
      name: 'apps',
      versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
      preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
    });
  });
});

describe('aggregated discovery (apidiscovery.k8s.io/v2)', () => {
  test('/apis equals the fixture filtered to served groups, versions and resources', () => {
    const agg = fixture('aggregated_v2.json');
    const servedGroups = new Set(BUILTIN_RESOURCES.map((r) => r.group));
    const served = new Set(BUILTIN_RESOURCES.map((r) => `${r.group}/${r.version}/${r.resource}`));
    const items = asObjects(agg.items)
      .filter((item) => servedGroups.has(String((item.metadata as JsonObject).name)))
      .map((item) => {
        const group = String((item.metadata as JsonObject).name);
        const versions = asObjects(item.versions)
          .map((v) => ({
            ...v,
            resources: asObjects(v.resources).filter((r) => served.has(`${group}/${v.version}/${r.resource}`)),
          }))
          .filter((v) => v.resources.length > 0);
        return { ...item, versions };
      });
    const expected = { ...agg, items };
    assert.equal(items.length, new Set(BUILTIN_RESOURCES.filter((r) => r.group).map((r) => r.group)).size);
    assert.deepEqual(aggregatedDiscovery(BUILTIN_RESOURCES, 'apis'), expected);
  });

  test('/api holds one nameless group with the core v1 resources', () => {
    const doc = aggregatedDiscovery(BUILTIN_RESOURCES, 'api');
    assert.equal(doc.kind, 'APIGroupDiscoveryList');
    assert.equal(doc.apiVersion, 'apidiscovery.k8s.io/v2');
    const items = asObjects(doc.items);
    assert.equal(items.length, 1);
    assert.deepEqual(items[0].metadata, { creationTimestamp: null });
    const versions = asObjects(items[0].versions);
    assert.deepEqual(
      versions.map((v) => [v.version, v.freshness]),
      [['v1', 'Current']],
    );
    const resources = asObjects(versions[0].resources);
    assert.deepEqual(
      resources.map((r) => r.resource),
      BUILTIN_RESOURCES.filter((r) => r.group === '')
        .map((r) => r.resource)
        .sort(),
    );
    const ns = resources.find((r) => r.resource === 'namespaces');
    assert.deepEqual(ns, {
      resource: 'namespaces',
      responseKind: { group: '', version: '', kind: 'Namespace' },
      scope: 'Cluster',
      singularResource: 'namespace',
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['ns'],
      subresources: [
        { subresource: 'finalize', responseKind: { group: '', version: '', kind: 'Namespace' }, verbs: ['update'] },
        {
          subresource: 'status',
          responseKind: { group: '', version: '', kind: 'Namespace' },
          verbs: ['get', 'patch', 'update'],
        },
      ],
    });
    // the core entries agree with the legacy /api/v1 fixture on every shared fact
    const legacy = asObjects(fixture('api__v1.json').resources);
    for (const r of resources) {
      const l = legacy.find((x) => x.name === r.resource);
      assert.ok(l, String(r.resource));
      assert.equal(r.singularResource, l.singularName);
      assert.equal(r.scope, l.namespaced ? 'Namespaced' : 'Cluster');
      assert.deepEqual(r.verbs, l.verbs);
      assert.deepEqual(r.shortNames, l.shortNames);
      assert.equal((r.responseKind as JsonObject).kind, l.kind);
    }
  });

  test('no core resources: /api has no groups', () => {
    const onlyApps = BUILTIN_RESOURCES.filter((r) => r.group === 'apps');
    assert.deepEqual(aggregatedDiscovery(onlyApps, 'api').items, []);
  });
});
