import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, JsonValue } from '../src/api/object';
import { buildOpenApiV3 } from '../src/openapi/v3';
import { BUILTIN_RESOURCES } from '../src/registry/kinds';
import { loadSchemaSet } from '../src/schema/load';

const set = buildOpenApiV3(loadSchemaSet(), BUILTIN_RESOURCES);
const docs = new Map([...set.documents].map(([k, v]) => [k, JSON.parse(v.toString('utf8')) as JsonObject]));

function obj(v: JsonValue | undefined): JsonObject {
  assert.ok(v !== null && typeof v === 'object' && !Array.isArray(v), `expected an object, got ${JSON.stringify(v)}`);
  return v as JsonObject;
}

function doc(path: string): JsonObject {
  const d = docs.get(path);
  assert.ok(d, path);
  return d;
}

function schemas(d: JsonObject): JsonObject {
  return obj(obj(d.components).schemas);
}

function refTarget(d: JsonObject, prop: JsonObject): JsonObject {
  const ref = prop.$ref ?? obj((prop.allOf as JsonObject[])[0]).$ref;
  assert.equal(typeof ref, 'string');
  return obj(schemas(d)[String(ref).replace('#/components/schemas/', '')]);
}

function allRefs(v: JsonValue, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) allRefs(x, out);
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') out.push(x);
      else allRefs(x, out);
    }
  }
  return out;
}

/** What kubectl's QueryParamVerifierV3 does: the first PATCH operation for the GVK must list the parameter. */
function kubectlSeesQueryParam(d: JsonObject, gvk: JsonObject, param: string): boolean {
  for (const item of Object.values(obj(d.paths))) {
    const patch = obj(item).patch;
    if (patch === undefined) continue;
    const ext = obj(obj(patch)['x-kubernetes-group-version-kind']);
    if (ext.group !== gvk.group || ext.version !== gvk.version || ext.kind !== gvk.kind) continue;
    return ((obj(patch).parameters ?? []) as JsonObject[]).some((p) => p.name === param);
  }
  return false;
}

/** Every served group version as x-kubernetes-group-version-kind entries of kind, sorted by group then version. */
function servedGroupVersions(kind: string): Array<{ group: string; kind: string; version: string }> {
  const gvs = [...new Set(BUILTIN_RESOURCES.map((r) => `${r.group}/${r.version}`))].sort();
  return gvs.map((gv) => {
    const [group, version] = gv.split('/');
    return { group, kind, version };
  });
}

