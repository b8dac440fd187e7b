import type { KubeObject } from '../api/object';
import type { StoreTable } from '../registry/store-table';
import { isStatus } from '../controllers/util';
import { isProxyableIP } from '../proxy/addresses';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Why an APIService's Service cannot be reached, with the availability condition's reason and message. */
export class ResolveError extends Error {
  constructor(
    readonly reason: 'ServiceNotFound' | 'ServiceAccessError' | 'ServicePortError' | 'MissingEndpoints',
    message: string,
  ) {
    super(message);
  }
}

export interface ServiceRef {
  namespace: string;
  name: string;
  port: number;
}

/** An APIService's spec.service as a reference, with upstream's default port 443. */
export function serviceRefOf(ref: { namespace?: string; name?: string; port?: number }): ServiceRef {
  return { namespace: ref.namespace ?? '', name: ref.name ?? '', port: ref.port ?? 443 };
}

export interface Endpoint {
  host: string;
  port: number;
}

interface ServicePort {
  name?: string;
  port?: number;
  targetPort?: number | string;
}

interface SlicePort {
  name?: string;
  port?: number;
}

interface SliceEndpoint {
  addresses?: string[];
  conditions?: { ready?: boolean };
}

/**
 * The address of one ready endpoint behind the Service port, from its
 * EndpointSlices: a Service's cluster IP is not routable from here. Loopback
 * and link-local addresses never count (upstream's endpoint validation keeps
 * them out), so an APIService cannot point kapi at its own host.
 */
export async function resolveEndpoint(table: StoreTable, ref: ServiceRef): Promise<Endpoint> {
  const services = table.store('', 'v1', 'services');
  const slices = table.store('discovery.k8s.io', 'v1', 'endpointslices');
  if (!services || !slices) throw new ResolveError('ServiceAccessError', 'services or endpointslices are not served');
  let service: KubeObject;
  try {
    service = await services.get(ref.namespace, ref.name);
  } catch (e) {
    if (isStatus(e, 404))
      throw new ResolveError('ServiceNotFound', `service/${ref.name} in "${ref.namespace}" is not present`);
    throw new ResolveError(
      'ServiceAccessError',
      `service/${ref.name} in "${ref.namespace}" cannot be checked due to: ${String(e)}`,
    );
  }
  const ports = ((service.spec as { ports?: ServicePort[] } | undefined)?.ports ?? []) as ServicePort[];
  const port = ports.find((p) => p.port === ref.port);
  if (!port)
    throw new ResolveError(
      'ServicePortError',
      `service/${ref.name} in "${ref.namespace}" is not listening on port ${ref.port}`,
    );
  const portName = port.name ?? '';
  const list = await slices.list(ref.namespace, {
    labelMatch: (labels) => labels?.[SERVICE_NAME_LABEL] === ref.name,
  });
  for (const slice of (list.items as KubeObject[] | undefined) ?? []) {
    const slicePort = ((slice.ports as SlicePort[] | undefined) ?? []).find((p) => (p.name ?? '') === portName);
    if (slicePort?.port === undefined) continue;
    for (const ep of (slice.endpoints as SliceEndpoint[] | undefined) ?? []) {
      if (ep.conditions?.ready === false) continue;
      const host = ep.addresses?.[0];
      if (host && isProxyableIP(host)) return { host, port: slicePort.port };
    }
  }
  throw new ResolveError(
    'MissingEndpoints',
    `endpoints for service/${ref.name} in "${ref.namespace}" have no addresses with port name "${portName}"`,
  );
}
