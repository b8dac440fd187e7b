import type { JsonObject } from '../api/object';
import type { ResourceInfo, SubresourceInfo } from '../registry/resources';
import { connectPaths } from './connect-paths';
import { capitalized, operationGroupVersion, operationTag } from './names';
import { operation } from './operation';
import {
  DELETE_COLLECTION_PARAMS,
  DELETE_PARAMS,
  LIST_PARAMS,
  P,
  PATCH_PARAMS,
  WRITE_PARAMS,
  sortedByName,
} from './parameters';

/** Resolves a kind served at a group version to its components.schemas reference. */
export type RefResolver = (group: string, version: string, kind: string) => string;

export const META_REFS = {
  status: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Status',
  deleteOptions: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
  watchEvent: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent',
  patch: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
  apiResourceList: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList',
};

const OBJECT_MEDIA = ['application/json', 'application/vnd.kubernetes.protobuf', 'application/yaml'];
const LIST_MEDIA = [
  'application/json',
  'application/json;stream=watch',
  'application/vnd.kubernetes.protobuf',
  'application/vnd.kubernetes.protobuf;stream=watch',
  'application/yaml',
];
const PATCH_MEDIA = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
];

function content(media: readonly string[], ref: string): JsonObject {
  const c: JsonObject = {};
  for (const m of media) c[m] = { schema: { $ref: ref } };
  return c;
}

function responses(ref: string, codes: ReadonlyArray<'200' | '201' | '202'>, media = OBJECT_MEDIA): JsonObject {
  const text = { '200': 'OK', '201': 'Created', '202': 'Accepted' };
  const out: JsonObject = {};
  for (const code of codes) out[code] = { content: content(media, ref), description: text[code] };
  out['401'] = { description: 'Unauthorized' };
  return out;
}

function body(ref: string, required = true): JsonObject {
  const b: JsonObject = { content: { '*/*': { schema: { $ref: ref } } } };
  if (required) b.required = true;
  return b;
}

function patchBody(): JsonObject {
  return { content: content(PATCH_MEDIA, META_REFS.patch), required: true };
}

function has(verbs: readonly string[], verb: string): boolean {
  return verbs.includes(verb);
}

/** All paths and operations of one resource (and its subresources), upstream style. */
export function resourcePaths(r: ResourceInfo, resolve: RefResolver): Record<string, JsonObject> {
  const out: Record<string, JsonObject> = {};
  const root = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  const gv = operationGroupVersion(r.group, r.version);
  const tag = operationTag(r.group, r.version);
  const scoped = r.namespaced ? 'Namespaced' : '';
  const nsPrefix = r.namespaced ? '/namespaces/{namespace}' : '';
  const nsParams = r.namespaced ? [P.namespace] : [];
  const gvk = { group: r.group, version: r.version, kind: r.kind };
  const objRef = resolve(r.group, r.version, r.kind);
  // create-only kinds (reviews) have no list type
  const listRef = (): string => resolve(r.group, r.version, r.listKind);
  const idBase = `${gv}${scoped}${r.kind}`;

  const collection: JsonObject = {};
  if (has(r.verbs, 'deletecollection')) {
    collection.delete = operation({
      description: `Delete a collection of ${r.kind} objects.`,
      operationId: `delete${gv}Collection${scoped}${r.kind}`,
      action: 'deletecollection',
      gvk,
      tag,
      parameters: DELETE_COLLECTION_PARAMS,
      requestBody: body(META_REFS.deleteOptions, false),
      responses: responses(META_REFS.status, ['200']),
    });
  }
  if (has(r.verbs, 'list')) {
    collection.get = operation({
      description: `List or watch ${r.kind} objects.`,
      operationId: `list${idBase}`,
      action: 'list',
      gvk,
      tag,
      parameters: LIST_PARAMS,
      responses: responses(listRef(), ['200'], LIST_MEDIA),
    });
  }
  if (has(r.verbs, 'create')) {
    collection.post = operation({
      description: `Create a ${r.kind}.`,
      operationId: `create${idBase}`,
      action: 'post',
      gvk,
      tag,
      parameters: WRITE_PARAMS,
      requestBody: body(objRef),
      responses: responses(objRef, ['200', '201', '202']),
    });
  }
  if (Object.keys(collection).length > 0) {
    collection.parameters = sortedByName([...nsParams, P.pretty]);
    out[`${root}${nsPrefix}/${r.resource}`] = collection;
  }

  const item: JsonObject = {};
  if (has(r.verbs, 'delete')) {
    item.delete = operation({
      description: `Delete a ${r.kind}.`,
      operationId: `delete${idBase}`,
      action: 'delete',
      gvk,
      tag,
      parameters: DELETE_PARAMS,
      requestBody: body(META_REFS.deleteOptions, false),
      responses: responses(META_REFS.status, ['200', '202']),
    });
  }
  if (has(r.verbs, 'get')) {
    item.get = operation({
      description: `Read a ${r.kind}.`,
      operationId: `read${idBase}`,
      action: 'get',
      gvk,
      tag,
      responses: responses(objRef, ['200']),
    });
  }
  if (has(r.verbs, 'patch')) {
    item.patch = operation({
      description: `Partially update a ${r.kind}.`,
      operationId: `patch${idBase}`,
      action: 'patch',
      gvk,
      tag,
      parameters: PATCH_PARAMS,
      requestBody: patchBody(),
      responses: responses(objRef, ['200', '201']),
    });
  }
  if (has(r.verbs, 'update')) {
    item.put = operation({
      description: `Replace a ${r.kind}.`,
      operationId: `replace${idBase}`,
      action: 'put',
      gvk,
      tag,
      parameters: WRITE_PARAMS,
      requestBody: body(objRef),
      responses: responses(objRef, ['200', '201']),
    });
  }
  const itemPathParams = sortedByName([P.name(r.kind), ...nsParams, P.pretty]);
  if (Object.keys(item).length > 0) {
    item.parameters = itemPathParams;
    out[`${root}${nsPrefix}/${r.resource}/{name}`] = item;
  }

  for (const sub of r.subresources) {
    if (sub.connect) {
      Object.assign(out, connectPaths(r, sub, `${root}${nsPrefix}/${r.resource}/{name}/${sub.name}`, nsParams));
      continue;
    }
    const path = subresourcePath(r, sub, resolve, { gv, tag, scoped, itemPathParams });
    if (path) out[`${root}${nsPrefix}/${r.resource}/{name}/${sub.name}`] = path;
  }

  if (has(r.verbs, 'list') && r.namespaced) {
    out[`${root}/${r.resource}`] = {
      get: operation({
        description: `List or watch ${r.kind} objects in all namespaces.`,
        operationId: `list${gv}${r.kind}ForAllNamespaces`,
        action: 'list',
        gvk,
        tag,
        responses: responses(listRef(), ['200'], LIST_MEDIA),
      }),
      parameters: sortedByName([...LIST_PARAMS, P.pretty]),
    };
  }

  if (has(r.verbs, 'watch')) {
    const watchResponses = responses(META_REFS.watchEvent, ['200'], LIST_MEDIA);
    const deprecated = ' Deprecated: use the watch parameter of the list operation.';
    out[`${root}/watch${nsPrefix}/${r.resource}`] = {
      get: operation({
        description: `Watch changes to ${r.kind} objects.${deprecated}`,
        operationId: `watch${idBase}List`,
        action: 'watchlist',
        gvk,
        tag,
        responses: watchResponses,
      }),
      parameters: sortedByName([...LIST_PARAMS, ...nsParams, P.pretty]),
    };
    out[`${root}/watch${nsPrefix}/${r.resource}/{name}`] = {
      get: operation({
        description: `Watch changes to one ${r.kind}.${deprecated}`,
        operationId: `watch${idBase}`,
        action: 'watch',
        gvk,
        tag,
        responses: watchResponses,
      }),
      parameters: sortedByName([...LIST_PARAMS, P.name(r.kind), ...nsParams, P.pretty]),
    };
    if (r.namespaced) {
      out[`${root}/watch/${r.resource}`] = {
        get: operation({
          description: `Watch changes to ${r.kind} objects in all namespaces.${deprecated}`,
          operationId: `watch${gv}${r.kind}ListForAllNamespaces`,
          action: 'watchlist',
          gvk,
          tag,
          responses: watchResponses,
        }),
        parameters: sortedByName([...LIST_PARAMS, P.pretty]),
      };
    }
  }
  return out;
}

