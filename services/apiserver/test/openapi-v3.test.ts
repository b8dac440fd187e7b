import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, JsonValue } from '../src/api/object';
import { openApiName, operationGroupVersion, operationTag } from '../src/openapi/names';
import { buildOpenApiV3, openApiV3Document, openApiV3Hash, openApiV3Index } from '../src/openapi/v3';
import type { ResourceInfo } from '../src/registry/resources';
import type { FieldSchema, MessageSchema, SchemaSet } from '../src/schema/model';

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const WIDGETS = 'k8s.io.api.widgets.v1';

function field(name: string, number: number, type: string, extra: Partial<FieldSchema> = {}): FieldSchema {
  const scalar = !type.includes('.');
  return {
    name,
    number,
    label: 'optional',
    kind: scalar ? 'scalar' : 'message',
    type,
    jsonName: name,
    omitempty: true,
    inline: false,
    pointer: false,
    markers: { optional: true },
    ...extra,
  };
}

function message(fullName: string, fields: FieldSchema[], extra: Partial<MessageSchema> = {}): MessageSchema {
  return { fullName, fields, markers: {}, ...extra };
}

/** A tiny schema world: meta types plus one Widget kind exercising every field shape. */
function tinySchemas(): SchemaSet {
  const list: MessageSchema[] = [
    message(`${META}.ObjectMeta`, [
      field('name', 1, 'string'),
      field('labels', 11, 'map', {
        label: 'map',
        kind: 'map',
        keyType: 'string',
        valueType: 'string',
        valueKind: 'scalar',
        pointer: true,
        goType: 'map[string]string',
      }),
      field('creationTimestamp', 8, `${META}.Time`, { goType: 'Time' }),
      field('finalizers', 14, 'string', {
        label: 'repeated',
        pointer: true,
        goType: '[]string',
        markers: { optional: true, patchStrategy: 'merge', listType: 'set' },
      }),
    ]),
    message(`${META}.ListMeta`, [field('resourceVersion', 2, 'string')]),
    message(`${META}.Time`, [field('seconds', 1, 'int64'), field('nanos', 2, 'int32')], { customJson: 'Time' }),
    message(`${META}.Status`, [
      field('metadata', 1, `${META}.ListMeta`, { goType: 'ListMeta' }),
      field('code', 6, 'int32'),
    ]),
    message(`${META}.Preconditions`, [field('uid', 1, 'string', { pointer: true, goType: '*types.UID' })]),
    message(`${META}.DeleteOptions`, [
      field('gracePeriodSeconds', 1, 'int64', { pointer: true, goType: '*int64' }),
      field('preconditions', 2, `${META}.Preconditions`, { pointer: true, goType: '*Preconditions' }),
    ]),
    message(`${META}.WatchEvent`, [
      field('type', 1, 'string', { omitempty: false, markers: {} }),
      field('object', 2, 'k8s.io.apimachinery.pkg.runtime.RawExtension', { omitempty: false, markers: {} }),
    ]),
    message('k8s.io.apimachinery.pkg.runtime.RawExtension', [field('raw', 1, 'bytes')], { customJson: 'RawJSON' }),
    message('k8s.io.apimachinery.pkg.util.intstr.IntOrString', [field('type', 1, 'int64')], {
      customJson: 'IntOrString',
    }),
    message('k8s.io.apimachinery.pkg.api.resource.Quantity', [field('string', 1, 'string')], {
      customJson: 'Quantity',
    }),
    message(`${META}.Patch`, []),
    message(`${META}.APIResourceList`, [field('groupVersion', 1, 'string', { omitempty: false, markers: {} })]),
    message(`${WIDGETS}.Widget`, [
      field('metadata', 1, `${META}.ObjectMeta`, { goType: 'metav1.ObjectMeta' }),
      field('spec', 2, `${WIDGETS}.WidgetSpec`, { goType: 'WidgetSpec' }),
    ]),
    message(`${WIDGETS}.WidgetList`, [
      field('metadata', 1, `${META}.ListMeta`, { goType: 'metav1.ListMeta' }),
      field('items', 2, `${WIDGETS}.Widget`, {
        label: 'repeated',
        pointer: true,
        goType: '[]Widget',
        omitempty: false,
        markers: {},
      }),
    ]),
    message(`${WIDGETS}.WidgetSpec`, [
      field('replicas', 1, 'int32', { pointer: true, goType: '*int32' }),
      field('size', 2, 'int64', { omitempty: false, markers: {}, goType: 'int64' }),
      field('enabled', 3, 'bool', { omitempty: false, markers: { required: true } }),
      field('ratio', 4, 'double'),
      field('blob', 5, 'bytes', { goType: '[]byte' }),
      field('port', 6, 'k8s.io.apimachinery.pkg.util.intstr.IntOrString', {
        pointer: true,
        goType: '*intstr.IntOrString',
      }),
      field('limits', 7, 'map', {
        label: 'map',
        kind: 'map',
        keyType: 'string',
        valueType: 'k8s.io.apimachinery.pkg.api.resource.Quantity',
        valueKind: 'message',
        pointer: true,
        goType: 'map[string]resource.Quantity',
      }),
      field('parts', 8, `${WIDGETS}.Part`, {
        label: 'repeated',
        pointer: true,
        goType: '[]Part',
        markers: {
          optional: true,
          listType: 'map',
          listMapKey: ['name'],
          patchStrategy: 'merge',
          patchMergeKey: 'name',
        },
      }),
      field('common', 9, `${WIDGETS}.Common`, { jsonName: '', inline: true, goType: 'Common' }),
      field('hidden', 10, 'string', { jsonName: '-' }),
      field('mode', 11, 'string', { markers: { optional: true, default: '"Fast"' } }),
      field('selector', 12, `${WIDGETS}.Selector`, {
        pointer: true,
        goType: '*Selector',
        markers: { mapType: 'atomic' },
      }),
    ]),
    message(`${WIDGETS}.Part`, [field('name', 1, 'string', { omitempty: false, markers: {} })]),
    message(`${WIDGETS}.Common`, [field('color', 1, 'string', { omitempty: false, markers: {} })]),
    message(`${WIDGETS}.Selector`, [field('key', 1, 'string')], { markers: { structType: 'atomic' } }),
    message(`${WIDGETS}.Unused`, [field('x', 1, 'string')]),
  ];
  const byName = new Map(list.map((m) => [m.fullName, m]));
  return {
    message(fullName: string): MessageSchema {
      const m = byName.get(fullName);
      if (!m) throw new Error(`unknown ${fullName}`);
      return m;
    },
    has: (fullName: string) => byName.has(fullName),
    all: () => byName.values(),
  };
}

