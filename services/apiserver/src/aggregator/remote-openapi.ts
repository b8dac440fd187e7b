import type { JsonObject, JsonValue } from '../api/object';
import { sleep } from '../controllers/util';
import type { APIService } from '../generated/k8s.io.kube_aggregator.pkg.apis.apiregistration.v1';
import type { StoreTable } from '../registry/store-table';
import { resolveEndpoint, serviceRefOf } from './resolve';
import { readAll, requestEndpoint, type ProxyClientCert } from './transport';

const DOWNLOAD_TIMEOUT_MS = 10_000;
/** Upstream's OpenAPI aggregation controllers download as this user. */
const AGGREGATOR_USER = 'system:aggregator';
const DEFINITION_PREFIX = '#/definitions/';

/** What one available remote APIService publishes, as kapi merges it into its own documents. */
export interface RemoteOpenApiSpec {
  apiService: string;
  /** its /openapi/v2, keeping only the APIService's group/version paths and the definitions they reach */
  v2?: JsonObject;
  /** its /openapi/v3 index entries, served by kapi as they are */
  v3Index: Record<string, { serverRelativeURL: string }>;
  /** the documents the index names, by path (`apis/<group>/<version>`) */
  v3Documents: Map<string, { body: Buffer; etag: string }>;
  /** the v2 document's ETag, sent back as If-None-Match */
  v2Etag?: string;
  /** changes whenever any of the above does */
  fingerprint: string;
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function visitRefs(v: JsonValue, found: (name: string) => void): void {
  if (Array.isArray(v)) {
    for (const x of v) visitRefs(x, found);
    return;
  }
  if (!isObject(v)) return;
  for (const [k, x] of Object.entries(v)) {
    if (k === '$ref' && typeof x === 'string' && x.startsWith(DEFINITION_PREFIX))
      found(x.slice(DEFINITION_PREFIX.length));
    else visitRefs(x, found);
  }
}

/**
 * Upstream keeps only the paths under `/apis/<group>/<version>/` of a remote
 * server's spec (the only ones its proxy routes there) and the definitions
 * those paths reach.
 */
export function filterV2Spec(spec: JsonObject, group: string, version: string): JsonObject {
  const prefix = `/apis/${group}/${version}/`;
  const paths: JsonObject = {};
  for (const [p, item] of Object.entries(isObject(spec.paths) ? spec.paths : {}))
    if (p.startsWith(prefix)) paths[p] = item;
  const all = isObject(spec.definitions) ? spec.definitions : {};
  const kept = new Set<string>();
  const pending: string[] = [];
  const reach = (name: string): void => {
    if (kept.has(name) || !(name in all)) return;
    kept.add(name);
    pending.push(name);
  };
  visitRefs(paths, reach);
  while (pending.length > 0) visitRefs(all[pending.pop() as string], reach);
  const definitions: JsonObject = {};
  for (const name of [...kept].sort()) definitions[name] = all[name];
  return { ...spec, paths, definitions };
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

async function download(
  table: StoreTable,
  svc: APIService,
  clientCert: ProxyClientCert | undefined,
  pathAndQuery: string,
  ifNoneMatch?: string,
): Promise<{ status: number; body: Buffer; etag?: string }> {
  const spec = svc.spec ?? {};
  const ref = spec.service ?? {};
  const endpoint = await resolveEndpoint(table, serviceRefOf(ref));
  const res = await requestEndpoint(spec, endpoint, clientCert, {
    method: 'GET',
    path: pathAndQuery,
    headers: {
      accept: 'application/json',
      'x-remote-user': AGGREGATOR_USER,
      ...(ifNoneMatch ? { 'if-none-match': ifNoneMatch } : {}),
    },
    timeoutMs: DOWNLOAD_TIMEOUT_MS,
  });
  const body = await readAll(res);
  const etag = res.headers.etag;
  const code = res.statusCode ?? 0;
  if (code >= 300 && code !== 304 && code !== 404)
    throw new Error(`GET https://${hostPort(endpoint.host, endpoint.port)}${pathAndQuery}: ${res.statusCode}`);
  return { status: res.statusCode ?? 0, body, etag: typeof etag === 'string' ? etag : undefined };
}

function parse(body: Buffer): JsonObject {
  const v = JSON.parse(body.toString('utf8')) as JsonValue;
  if (!isObject(v)) throw new Error('OpenAPI document is not an object');
  return v;
}

/**
 * Downloads one remote APIService's OpenAPI v2 and v3 documents; what did not
 * change since `previous` (the v2 ETag, a v3 document's hash) is not downloaded again.
 */
export async function fetchRemoteOpenApi(
  table: StoreTable,
  svc: APIService,
  clientCert: ProxyClientCert | undefined,
  previous?: RemoteOpenApiSpec,
): Promise<RemoteOpenApiSpec> {
  const group = svc.spec?.group ?? '';
  const version = svc.spec?.version ?? '';
  const v2 = await download(table, svc, clientCert, '/openapi/v2', previous?.v2Etag);
  const index = await download(table, svc, clientCert, '/openapi/v3');
  const v3Index: RemoteOpenApiSpec['v3Index'] = {};
  const v3Documents = new Map<string, { body: Buffer; etag: string }>();
  // a server without /openapi/v3 (404) only joins the v2 document
  if (index.status === 200) {
    const paths = parse(index.body).paths;
    for (const [p, entry] of Object.entries(isObject(paths) ? paths : {})) {
      const url = isObject(entry) && typeof entry.serverRelativeURL === 'string' ? entry.serverRelativeURL : '';
      if (!url.startsWith('/openapi/v3/')) continue;
      const hash = new URL(url, 'https://x').searchParams.get('hash');
      const known = previous?.v3Documents.get(p);
      if (hash && known?.etag === hash) {
        v3Index[p] = { serverRelativeURL: url };
        v3Documents.set(p, known);
        continue;
      }
      const doc = await download(table, svc, clientCert, url);
      if (doc.status !== 200) continue;
      v3Index[p] = { serverRelativeURL: url };
      v3Documents.set(p, { body: doc.body, etag: hash ?? (doc.etag ?? '').replace(/"/g, '') });
    }
  }
  const v2Spec =
    v2.status === 304 ? previous?.v2 : v2.status === 200 ? filterV2Spec(parse(v2.body), group, version) : undefined;
  const v2Etag = v2.status === 304 ? previous?.v2Etag : v2.etag;
  const fingerprint = [v2Etag ?? v2.body.length, ...[...v3Documents.entries()].map(([p, d]) => `${p}=${d.etag}`)].join(
    ',',
  );
  return { apiService: svc.metadata?.name ?? '', v2: v2Spec, v2Etag, v3Index, v3Documents, fingerprint };
}

function isAvailable(svc: APIService): boolean {
  return (svc.status?.conditions ?? []).some((c) => c.type === 'Available' && c.status === 'True');
}

/**
 * Upstream's OpenAPI aggregation controllers for remote APIServices: each
 * available one's documents, downloaded again every few seconds; an
 * unavailable one's leave kapi's documents at once.
 */
export class RemoteOpenApi {
  private readonly specsByName = new Map<string, RemoteOpenApiSpec>();
  private readonly abort = new AbortController();
  private task: Promise<void> = Promise.resolve();

  constructor(
    private readonly table: StoreTable,
    private readonly clientCert: ProxyClientCert | undefined,
    private readonly remoteApiServices: () => APIService[],
    private readonly log: (line: string) => void = () => undefined,
    private readonly intervalMs = 3000,
  ) {}

  /** The available remote APIServices' documents, by APIService name. */
  specs(): RemoteOpenApiSpec[] {
    return [...this.specsByName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
  }

  start(): void {
    this.task = (async () => {
      const signal = this.abort.signal;
      while (!signal.aborted) {
        await this.refresh();
        await sleep(this.intervalMs, signal);
      }
    })();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.task;
  }

  private async refresh(): Promise<void> {
    const wanted = this.remoteApiServices().filter(isAvailable);
    const names = new Set(wanted.map((s) => s.metadata?.name ?? ''));
    for (const name of [...this.specsByName.keys()]) if (!names.has(name)) this.specsByName.delete(name);
    await Promise.all(
      wanted.map(async (svc) => {
        const name = svc.metadata?.name ?? '';
        try {
          const previous = this.specsByName.get(name);
          this.specsByName.set(name, await fetchRemoteOpenApi(this.table, svc, this.clientCert, previous));
        } catch (e) {
          this.log(`OpenAPI of APIService ${name}: ${(e as Error).message}`);
          this.specsByName.delete(name);
        }
      }),
    );
  }
}
