import { createHash } from 'node:crypto';
import type { JsonObject } from '../api/object';
import { groupVersionString, type ResourceInfo } from '../registry/resources';
import type { SchemaSet } from '../schema/model';
import { META_V1_PACKAGE, messageForKind } from '../schema/kinds';
import { messageShortName, schemaRef } from './names';
import { groupVersionRootPath, resourcePaths } from './paths';
import { ComponentBuilder, type GroupVersionKind } from './schemas';

export const OPENAPI_INFO = { title: 'Kubernetes', version: 'v1.32.0' };

/** Meta kinds every group version's operations use, wherever they are declared. */
const META_KINDS = ['Status', 'DeleteOptions', 'WatchEvent', 'Patch', 'APIResourceList'];

/** Meta kinds that embed TypeMeta in Go, beside every served kind and list kind. */
const META_TYPE_META_KINDS = ['Status', 'DeleteOptions', 'APIResourceList', 'APIGroupList', 'APIGroup', 'APIVersions'];

/** Kinds registered in every group version (upstream lists each group version in their GVK extension). */
const PER_GROUP_VERSION_KINDS = ['DeleteOptions', 'WatchEvent'];

/** The OpenAPI v3 discovery path of a group version: `api/v1`, `apis/apps/v1`. */
export function openApiV3Path(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/** The group versions that get a document, in index order. */
export function openApiV3GroupVersions(resources: readonly ResourceInfo[]): Array<{ group: string; version: string }> {
  const seen = new Map<string, { group: string; version: string }>();
  for (const r of resources) seen.set(openApiV3Path(r.group, r.version), { group: r.group, version: r.version });
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, gv]) => gv);
}

/** Upstream's ETag and index hash: uppercase hex SHA-512 of the served document bytes. */
export function openApiV3Hash(docBytes: Buffer): string {
  return createHash('sha512').update(docBytes).digest('hex').toUpperCase();
}

/**
 * GET /openapi/v3. `docs` maps each openApiV3Path to the exact bytes served for it, so the
 * hash in the URL matches what a client fetching it receives.
 */