function subresourcePath(
  r: ResourceInfo,
  sub: SubresourceInfo,
  resolve: RefResolver,
  ctx: { gv: string; tag: string; scoped: string; itemPathParams: JsonObject[] },
): JsonObject | undefined {
  const group = sub.group ?? r.group;
  const version = sub.version ?? r.version;
  const gvk = { group, version, kind: sub.kind };
  const ref = resolve(group, version, sub.kind);
  const idBase = `${ctx.gv}${ctx.scoped}${r.kind}${capitalized(sub.name)}`;
  const what = `${sub.name} of a ${r.kind}`;
  const path: JsonObject = {};
  if (has(sub.verbs, 'get')) {
    path.get = operation({
      description: `Read the ${what}.`,
      operationId: `read${idBase}`,
      action: 'get',
      gvk,
      tag: ctx.tag,
      responses: responses(ref, ['200']),
    });
  }
  if (has(sub.verbs, 'patch')) {
    path.patch = operation({
      description: `Partially update the ${what}.`,
      operationId: `patch${idBase}`,
      action: 'patch',
      gvk,
      tag: ctx.tag,
      parameters: PATCH_PARAMS,
      requestBody: patchBody(),
      responses: responses(ref, ['200', '201']),
    });
  }
  if (has(sub.verbs, 'update')) {
    path.put = operation({
      description: `Replace the ${what}.`,
      operationId: `replace${idBase}`,
      action: 'put',
      gvk,
      tag: ctx.tag,
      parameters: WRITE_PARAMS,
      requestBody: body(ref),
      responses: responses(ref, ['200', '201']),
    });
  }
  if (has(sub.verbs, 'create')) {
    path.post = operation({
      description: `Create ${what}.`,
      operationId: `create${idBase}`,
      action: 'post',
      gvk,
      tag: ctx.tag,
      parameters: WRITE_PARAMS,
      requestBody: body(ref),
      responses: responses(ref, ['200', '201', '202']),
    });
  }
  if (Object.keys(path).length === 0) return undefined;
  path.parameters = ctx.itemPathParams;
  return path;
}

/** GET /api/v1/ or /apis/<group>/<version>/: the APIResourceList of the group version. */
export function groupVersionRootPath(group: string, version: string): Record<string, JsonObject> {
  const root = group === '' ? `/api/${version}/` : `/apis/${group}/${version}/`;
  const gv = operationGroupVersion(group, version);
  return {
    [root]: {
      get: {
        description: 'List the resources available in this group version.',
        operationId: `get${gv}APIResources`,
        responses: responses(META_REFS.apiResourceList, ['200']),
        tags: [operationTag(group, version)],
      },
    },
  };
}
