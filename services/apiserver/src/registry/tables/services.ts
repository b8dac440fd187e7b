import { isPlainObject, type KubeObject } from '../../api/object';
import { ageColumn, ageOf, field, integer, nameColumn, nameOf, text } from './common';
import { column, type TableConverter } from './types';

/** Column descriptions are the API reference text of the fields, as upstream's printers use. */
const SERVICE_TYPE_DESCRIPTION =
  'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. "ClusterIP" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is "None", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. "NodePort" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. "LoadBalancer" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. "ExternalName" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types';
const CLUSTER_IP_DESCRIPTION =
  'clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are "None", empty string (""), or a valid IP address. Setting this to "None" makes a "headless service" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies';
const EXTERNAL_IPS_DESCRIPTION =
  'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.';
const PORTS_DESCRIPTION =
  'The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies';
const SELECTOR_DESCRIPTION =
  'Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/';
const SUBSETS_DESCRIPTION =
  'The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.';
const SECRETS_DESCRIPTION =
  'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a "kubernetes.io/enforce-mountable-secrets" annotation set to "true". The "kubernetes.io/enforce-mountable-secrets" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret';
const ADDRESS_TYPE_DESCRIPTION =
  'addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.';
const SLICE_PORTS_DESCRIPTION =
  'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates "all ports". Each slice may include a maximum of 100 ports.';
const SLICE_ENDPOINTS_DESCRIPTION =
  'endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.';

function objects(v: unknown): Array<Record<string, unknown>> {
  return Array.isArray(v) ? v.filter(isPlainObject) : [];
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function portString(ports: unknown): string {
  return objects(ports)
    .map((p) => {
      const nodePort = integer(p.nodePort);
      const proto = text(p.protocol);
      return nodePort > 0 ? `${integer(p.port)}:${nodePort}/${proto}` : `${integer(p.port)}/${proto}`;
    })
    .join(',');
}

function loadBalancerIngress(obj: KubeObject): string {
  return objects(field(obj, 'status', 'loadBalancer', 'ingress'))
    .map((ing) => text(ing.ip) || text(ing.hostname))
    .filter((s) => s !== '')
    .join(',');
}

/** The EXTERNAL-IP column (server-side tables are always built wide, so nothing is truncated). */
function externalIP(obj: KubeObject): string {
  const spec = field(obj, 'spec');
  const externalIPs = strings(field(spec, 'externalIPs'));
  switch (text(field(spec, 'type'))) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIngress(obj);
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return text(field(spec, 'externalName'));
    default:
      return '<unknown>';
  }
}

/** labels.FormatLabels: sorted key=value pairs, "<none>" when empty. */
function formatLabels(m: unknown): string {
  if (!isPlainObject(m) || Object.keys(m).length === 0) return '<none>';
  return Object.keys(m)
    .sort()
    .map((k) => `${k}=${String(m[k])}`)
    .join(',');
}

export const serviceTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Type', 'string', SERVICE_TYPE_DESCRIPTION),
    column('Cluster-IP', 'string', CLUSTER_IP_DESCRIPTION),
    column('External-IP', 'string', EXTERNAL_IPS_DESCRIPTION),
    column('Port(s)', 'string', PORTS_DESCRIPTION),
    ageColumn(),
    column('Selector', 'string', SELECTOR_DESCRIPTION, { priority: 1 }),
  ],
  cells: (obj, now) => {
    const spec = field(obj, 'spec');
    const clusterIPs = strings(field(spec, 'clusterIPs'));
    return [
      nameOf(obj),
      text(field(spec, 'type')),
      clusterIPs.length > 0 ? clusterIPs[0] : '<none>',
      externalIP(obj),
      portString(field(spec, 'ports')) || '<none>',
      ageOf(obj, now),
      formatLabels(field(spec, 'selector')),
    ];
  },
};

/** Up to three host:port pairs (addresses alone for port-less subsets), then "+ N more...". */
export function formatEndpoints(obj: KubeObject): string {
  const subsets = objects(obj.subsets);
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = objects(ss.addresses);
    const ports = objects(ss.ports);
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(text(a.ip));
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        const ip = text(a.ip);
        const host = ip.includes(':') ? `[${ip}]` : ip;
        list.push(`${host}:${integer(port.port)}`);
      }
    }
  }
  const joined = list.join(',');
  return more ? `${joined} + ${count - max} more...` : joined;
}

export const endpointsTable: TableConverter = {
  columns: [nameColumn(), column('Endpoints', 'string', SUBSETS_DESCRIPTION), ageColumn()],
  cells: (obj, now) => [nameOf(obj), formatEndpoints(obj), ageOf(obj, now)],
};

export const serviceAccountTable: TableConverter = {
  columns: [nameColumn(), column('Secrets', 'string', SECRETS_DESCRIPTION), ageColumn()],
  cells: (obj, now) => [nameOf(obj), objects(obj.secrets).length, ageOf(obj, now)],
};

function listWithMore(list: string[], more: boolean, count: number, max: number): string {
  const joined = list.join(',');
  if (more) return `${joined} + ${count - max} more...`;
  return joined === '' ? '<unset>' : joined;
}

function slicePorts(obj: KubeObject): string {
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const p of objects(obj.ports)) {
    if (list.length < max) {
      if (typeof p.port === 'number') list.push(String(p.port));
      else if (typeof p.name === 'string') list.push(p.name);
      else list.push('*');
    } else if (list.length === max) more = true;
    count++;
  }
  return listWithMore(list, more, count, max);
}

function sliceEndpoints(obj: KubeObject): string {
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ep of objects(obj.endpoints)) {
    for (const a of strings(ep.addresses)) {
      if (list.length < max) list.push(a);
      else if (list.length === max) more = true;
      count++;
    }
  }
  return listWithMore(list, more, count, max);
}

export const endpointSliceTable: TableConverter = {
  columns: [
    nameColumn(),
    column('AddressType', 'string', ADDRESS_TYPE_DESCRIPTION),
    column('Ports', 'string', SLICE_PORTS_DESCRIPTION),
    column('Endpoints', 'string', SLICE_ENDPOINTS_DESCRIPTION),
    ageColumn(),
  ],
  cells: (obj, now) => [nameOf(obj), text(obj.addressType), slicePorts(obj), sliceEndpoints(obj), ageOf(obj, now)],
};
