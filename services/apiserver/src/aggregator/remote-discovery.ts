import type { APIService } from '../generated/k8s.io.kube_aggregator.pkg.apis.apiregistration.v1';
import type { ResourceInfo } from '../registry/resources';
import type { StoreTable } from '../registry/store-table';
import { resolveEndpoint, serviceRefOf } from './resolve';
import { readAll, requestEndpoint, type ProxyClientCert } from './transport';

const DISCOVERY_TIMEOUT_MS = 5000;

interface RemoteResource {
  name?: string;
  singularName?: string;
  namespaced?: boolean;
  kind?: string;
  verbs?: string[];
  shortNames?: string[];
  categories?: string[];
}

/** An aggregated server's APIResourceList as kapi's own resource entries, so both discovery forms list them. */
export function resourcesFromDiscovery(
  group: string,
  version: string,
  doc: unknown,
  priority?: { group: number; version: number },
): ResourceInfo[] {
  const list = (doc as { resources?: RemoteResource[] } | undefined)?.resources ?? [];
  const top = list.filter((r) => r.name && !r.name.includes('/'));
  return top.map((r) => {
    const name = r.name ?? '';
    const kind = r.kind ?? '';
    return {
      group,
      version,
      resource: name,
      kind,
      listKind: `${kind}List`,
      singularName: r.singularName ?? '',
      namespaced: r.namespaced === true,
      shortNames: r.shortNames ?? [],
      categories: r.categories ?? [],
      verbs: r.verbs ?? [],
      messageType: '',
      subresources: list
        .filter((s) => s.name?.startsWith(`${name}/`))
        .map((s) => ({ name: (s.name ?? '').slice(name.length + 1), kind: s.kind ?? kind, verbs: s.verbs ?? [] })),
      // the remote server owns its storage; kapi has no hash to give
      unstored: true,
      custom: true,
      ...(priority ? { apiServicePriority: priority } : {}),
    };
  });
}

/** Fetches one available remote APIService's discovery document. */
export async function fetchRemoteResources(
  table: StoreTable,
  svc: APIService,
  clientCert: ProxyClientCert | undefined,
): Promise<ResourceInfo[]> {
  const spec = svc.spec ?? {};
  const ref = spec.service ?? {};
  const endpoint = await resolveEndpoint(table, serviceRefOf(ref));
  const group = spec.group ?? '';
  const version = spec.version ?? '';
  const res = await requestEndpoint(spec, endpoint, clientCert, {
    method: 'GET',
    path: `/apis/${group}/${version}`,
    headers: { accept: 'application/json', 'x-remote-user': 'system:kube-aggregator' },
    timeoutMs: DISCOVERY_TIMEOUT_MS,
  });
  const body = await readAll(res);
  if ((res.statusCode ?? 0) !== 200) throw new Error(`bad status ${res.statusCode}`);
  return resourcesFromDiscovery(group, version, JSON.parse(body.toString('utf8')), {
    group: spec.groupPriorityMinimum ?? 0,
    version: spec.versionPriority ?? 0,
  });
}