const WIDGET: ResourceInfo = {
  group: 'widgets.k8s.io',
  version: 'v1',
  resource: 'widgets',
  kind: 'Widget',
  listKind: 'WidgetList',
  singularName: 'widget',
  namespaced: true,
  shortNames: [],
  categories: [],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  messageType: `${WIDGETS}.Widget`,
  subresources: [{ name: 'status', kind: 'Widget', verbs: ['get', 'patch', 'update'] }],
};

function obj(v: JsonValue | undefined): JsonObject {
  assert.ok(v !== null && typeof v === 'object' && !Array.isArray(v), `expected an object, got ${JSON.stringify(v)}`);
  return v as JsonObject;
}

function schemaOf(doc: JsonObject, name: string): JsonObject {
  return obj(obj(obj(doc.components).schemas)[name]);
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

describe('OpenAPI names', () => {
  test('proto packages map to upstream definition names', () => {
    assert.equal(openApiName('k8s.io.api.core.v1.ConfigMap'), 'io.k8s.api.core.v1.ConfigMap');
    assert.equal(
      openApiName('k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta'),
      'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    );
    assert.equal(
      openApiName('k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition'),
      'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
    );
    assert.equal(
      openApiName('k8s.io.kube_aggregator.pkg.apis.apiregistration.v1.APIService'),
      'io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService',
    );
  });

  test('operation id and tag parts', () => {
    assert.equal(operationGroupVersion('', 'v1'), 'CoreV1');
    assert.equal(operationGroupVersion('rbac.authorization.k8s.io', 'v1'), 'RbacAuthorizationV1');
    assert.equal(operationGroupVersion('coordination.k8s.io', 'v1beta1'), 'CoordinationV1beta1');
    assert.equal(operationTag('rbac.authorization.k8s.io', 'v1'), 'rbacAuthorization_v1');
    assert.equal(operationTag('', 'v1'), 'core_v1');
  });
});

describe('OpenAPI v3 document from a hand-built schema set', () => {
  const doc = openApiV3Document(tinySchemas(), [WIDGET]);

  test('document header', () => {
    assert.equal(doc.openapi, '3.0.0');
    assert.deepEqual(doc.info, { title: 'Kubernetes', version: 'v1.32.0' });
  });

  test('only reachable messages become components, every $ref resolves', () => {
    const names = Object.keys(obj(obj(doc.components).schemas));
    assert.ok(names.includes('io.k8s.api.widgets.v1.Widget'));
    assert.ok(names.includes('io.k8s.api.widgets.v1.WidgetList'));
    assert.ok(names.includes('io.k8s.apimachinery.pkg.apis.meta.v1.Preconditions'));
    assert.ok(!names.includes('io.k8s.api.widgets.v1.Unused'));
    // inline members are merged, not referenced
    assert.ok(!names.includes('io.k8s.api.widgets.v1.Common'));
    const refs = allRefs(doc);
    assert.ok(refs.length > 0);
    for (const ref of refs) {
      const prefix = '#/components/schemas/';
      assert.ok(ref.startsWith(prefix), ref);
      assert.ok(names.includes(ref.slice(prefix.length)), `unresolved ${ref}`);
    }
  });

  test('kinds carry apiVersion, kind and their GVK; embedded types do not', () => {
    const widget = schemaOf(doc, 'io.k8s.api.widgets.v1.Widget');
    assert.deepEqual(widget['x-kubernetes-group-version-kind'], [
      { group: 'widgets.k8s.io', kind: 'Widget', version: 'v1' },
    ]);
    assert.deepEqual(Object.keys(obj(widget.properties)), ['apiVersion', 'kind', 'metadata', 'spec']);
    assert.deepEqual(obj(obj(widget.properties).metadata), {
      allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }],
      description: 'Metadata of this Widget.',
      default: {},
    });
    const spec = schemaOf(doc, 'io.k8s.api.widgets.v1.WidgetSpec');
    assert.equal(spec['x-kubernetes-group-version-kind'], undefined);
    assert.equal(obj(spec.properties).apiVersion, undefined);
    const list = schemaOf(doc, 'io.k8s.api.widgets.v1.WidgetList');
    assert.deepEqual(list.required, ['items']);
    assert.deepEqual(obj(obj(list.properties).items).items, {
      allOf: [{ $ref: '#/components/schemas/io.k8s.api.widgets.v1.Widget' }],
      default: {},
    });
  });

  test('field shapes, required members, defaults and markers', () => {
    const spec = schemaOf(doc, 'io.k8s.api.widgets.v1.WidgetSpec');
    const p = obj(spec.properties);
    assert.deepEqual(Object.keys(p), [
      'blob',
      'color',
      'enabled',
      'limits',
      'mode',
      'parts',
      'port',
      'ratio',
      'replicas',
      'selector',
      'size',
    ]);
    assert.deepEqual(spec.required, ['size', 'enabled', 'color']);
    assert.equal(spec.type, 'object');
    assert.deepEqual(
      { ...obj(p.replicas), description: undefined },
      { description: undefined, type: 'integer', format: 'int32' },
    );
    assert.equal(obj(p.size).default, 0);
    assert.equal(obj(p.size).format, 'int64');
    assert.equal(obj(p.enabled).type, 'boolean');
    assert.equal(obj(p.enabled).default, false);
    assert.deepEqual([obj(p.ratio).type, obj(p.ratio).format], ['number', 'double']);
    assert.deepEqual([obj(p.blob).type, obj(p.blob).format], ['string', 'byte']);
    assert.deepEqual(obj(p.port).allOf, [
      { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString' },
    ]);
    assert.equal(obj(p.port).default, undefined);
    assert.deepEqual(obj(p.limits).additionalProperties, {
      $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity',
    });
    assert.equal(obj(p.mode).default, 'Fast');
    const parts = obj(p.parts);
    assert.equal(parts.type, 'array');
    assert.equal(parts['x-kubernetes-list-type'], 'map');
    assert.deepEqual(parts['x-kubernetes-list-map-keys'], ['name']);
    assert.equal(parts['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(parts['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(obj(p.selector)['x-kubernetes-map-type'], 'atomic');
    assert.equal(schemaOf(doc, 'io.k8s.api.widgets.v1.Selector')['x-kubernetes-map-type'], 'atomic');
    for (const [name, prop] of Object.entries(p)) {
      assert.equal(typeof obj(prop).description, 'string', name);
    }
  });

  test('meta types: ObjectMeta maps and sets, special scalars', () => {
    const om = obj(schemaOf(doc, 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta').properties);
    assert.deepEqual(obj(om.labels).additionalProperties, { type: 'string', default: '' });
    assert.deepEqual(obj(om.finalizers).items, { type: 'string', default: '' });
    assert.equal(obj(om.finalizers)['x-kubernetes-list-type'], 'set');
    const time = schemaOf(doc, 'io.k8s.apimachinery.pkg.apis.meta.v1.Time');
    assert.deepEqual([time.type, time.format], ['string', 'date-time']);
    const ios = schemaOf(doc, 'io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    assert.equal(ios.format, 'int-or-string');
    assert.deepEqual(ios.oneOf, [{ type: 'integer' }, { type: 'string' }]);
    assert.deepEqual(schemaOf(doc, 'io.k8s.apimachinery.pkg.api.resource.Quantity').oneOf, [
      { type: 'string' },
      { type: 'number' },
    ]);
    assert.equal(schemaOf(doc, 'io.k8s.apimachinery.pkg.runtime.RawExtension').type, 'object');
    const we = schemaOf(doc, 'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent');
    assert.deepEqual(we.required, ['type', 'object']);
    assert.equal(obj(we.properties).kind, undefined);
    assert.deepEqual(we['x-kubernetes-group-version-kind'], [
      { group: 'widgets.k8s.io', kind: 'WatchEvent', version: 'v1' },
    ]);
    assert.deepEqual(schemaOf(doc, 'io.k8s.apimachinery.pkg.apis.meta.v1.Status')['x-kubernetes-group-version-kind'], [
      { group: '', kind: 'Status', version: 'v1' },
    ]);
  });

  test('paths and operations of a namespaced resource', () => {
    const paths = obj(doc.paths);
    assert.deepEqual(Object.keys(paths), [
      '/apis/widgets.k8s.io/v1/',
      '/apis/widgets.k8s.io/v1/namespaces/{namespace}/widgets',
      '/apis/widgets.k8s.io/v1/namespaces/{namespace}/widgets/{name}',
      '/apis/widgets.k8s.io/v1/namespaces/{namespace}/widgets/{name}/status',
      '/apis/widgets.k8s.io/v1/watch/namespaces/{namespace}/widgets',
      '/apis/widgets.k8s.io/v1/watch/namespaces/{namespace}/widgets/{name}',
      '/apis/widgets.k8s.io/v1/watch/widgets',
      '/apis/widgets.k8s.io/v1/widgets',
    ]);
    const coll = obj(paths['/apis/widgets.k8s.io/v1/namespaces/{namespace}/widgets']);
    assert.deepEqual(
      ['get', 'post', 'delete'].map((m) => [obj(coll[m]).operationId, obj(coll[m])['x-kubernetes-action']]),
      [
        ['listWidgetsV1NamespacedWidget', 'list'],
        ['createWidgetsV1NamespacedWidget', 'post'],
        ['deleteWidgetsV1CollectionNamespacedWidget', 'deletecollection'],
      ],
    );
    assert.deepEqual(
      (coll.parameters as JsonObject[]).map((p) => p.name),
      ['namespace', 'pretty'],
    );
    const item = obj(paths['/apis/widgets.k8s.io/v1/namespaces/{namespace}/widgets/{name}']);
    const patch = obj(item.patch);
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], {
      group: 'widgets.k8s.io',
      kind: 'Widget',
      version: 'v1',
    });
    assert.deepEqual(
      (patch.parameters as JsonObject[]).map((p) => p.name),
      ['dryRun', 'fieldManager', 'fieldValidation', 'force'],
    );
    assert.deepEqual(Object.keys(obj(obj(patch.requestBody).content)).sort(), [
      'application/apply-patch+yaml',
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
    ]);
    assert.deepEqual(Object.keys(obj(obj(obj(obj(item.get).responses)['200']).content)), [
      'application/json',
      'application/vnd.kubernetes.protobuf',
      'application/yaml',
    ]);
    assert.deepEqual(
      (obj(item.delete).parameters as JsonObject[]).map((p) => p.name),
      [
        'dryRun',
        'gracePeriodSeconds',
        'ignoreStoreReadErrorWithClusterBreakingPotential',
        'orphanDependents',
        'propagationPolicy',
      ],
    );
    const list = obj(coll.get);
    assert.deepEqual(
      (list.parameters as JsonObject[]).map((p) => p.name),
      [
        'allowWatchBookmarks',
        'continue',
        'fieldSelector',
        'labelSelector',
        'limit',
        'resourceVersion',
        'resourceVersionMatch',
        'sendInitialEvents',
        'timeoutSeconds',
        'watch',
      ],
    );
    const status = obj(paths['/apis/widgets.k8s.io/v1/namespaces/{namespace}/widgets/{name}/status']);
    assert.equal(obj(status.put).operationId, 'replaceWidgetsV1NamespacedWidgetStatus');
    const all = obj(paths['/apis/widgets.k8s.io/v1/widgets']);
    assert.equal(obj(all.get).operationId, 'listWidgetsV1WidgetForAllNamespaces');
    assert.equal(obj(obj(paths['/apis/widgets.k8s.io/v1/watch/widgets']).get)['x-kubernetes-action'], 'watchlist');
  });

  test('a cluster-scoped resource has no namespace paths', () => {
    const cluster = openApiV3Document(tinySchemas(), [{ ...WIDGET, namespaced: false, subresources: [] }]);
    const paths = Object.keys(obj(cluster.paths));
    assert.ok(paths.includes('/apis/widgets.k8s.io/v1/widgets'));
    assert.ok(paths.includes('/apis/widgets.k8s.io/v1/widgets/{name}'));
    assert.ok(paths.every((p) => !p.includes('{namespace}')));
    const coll = obj(obj(cluster.paths)['/apis/widgets.k8s.io/v1/widgets']);
    assert.equal(obj(coll.get).operationId, 'listWidgetsV1Widget');
  });
});

describe('OpenAPI v3 index and hash', () => {
  test('hash is the uppercase hex SHA-512 of the bytes', () => {
    const bytes = Buffer.from('{"openapi":"3.0.0"}');
    const hash = openApiV3Hash(bytes);
    assert.equal(hash, createHash('sha512').update(bytes).digest('hex').toUpperCase());
    assert.match(hash, /^[0-9A-F]{128}$/);
  });

  test('index points at every group version document with its hash', () => {
    const set = buildOpenApiV3(tinySchemas(), [WIDGET]);
    assert.deepEqual([...set.documents.keys()], ['apis/widgets.k8s.io/v1']);
    const bytes = set.documents.get('apis/widgets.k8s.io/v1') as Buffer;
    assert.deepEqual(set.index, {
      paths: {
        'apis/widgets.k8s.io/v1': {
          serverRelativeURL: `/openapi/v3/apis/widgets.k8s.io/v1?hash=${openApiV3Hash(bytes)}`,
        },
      },
    });
    assert.deepEqual(JSON.parse(bytes.toString('utf8')), openApiV3Document(tinySchemas(), [WIDGET]));
    assert.throws(() => openApiV3Index([WIDGET], new Map()));
  });
});
