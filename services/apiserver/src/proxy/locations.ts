import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { newBadRequest, StatusError } from '../api/errors';
import type { KubeObject } from '../api/object';
import type { Endpoints, Node, Pod, Service } from '../generated/k8s.io.api.core.v1';
import type { StoreTable } from '../registry/store-table';
import { isProxyableIP, splitSchemeNamePort } from './addresses';
import type { BackendTls } from './upgrade-aware';

/** Where a proxy subresource's requests go, before the path is added. */
export interface ResourceLocation {
  scheme: 'http' | 'https';
  host: string;
  port: string;
  tls: BackendTls;
}

/** --kubelet-* client settings: without an authority the kubelet's certificate is not checked, as upstream. */
export interface KubeletClientConfig {
  ca?: string;
  cert?: string;
  key?: string;
  /** --kubelet-preferred-address-types */
  preferredAddressTypes: string[];
  /** --kubelet-port, when a Node reports none */
  defaultPort: number;
}

export const DEFAULT_KUBELET_CLIENT: KubeletClientConfig = {
  preferredAddressTypes: ['Hostname', 'InternalDNS', 'InternalIP', 'ExternalDNS', 'ExternalIP'],
  defaultPort: 10250,
};

/** The --kubelet-* flags' files, read once at start-up. */
export function loadKubeletClientConfig(opts: {
  certificateAuthority: string;
  clientCertificate: string;
  clientKey: string;
  preferredAddressTypes: string[];
}): KubeletClientConfig {
  const read = (file: string): string | undefined => (file ? readFileSync(file, 'utf8') : undefined);
  return {
    ca: read(opts.certificateAuthority),
    cert: read(opts.clientCertificate),
    key: read(opts.clientKey),
    preferredAddressTypes: opts.preferredAddressTypes,
    defaultPort: DEFAULT_KUBELET_CLIENT.defaultPort,
  };
}

/** Pods and services are reached by IP: no name to verify a certificate against (upstream's proxy transport). */
const PROXY_TLS: BackendTls = { rejectUnauthorized: false };

function unavailable(message: string): StatusError {
  return new StatusError(503, 'ServiceUnavailable', message);
}

function storeOf(table: StoreTable, resource: string): { get(ns: string, name: string): Promise<KubeObject> } {
  const store = table.store('', 'v1', resource);
  if (!store) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  return store;
}

function podIPs(pod: Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip ?? '').filter((ip) => ip !== '');
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips;
}

function shuffledFrom<T>(items: readonly T[]): T[] {
  const start = Math.floor(Math.random() * items.length);
  return items.map((_, i) => items[(start + i) % items.length]);
}

/**
 * Upstream's service ResourceLocation: a port number names the Service port,
 * whose name picks the Endpoints port; an address counts only when it points at
 * a Pod of the namespace that has that IP (and, in kapi, when it is not loopback
 * or link-local).
 */
export async function serviceLocation(table: StoreTable, namespace: string, id: string): Promise<ResourceLocation> {
  const parts = splitSchemeNamePort(id);
  if (!parts) throw newBadRequest(`invalid service request "${id}"`);
  let portName = parts.port;
  if (/^[+-]?\d+$/.test(portName)) {
    const svc = (await storeOf(table, 'services').get(namespace, parts.name)) as Service;
    const num = Number(portName);
    const match = (svc.spec?.ports ?? []).find((p) => p.port === num);
    if (!match) throw unavailable(`no service port ${num} found for service "${parts.name}"`);
    portName = match.name ?? '';
  }
  const eps = (await storeOf(table, 'endpoints').get(namespace, parts.name)) as Endpoints;
  const subsets = eps.subsets ?? [];
  if (subsets.length === 0) throw unavailable(`no endpoints available for service "${parts.name}"`);
  const pods = storeOf(table, 'pods');
  for (const subset of shuffledFrom(subsets)) {
    const addresses = subset.addresses ?? [];
    if (addresses.length === 0) continue;
    for (const port of subset.ports ?? []) {
      if ((port.name ?? '') !== portName) continue;
      for (const addr of shuffledFrom(addresses)) {
        const ip = addr.ip ?? '';
        const ref = addr.targetRef;
        if (!ref || ref.namespace !== namespace || !isProxyableIP(ip)) continue;
        const pod = (await pods.get(namespace, ref.name ?? '').catch(() => undefined)) as Pod | undefined;
        if (!pod || !podIPs(pod).includes(ip)) continue;
        return { scheme: parts.scheme || 'http', host: ip, port: String(port.port ?? ''), tls: PROXY_TLS };
      }
    }
  }
  throw unavailable(`no endpoints available for service "${id}"`);
}