export function openApiV3Index(resources: readonly ResourceInfo[], docs: ReadonlyMap<string, Buffer>): JsonObject {
  const paths: JsonObject = {};
  for (const { group, version } of openApiV3GroupVersions(resources)) {
    const key = openApiV3Path(group, version);
    const bytes = docs.get(key);
    if (!bytes) throw new Error(`OpenAPI v3: no document for ${key}`);
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${openApiV3Hash(bytes)}` };
  }
  return { paths };
}

function requireMessage(schemas: SchemaSet, group: string, version: string, kind: string): string {
  const name = messageForKind(schemas, group, version, kind);
  if (!name) throw new Error(`OpenAPI: no message for ${groupVersionString(group, version)} ${kind}`);
  return name;
}

function hasTypeMeta(schemas: SchemaSet, fullName: string): boolean {
  // PodTemplateSpec and its kin carry ObjectMeta but are embedded, not top-level kinds
  const name = messageShortName(fullName);
  if (name.endsWith('TemplateSpec') || name === 'PersistentVolumeClaimTemplate') return false;
  const metadata = schemas.message(fullName).fields.find((f) => f.jsonName === 'metadata');
  return (
    metadata !== undefined &&
    (metadata.type === `${META_V1_PACKAGE}.ObjectMeta` || metadata.type === `${META_V1_PACKAGE}.ListMeta`)
  );
}

function sortGvks(list: GroupVersionKind[]): GroupVersionKind[] {
  const key = (g: GroupVersionKind): string => `${g.group}\u0000${g.version}\u0000${g.kind}`;
  return list.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * The OpenAPI 3.0 document of one group version: paths of its resources and every schema
 * they reach. `allResources` (default: the same list) supplies the group versions named in
 * the GVK extension of DeleteOptions and WatchEvent.
 */
export function openApiV3Document(
  schemas: SchemaSet,
  resources: readonly ResourceInfo[],
  allResources: readonly ResourceInfo[] = resources,
): JsonObject {
  const first = resources[0];
  if (!first) throw new Error('OpenAPI: a group version document needs at least one resource');
  const { group, version } = first;
  const served = resources.filter((r) => r.group === group && r.version === version);

  const gvks = new Map<string, GroupVersionKind[]>();
  const typeMeta = new Set<string>();
  const roots: string[] = [];
  const addKind = (g: string, v: string, kind: string, fullName?: string): string => {
    const name = fullName ?? requireMessage(schemas, g, v, kind);
    let list = gvks.get(name);
    if (!list) gvks.set(name, (list = []));
    if (!list.some((x) => x.group === g && x.version === v && x.kind === kind))
      list.push({ group: g, version: v, kind });
    typeMeta.add(name);
    roots.push(name);
    return name;
  };
  for (const r of served) {
    addKind(r.group, r.version, r.kind, r.messageType);
    if (r.verbs.includes('list') || r.verbs.includes('watch'))
      addKind(r.group, r.version, r.listKind, r.listMessageType);
    for (const s of r.subresources) {
      if (s.connect) continue;
      // a status subresource is of the resource's own kind
      const own = !s.group && s.kind === r.kind ? r.messageType : undefined;
      addKind(s.group ?? r.group, s.version ?? r.version, s.kind, own);
    }
  }
  addKind('', 'v1', 'Status', `${META_V1_PACKAGE}.Status`);
  const gvs = new Map<string, { group: string; version: string }>();
  for (const r of [...allResources, ...served])
    gvs.set(`${r.group}/${r.version}`, { group: r.group, version: r.version });
  for (const kind of PER_GROUP_VERSION_KINDS) {
    for (const gv of gvs.values()) addKind(gv.group, gv.version, kind, `${META_V1_PACKAGE}.${kind}`);
  }
  for (const [name, list] of gvks) gvks.set(name, sortGvks(list));
  for (const kind of META_KINDS) roots.push(`${META_V1_PACKAGE}.${kind}`);
  for (const kind of META_TYPE_META_KINDS) typeMeta.add(`${META_V1_PACKAGE}.${kind}`);
  typeMeta.delete(`${META_V1_PACKAGE}.WatchEvent`);
  for (const m of schemas.all()) if (hasTypeMeta(schemas, m.fullName)) typeMeta.add(m.fullName);

  const builder = new ComponentBuilder(schemas, { gvks, typeMetaMessages: typeMeta });
  for (const root of roots) builder.add(root);

  const resolve = (g: string, v: string, kind: string): string => {
    const r = served.find((x) => x.group === g && x.version === v && (x.kind === kind || x.listKind === kind));
    const fullName = r?.kind === kind ? r.messageType : r?.listMessageType;
    return schemaRef(fullName ?? requireMessage(schemas, g, v, kind));
  };
  const unsortedPaths: Record<string, JsonObject> = { ...groupVersionRootPath(group, version) };
  for (const r of served) Object.assign(unsortedPaths, resourcePaths(r, resolve));
  const paths: JsonObject = {};
  for (const p of Object.keys(unsortedPaths).sort()) paths[p] = unsortedPaths[p];

  return openApiV3Envelope(paths, builder.result());
}

/** A group-version document around its paths and component schemas, with upstream's bearer-token security. */
export function openApiV3Envelope(paths: JsonObject, schemas: JsonObject): JsonObject {
  return {
    openapi: '3.0.0',
    info: { ...OPENAPI_INFO },
    paths,
    components: {
      schemas,
      securitySchemes: {
        BearerToken: {
          description: 'Bearer token in the Authorization header.',
          in: 'header',
          name: 'authorization',
          type: 'apiKey',
        },
      },
    },
    security: [{ BearerToken: [] }],
  };
}

export interface OpenApiV3Set {
  /** GET /openapi/v3 */
  index: JsonObject;
  /** openApiV3Path → the bytes to serve (JSON) */
  documents: Map<string, Buffer>;
}

/** Every group version document plus the index; compute once per resource set and cache. */
export function buildOpenApiV3(schemas: SchemaSet, resources: readonly ResourceInfo[]): OpenApiV3Set {
  const documents = new Map<string, Buffer>();
  for (const { group, version } of openApiV3GroupVersions(resources)) {
    const gvResources = resources.filter((r) => r.group === group && r.version === version);
    const doc = openApiV3Document(schemas, gvResources, resources);
    documents.set(openApiV3Path(group, version), Buffer.from(JSON.stringify(doc)));
  }
  return { index: openApiV3Index(resources, documents), documents };
}
