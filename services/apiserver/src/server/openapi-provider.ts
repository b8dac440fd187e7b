import type { JsonObject } from '../api/object';
import type { ResourceInfo } from '../registry/resources';
import type { SchemaSet } from '../schema/model';
import type { OpenApiProvider } from './non-resource';

interface Builders {
  openapiV2: typeof import('../openapi/v2');
  openapiV3: typeof import('../openapi/v3');
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
 * hash, so repeated downloads (kubectl asks on every command) cost nothing.
 */
export function createOpenApiProvider(schemas: SchemaSet, resources: () => readonly ResourceInfo[]): OpenApiProvider {
  let cacheKey = '';
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
  return {
    v3Index(): JsonObject {
      refresh();
      const paths: JsonObject = {};
      for (const [p, d] of [...docs.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${d.etag}` };
      }
      return { paths };
    },
    v3Document(p: string) {
      refresh();
      return docs.get(p);
    },
    v2() {
      refresh();
      if (!v2) {
        // derived from the v3 documents served, on first request (upstream's cache is lazy too)
        const v3 = [...docs.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, d]) => d.body.toString());
        const { openapiV2, openapiV3, gnostic } = openApiBuilders();
        const doc = openapiV2.openApiV2FromV3Documents(v3.map((text) => JSON.parse(text) as JsonObject));
        const json = Buffer.from(JSON.stringify(doc));
        // upstream serves both encodings under the JSON bytes' hash (Vary: Accept tells them apart)
        v2 = { json, protobuf: gnostic.encodeOpenApiV2Protobuf(doc), etag: openapiV3.openApiV3Hash(json) };
      }
      return v2;
    },
  };
}
