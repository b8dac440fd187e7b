import type { JsonObject } from '../api/object';
import type { RemoteOpenApiSpec } from '../aggregator/remote-openapi';
import type { ResourceInfo } from '../registry/resources';
import type { SchemaSet } from '../schema/model';
import type { OpenApiProvider } from './non-resource';

interface Builders {
  openapiV2: typeof import('../openapi/v2');
  openapiV3: typeof import('../openapi/v3');
  v2Merge: typeof import('../openapi/v2-merge');
  customResources: typeof import('../openapi/custom-resources');
  gnostic: typeof import('../openapi/v2-proto');
}

let builders: Builders | undefined;

/** The document builders, loaded by the first OpenAPI request: start-up builds no document. */
function openApiBuilders(): Builders {
  /* eslint-disable @typescript-eslint/no-require-imports */
  builders ??= {
    openapiV2: require('../openapi/v2') as Builders['openapiV2'],
    openapiV3: require('../openapi/v3') as Builders['openapiV3'],
    v2Merge: require('../openapi/v2-merge') as Builders['v2Merge'],
    customResources: require('../openapi/custom-resources') as Builders['customResources'],
    // the gnostic encoder brings protobufjs with its .proto parser
    gnostic: require('../openapi/v2-proto') as Builders['gnostic'],
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  return builders;
}

function gvPath(r: ResourceInfo): string {
  return r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`;
}

/**
 * Builds each group-version document once per resource set and keeps its bytes and
 * hash, so repeated downloads (kubectl asks on every command) cost nothing. Remote
 * APIServices' documents join as kube-aggregator joins them: their v3 group
 * versions are listed and served as their servers published them, their v2
 * paths and definitions are merged into the v2 document.
 */
export function createOpenApiProvider(
  schemas: SchemaSet,
  resources: () => readonly ResourceInfo[],
  remote: () => readonly RemoteOpenApiSpec[] = () => [],
): OpenApiProvider {
  let cacheKey = '';
  let remoteKey = '';
  let docs = new Map<string, { body: Buffer; etag: string }>();
  let v2: { json: Buffer; protobuf: Buffer; etag: string } | undefined;
  const refresh = (): void => {
    const rs = resources();
    const key = rs.map((r) => `${r.group}/${r.version}/${r.resource}/${r.messageType}`).join(',');
    if (key === cacheKey) return;
    const { openapiV3, customResources } = openApiBuilders();
    const byGv = new Map<string, ResourceInfo[]>();
    for (const r of rs) {
      const p = gvPath(r);
      byGv.set(p, [...(byGv.get(p) ?? []), r]);
    }
    const next = new Map<string, { body: Buffer; etag: string }>();
    for (const [p, list] of byGv) {
      const body = Buffer.from(
        JSON.stringify(
          customResources.publishCustomResourceSchemas(openapiV3.openApiV3Document(schemas, list, rs), list),
        ),
      );
      next.set(p, { body, etag: openapiV3.openApiV3Hash(body) });
    }
    docs = next;
    v2 = undefined;
    cacheKey = key;
  };
  const refreshRemote = (): readonly RemoteOpenApiSpec[] => {
    const specs = remote();
    const key = specs.map((s) => `${s.apiService}:${s.fingerprint}`).join(',');
    if (key !== remoteKey) {
      remoteKey = key;
      v2 = undefined;
    }
    return specs;
  };
  /** A remote group version kapi serves itself too is kapi's: its own document wins. */
  const remoteDocument = (p: string): { body: Buffer; etag: string } | undefined => {
    if (docs.has(p)) return undefined;
    for (const s of refreshRemote()) {
      const d = s.v3Documents.get(p);
      if (d) return d;
    }
    return undefined;
  };
  return {
    v3Index(): JsonObject {
      refresh();
      const entries = new Map<string, JsonObject>();
      for (const [p, d] of docs) entries.set(p, { serverRelativeURL: `/openapi/v3/${p}?hash=${d.etag}` });
      for (const s of refreshRemote())
        for (const [p, entry] of Object.entries(s.v3Index)) if (!entries.has(p)) entries.set(p, { ...entry });
      const paths: JsonObject = {};
      for (const p of [...entries.keys()].sort((a, b) => a.localeCompare(b))) paths[p] = entries.get(p) as JsonObject;
      return { paths };
    },
    v3Document(p: string) {
      refresh();
      return docs.get(p) ?? remoteDocument(p);
    },
    v2() {
      refresh();
      const remoteSpecs = refreshRemote();
      if (!v2) {
        // derived from the v3 documents served, on first request (upstream's cache is lazy too)
        const v3 = [...docs.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, d]) => d.body.toString());
        const { openapiV2, openapiV3, gnostic, v2Merge } = openApiBuilders();
        const own = openapiV2.openApiV2FromV3Documents(v3.map((text) => JSON.parse(text) as JsonObject));
        const encode = (doc: JsonObject): NonNullable<typeof v2> => {
          const json = Buffer.from(JSON.stringify(doc));
          // upstream serves both encodings under the JSON bytes' hash (Vary: Accept tells them apart)
          return { json, protobuf: gnostic.encodeOpenApiV2Protobuf(doc), etag: openapiV3.openApiV3Hash(json) };
        };
        const remoteV2 = remoteSpecs.flatMap((s) => (s.v2 ? [s.v2] : []));
        try {
          v2 = encode(v2Merge.mergeV2Specs(own, remoteV2));
        } catch {
          // a remote document the protobuf form cannot carry must not take kapi's own down with it
          v2 = encode(own);
        }
      }
      return v2;
    },
  };
}