describe('OpenAPI v3 of the built-in resources (real proto/ schemas)', () => {
  test('one document per served group version, listed in the index', () => {
    const gvs = [
      ...new Set(BUILTIN_RESOURCES.map((r) => (r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`))),
    ];
    const served = ['api/v1', ...gvs.filter((p) => p !== 'api/v1').sort()];
    assert.ok(served.includes('apis/autoscaling/v2') && served.includes('apis/events.k8s.io/v1'));
    assert.deepEqual([...docs.keys()], served);
    assert.deepEqual(Object.keys(obj(set.index.paths)), served);
  });

  test('every $ref in every document resolves to a component', () => {
    for (const [path, d] of docs) {
      const names = new Set(Object.keys(schemas(d)));
      const refs = allRefs(d);
      assert.ok(refs.length > 20, path);
      for (const ref of refs) assert.ok(names.has(ref.replace('#/components/schemas/', '')), `${path}: ${ref}`);
    }
  });

  test('Deployment: GVK and container list merge metadata', () => {
    const d = doc('apis/apps/v1');
    const deployment = obj(schemas(d)['io.k8s.api.apps.v1.Deployment']);
    assert.deepEqual(deployment['x-kubernetes-group-version-kind'], [
      { group: 'apps', kind: 'Deployment', version: 'v1' },
    ]);
    const containers = obj(obj(obj(schemas(d)['io.k8s.api.core.v1.PodSpec']).properties).containers);
    assert.equal(containers.type, 'array');
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(containers['x-kubernetes-list-type'], 'map');
    assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);
    assert.ok((obj(schemas(d)['io.k8s.api.core.v1.PodSpec']).required as string[]).includes('containers'));
    const volumes = obj(obj(obj(schemas(d)['io.k8s.api.core.v1.PodSpec']).properties).volumes);
    assert.equal(volumes['x-kubernetes-patch-strategy'], 'merge,retainKeys');
    assert.deepEqual(obj(schemas(d)['io.k8s.api.autoscaling.v1.Scale'])['x-kubernetes-group-version-kind'], [
      { group: 'autoscaling', kind: 'Scale', version: 'v1' },
    ]);
  });

  test('kubectl explain deployment.spec.template can walk to the pod spec with descriptions', () => {
    const d = doc('apis/apps/v1');
    let s = obj(schemas(d)['io.k8s.api.apps.v1.Deployment']);
    for (const step of ['spec', 'template', 'spec', 'containers']) {
      const prop = obj(obj(s.properties)[step]);
      assert.equal(typeof prop.description, 'string', step);
      s = prop.type === 'array' ? refTarget(d, obj(prop.items)) : refTarget(d, prop);
      assert.equal(typeof s.description, 'string');
    }
    assert.ok(obj(s.properties).image);
    assert.deepEqual(s.required, ['name']);
  });

  test('upstream member names and special types', () => {
    const d = doc('apis/apps/v1');
    const s = schemas(d);
    // inline members merged (VolumeSource into Volume), JSON names not proto names
    assert.ok(obj(obj(s['io.k8s.api.core.v1.Volume']).properties).configMap);
    assert.equal(s['io.k8s.api.core.v1.VolumeSource'], undefined);
    assert.deepEqual(obj(s['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).oneOf, [
      { type: 'integer' },
      { type: 'string' },
    ]);
    assert.deepEqual(obj(s['io.k8s.apimachinery.pkg.api.resource.Quantity']).oneOf, [
      { type: 'string' },
      { type: 'number' },
    ]);
    assert.equal(obj(s['io.k8s.apimachinery.pkg.apis.meta.v1.Time']).format, 'date-time');
    const rollingUpdate = obj(obj(s['io.k8s.api.apps.v1.RollingUpdateDeployment']).properties);
    assert.deepEqual(rollingUpdate.maxSurge, {
      ...obj(rollingUpdate.maxSurge),
      allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString' }],
    });
    const lease = schemas(doc('apis/coordination.k8s.io/v1'));
    const renewTime = obj(obj(lease['io.k8s.api.coordination.v1.LeaseSpec']).properties).renewTime;
    assert.equal(refTarget(doc('apis/coordination.k8s.io/v1'), obj(renewTime)).format, 'date-time');
    const core = schemas(doc('api/v1'));
    assert.deepEqual(obj(obj(obj(core['io.k8s.api.core.v1.Secret']).properties).data).additionalProperties, {
      type: 'string',
      format: 'byte',
    });
    for (const name of ['ConfigMapList', 'EventList', 'NamespaceList', 'SecretList']) {
      assert.ok(core[`io.k8s.api.core.v1.${name}`], name);
    }
    for (const name of ['Status', 'DeleteOptions', 'WatchEvent', 'Patch', 'APIResourceList']) {
      assert.ok(core[`io.k8s.apimachinery.pkg.apis.meta.v1.${name}`], name);
    }
  });

  test('DeleteOptions and WatchEvent name every served group version', () => {
    for (const d of docs.values()) {
      const gvks = obj(schemas(d)['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions'])[
        'x-kubernetes-group-version-kind'
      ];
      assert.deepEqual(gvks, servedGroupVersions('DeleteOptions'));
    }
  });

  test('kubectl finds fieldValidation (and dryRun, fieldManager) on every served kind', () => {
    // kubectl reads them from the kind's patch operation; create-only reviews have none
    for (const r of BUILTIN_RESOURCES.filter((x) => x.verbs.includes('patch'))) {
      const d = doc(r.group === '' ? `api/${r.version}` : `apis/${r.group}/${r.version}`);
      const gvk = { group: r.group, version: r.version, kind: r.kind };
      for (const p of ['fieldValidation', 'dryRun', 'fieldManager']) {
        assert.ok(kubectlSeesQueryParam(d, gvk, p), `${r.kind} ${p}`);
      }
    }
  });

  test('operation ids are unique and upstream-shaped', () => {
    for (const d of docs.values()) {
      const ids: string[] = [];
      for (const item of Object.values(obj(d.paths))) {
        for (const [method, op] of Object.entries(obj(item))) {
          if (method !== 'parameters') ids.push(String(obj(op).operationId));
        }
      }
      assert.equal(new Set(ids).size, ids.length);
    }
    const core = obj(doc('api/v1').paths);
    assert.equal(
      obj(obj(core['/api/v1/namespaces/{namespace}/configmaps']).get).operationId,
      'listCoreV1NamespacedConfigMap',
    );
    assert.equal(obj(obj(core['/api/v1/configmaps']).get).operationId, 'listCoreV1ConfigMapForAllNamespaces');
    assert.equal(
      obj(obj(core['/api/v1/namespaces/{name}/finalize']).put).operationId,
      'replaceCoreV1NamespaceFinalize',
    );
    assert.equal(obj(core['/api/v1/namespaces']).delete, undefined, 'namespaces have no deletecollection');
    const apps = obj(doc('apis/apps/v1').paths);
    const scale = obj(apps['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']);
    assert.equal(obj(scale.patch).operationId, 'patchAppsV1NamespacedDeploymentScale');
    assert.deepEqual(obj(scale.patch)['x-kubernetes-group-version-kind'], {
      group: 'autoscaling',
      kind: 'Scale',
      version: 'v1',
    });
  });

  test('proxy subresources are connect operations, as upstream 1.32 lists them', () => {
    const core = obj(doc('api/v1').paths);
    const methods = ['delete', 'get', 'head', 'options', 'patch', 'post', 'put'];
    const upstreamPathQuery: Record<string, string> = {
      Pod: 'Path is the URL path to use for the current proxy request to pod.',
      Service:
        'Path is the part of URLs that include service endpoints, suffixes, and parameters to use for the current proxy request to service. For example, the whole request URL is http://localhost/api/v1/namespaces/kube-system/services/elasticsearch-logging/_search?q=user:kimchy. Path is _search?q=user:kimchy.',
      Node: 'Path is the URL path to use for the current proxy request to node.',
    };
    const cases = [
      { base: '/api/v1/namespaces/{namespace}/pods/{name}/proxy', kind: 'Pod', scope: 'Namespaced' },
      { base: '/api/v1/namespaces/{namespace}/services/{name}/proxy', kind: 'Service', scope: 'Namespaced' },
      { base: '/api/v1/nodes/{name}/proxy', kind: 'Node', scope: '' },
    ];
    for (const { base, kind, scope } of cases) {
      for (const [path, suffix] of [
        [base, ''],
        [`${base}/{path}`, 'WithPath'],
      ]) {
        const item = obj(core[path]);
        assert.deepEqual(Object.keys(item).sort(), [...methods, 'parameters'].sort(), path);
        for (const method of methods) {
          const verb = method.charAt(0).toUpperCase() + method.slice(1);
          assert.deepEqual(
            item[method],
            {
              description: `connect ${method.toUpperCase()} requests to proxy of ${kind}`,
              operationId: `connectCoreV1${verb}${scope}${kind}Proxy${suffix}`,
              responses: {
                '200': { content: { '*/*': { schema: { type: 'string' } } }, description: 'OK' },
                '401': { description: 'Unauthorized' },
              },
              tags: ['core_v1'],
              'x-kubernetes-action': 'connect',
              'x-kubernetes-group-version-kind': { group: '', kind: `${kind}ProxyOptions`, version: 'v1' },
            },
            `${path} ${method}`,
          );
        }
        const params = (item.parameters as JsonObject[]).map((p) => ({ ...p }));
        const str = { type: 'string', uniqueItems: true };
        const expected: JsonObject[] = [
          { description: `name of the ${kind}ProxyOptions`, in: 'path', name: 'name', required: true, schema: str },
        ];
        if (scope) expected.push(obj(params.find((p) => p.name === 'namespace' && p.in === 'path')));
        if (suffix)
          expected.push({ description: 'path to the resource', in: 'path', name: 'path', required: true, schema: str });
        expected.push({ description: upstreamPathQuery[kind], in: 'query', name: 'path', schema: str });
        assert.deepEqual(params, expected, path);
      }
    }
    // upstream names the options kinds only in the GVK extension: no component schemas for them
    for (const kind of ['PodProxyOptions', 'ServiceProxyOptions', 'NodeProxyOptions'])
      assert.equal(schemas(doc('api/v1'))[`io.k8s.api.core.v1.${kind}`], undefined, kind);
  });
});
