import type { JsonObject } from '../../apiserver/src/api/object';
import { openApiName } from '../../apiserver/src/openapi/names';
import { groupVersionRootPath, resourcePaths } from '../../apiserver/src/openapi/paths';
import { ComponentBuilder } from '../../apiserver/src/openapi/schemas';
import { openApiV2FromV3Documents } from '../../apiserver/src/openapi/v2';
import { encodeOpenApiV2Protobuf } from '../../apiserver/src/openapi/v2-proto';
import { openApiV3Envelope, openApiV3Hash } from '../../apiserver/src/openapi/v3';
import type { ResourceInfo } from '../../apiserver/src/registry/resources';
import { loadSchemaSet } from '../../apiserver/src/schema/load';
import { GROUP, VERSION } from './metrics-api';
import { METRICS_RESOURCES } from './discovery';

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const QUANTITY = 'k8s.io.apimachinery.pkg.api.resource.Quantity';
/** The Go package of metrics.k8s.io/v1beta1, as OpenAPI names it. */
const METRICS_PKG = 'io.k8s.metrics.pkg.apis.metrics.v1beta1';
const V3_REF = '#/components/schemas/';

function ref(name: string): JsonObject {
  return { $ref: `${V3_REF}${name}` };
}

function embedded(name: string, description: string): JsonObject {
  return { allOf: [ref(name)], default: {}, description };
}

const TYPE_META: JsonObject = {
  apiVersion: {
    description:
      'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
    type: 'string',
  },
  kind: {
    description:
      'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
    type: 'string',
  },
};

function usageSchema(description: string): JsonObject {
  return { description, type: 'object', additionalProperties: ref(openApiName(QUANTITY)) };
}

function gvk(kind: string): JsonObject[] {
  return [{ group: GROUP, kind, version: VERSION }];
}

function listSchema(kind: string, itemKind: string): JsonObject {
  return {
    description: `${kind} is a list of ${itemKind}.`,
    type: 'object',
    required: ['items'],
    properties: {
      ...TYPE_META,
      items: {
        description: `List of ${itemKind === 'NodeMetrics' ? 'node' : 'pod'} metrics.`,
        type: 'array',
        items: { allOf: [ref(`${METRICS_PKG}.${itemKind}`)], default: {} },
      },
      metadata: embedded(
        openApiName(`${META}.ListMeta`),
        'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
      ),
    },
    'x-kubernetes-group-version-kind': gvk(kind),
  };
}

const INTERVAL =
  'The following fields define time interval from which metrics were collected from the interval [Timestamp-Window, Timestamp].';

/** The metrics.k8s.io/v1beta1 kinds, as k8s.io/metrics publishes them. */
function metricsSchemas(): Record<string, JsonObject> {
  const objectMeta = embedded(
    openApiName(`${META}.ObjectMeta`),
    "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
  );
  const interval = {
    timestamp: embedded(openApiName(`${META}.Time`), INTERVAL),
    window: { allOf: [ref(openApiName(`${META}.Duration`))], default: 0 },
  };
  return {
    [`${METRICS_PKG}.ContainerMetrics`]: {
      description: 'ContainerMetrics sets resource usage metrics of a container.',
      type: 'object',
      required: ['name', 'usage'],
      properties: {
        name: {
          description: 'Container name corresponding to the one from pod.spec.containers.',
          type: 'string',
          default: '',
        },
        usage: usageSchema('The memory usage is the memory working set.'),
      },
    },
    [`${METRICS_PKG}.NodeMetrics`]: {
      description: 'NodeMetrics sets resource usage metrics of a node.',
      type: 'object',
      required: ['timestamp', 'window', 'usage'],
      properties: {
        ...TYPE_META,
        metadata: objectMeta,
        ...interval,
        usage: usageSchema('The memory usage is the memory working set.'),
      },
      'x-kubernetes-group-version-kind': gvk('NodeMetrics'),
    },
    [`${METRICS_PKG}.NodeMetricsList`]: listSchema('NodeMetricsList', 'NodeMetrics'),
    [`${METRICS_PKG}.PodMetrics`]: {
      description: 'PodMetrics sets resource usage metrics of a pod.',
      type: 'object',
      required: ['timestamp', 'window', 'containers'],
      properties: {
        ...TYPE_META,
        metadata: objectMeta,
        ...interval,
        containers: {
          description: 'Metrics for all containers are collected within the same time window.',
          type: 'array',
          items: { allOf: [ref(`${METRICS_PKG}.ContainerMetrics`)], default: {} },
          'x-kubernetes-list-type': 'atomic',
        },
      },
      'x-kubernetes-group-version-kind': gvk('PodMetrics'),
    },
    [`${METRICS_PKG}.PodMetricsList`]: listSchema('PodMetricsList', 'PodMetrics'),
  };
}

/** The meta kinds the paths and the metrics kinds reach, from kapi's own schema set. */
function metaSchemas(): JsonObject {
  const statusName = `${META}.Status`;
  const builder = new ComponentBuilder(loadSchemaSet(), {
    gvks: new Map([[statusName, [{ group: '', version: 'v1', kind: 'Status' }]]]),
    typeMetaMessages: new Set([statusName, `${META}.APIResourceList`]),
  });
  for (const root of [
    `${META}.ObjectMeta`,
    `${META}.ListMeta`,
    `${META}.Duration`,
    statusName,
    `${META}.APIResourceList`,
    QUANTITY,
  ])
    builder.add(root);
  return builder.result();
}

function resolver(_g: string, _v: string, kind: string): string {
  return `${V3_REF}${METRICS_PKG}.${kind}`;
}

/** GET /openapi/v3/apis/metrics.k8s.io/v1beta1 */
export function metricsOpenApiV3(): JsonObject {
  const unsorted: Record<string, JsonObject> = { ...groupVersionRootPath(GROUP, VERSION) };
  for (const r of METRICS_RESOURCES) Object.assign(unsorted, resourcePaths(r as ResourceInfo, resolver));
  const paths: JsonObject = {};
  for (const p of Object.keys(unsorted).sort()) paths[p] = unsorted[p];
  const all: Record<string, JsonObject> = { ...(metaSchemas() as Record<string, JsonObject>), ...metricsSchemas() };
  const schemas: JsonObject = {};
  for (const k of Object.keys(all).sort()) schemas[k] = all[k];
  return openApiV3Envelope(paths, schemas);
}

export interface OpenApiDocuments {
  v2: { json: Buffer; protobuf: Buffer; etag: string };
  /** openapi/v3 path → document bytes and their hash */
  v3: Map<string, { body: Buffer; etag: string }>;
}

/** Both documents, built once: the API never changes while the server runs. */
export function buildOpenApiDocuments(): OpenApiDocuments {
  const v3doc = metricsOpenApiV3();
  const v3body = Buffer.from(JSON.stringify(v3doc));
  const v2doc = openApiV2FromV3Documents([v3doc]);
  const v2json = Buffer.from(JSON.stringify(v2doc));
  return {
    v2: { json: v2json, protobuf: encodeOpenApiV2Protobuf(v2doc), etag: openApiV3Hash(v2json) },
    v3: new Map([[`apis/${GROUP}/${VERSION}`, { body: v3body, etag: openApiV3Hash(v3body) }]]),
  };
}