/** Upstream's pod ResourceLocation: the first pod IP, on the port asked for or the first container port. */
export async function podLocation(table: StoreTable, namespace: string, id: string): Promise<ResourceLocation> {
  const parts = splitSchemeNamePort(id);
  if (!parts) throw newBadRequest(`invalid pod request "${id}"`);
  const pod = (await storeOf(table, 'pods').get(namespace, parts.name)) as Pod;
  let port = parts.port;
  if (port === '') {
    const withPorts = (pod.spec?.containers ?? []).find((c) => (c.ports ?? []).length > 0);
    const first = withPorts?.ports?.[0]?.containerPort;
    if (first !== undefined) port = String(first);
  }
  const ip = podIPs(pod)[0] ?? '';
  if (!isProxyableIP(ip)) throw newBadRequest('address not allowed');
  return { scheme: parts.scheme || 'http', host: ip, port, tls: PROXY_TLS };
}

/** Go's %v of a []NodeAddress, for upstream's no-preferred-address error. */
function addressesText(node: Node): string {
  return `[${(node.status?.addresses ?? []).map((a) => `{${a.type ?? ''} ${a.address ?? ''}}`).join(' ')}]`;
}

/** Upstream's isProxyableHostname: every address the name resolves to must be a global unicast one. */
async function checkProxyableHost(host: string): Promise<void> {
  let ips: string[];
  if (isIP(host) !== 0) {
    ips = [host];
  } else {
    try {
      ips = (await lookup(host, { all: true })).map((a) => a.address);
    } catch {
      throw newBadRequest(`lookup ${host}: no such host`);
    }
  }
  if (ips.length === 0) throw newBadRequest('no addresses for hostname');
  if (!ips.every(isProxyableIP)) throw newBadRequest('address not allowed');
}

/**
 * Upstream's node ResourceLocation: the kubelet (https, its reported port) at
 * the node's preferred address, or another port of the node when one is named.
 */
export async function nodeLocation(
  table: StoreTable,
  id: string,
  kubelet: KubeletClientConfig,
): Promise<ResourceLocation> {
  const parts = splitSchemeNamePort(id);
  if (!parts) throw newBadRequest(`invalid node request "${id}"`);
  const node = (await storeOf(table, 'nodes').get('', parts.name)) as Node;
  let host: string | undefined;
  for (const type of kubelet.preferredAddressTypes) {
    host = (node.status?.addresses ?? []).find((a) => a.type === type)?.address;
    if (host !== undefined) break;
  }
  if (host === undefined)
    throw new StatusError(500, '', `no preferred addresses found; known addresses: ${addressesText(node)}`);
  await checkProxyableHost(host);
  const reported = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0;
  const kubeletPort = String(reported > 0 ? reported : kubelet.defaultPort);
  if (parts.port === '' || parts.port === kubeletPort) {
    const tls: BackendTls = {
      ca: kubelet.ca,
      rejectUnauthorized: kubelet.ca !== undefined,
      cert: kubelet.cert,
      key: kubelet.key,
    };
    return { scheme: 'https', host, port: kubeletPort, tls };
  }
  return { scheme: parts.scheme || 'http', host, port: parts.port, tls: PROXY_TLS };
}
