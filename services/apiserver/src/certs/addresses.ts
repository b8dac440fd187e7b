import { isIP } from 'node:net';
import { ipToBigInt } from '../net/cidr';

/** One subjectAltName entry, typed the way X.509 needs it (DNS name vs IP address). */
export type SanEntry = { kind: 'dns'; value: string } | { kind: 'ip'; value: string };

/** The names every serving certificate carries so in-cluster clients can reach the API. */
export const IN_CLUSTER_DNS_NAMES = [
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
];

const ALWAYS_INCLUDED: readonly string[] = ['localhost', '127.0.0.1', ...IN_CLUSTER_DNS_NAMES];

/**
 * Turns the caller's host list into deduplicated, typed SAN entries. Unspecified
 * addresses (0.0.0.0, ::) are dropped: a client never dials them, and a SAN for
 * them would only suggest the certificate covers every interface.
 */
export function servingSans(hosts: readonly string[]): SanEntry[] {
  const seen = new Set<string>();
  const out: SanEntry[] = [];
  for (const raw of [...ALWAYS_INCLUDED, ...hosts]) {
    const host = raw.trim().replace(/^\[(.*)\]$/, '$1');
    if (host === '') continue;
    const entry = classifyHost(host);
    if (entry.kind === 'ip' && isUnspecified(entry.value)) continue;
    const key = sanKey(entry);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(entry);
  }
  return out;
}

export function classifyHost(host: string): SanEntry {
  return isIP(host) ? { kind: 'ip', value: normalizeIp(host) } : { kind: 'dns', value: host.toLowerCase() };
}

/** A comparable key; IPs are normalized so "::1" and "0:0:0:0:0:0:0:1" match. */
export function sanKey(entry: SanEntry): string {
  return entry.kind === 'ip' ? `ip:${normalizeIp(entry.value)}` : `dns:${entry.value.toLowerCase()}`;
}

function isUnspecified(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '0:0:0:0:0:0:0:0';
}

/** IPv4 stays dotted; IPv6 is expanded to eight unpadded lowercase groups. */
export function normalizeIp(ip: string): string {
  const family = isIP(ip);
  if (family !== 6) return ip;
  const { value } = ipToBigInt(ip);
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}

/**
 * Parses node:crypto's X509Certificate.subjectAltName text ("DNS:a, IP Address:1.2.3.4")
 * into keys comparable with sanKey.
 */
export function sanKeysFromCertificateText(subjectAltName: string | undefined): Set<string> {
  const keys = new Set<string>();
  if (!subjectAltName) return keys;
  for (const part of subjectAltName.split(/,\s*/)) {
    if (part.startsWith('DNS:')) keys.add(sanKey({ kind: 'dns', value: part.slice(4) }));
    else if (part.startsWith('IP Address:')) keys.add(sanKey({ kind: 'ip', value: part.slice(11) }));
  }
  return keys;
}
