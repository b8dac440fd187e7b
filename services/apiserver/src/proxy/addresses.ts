import { isIP } from 'node:net';
import { ipToBigInt } from '../net/cidr';

/**
 * Go's net.IP.IsGlobalUnicast, the test upstream puts proxy targets to: not
 * unspecified, loopback, link-local, multicast or the IPv4 broadcast address.
 * kapi applies it to every address it proxies to, so the API server cannot be
 * turned into a client of its own host's loopback services or of a cloud
 * metadata endpoint.
 */
export function isProxyableIP(ip: string): boolean {
  if (isIP(ip) === 0) return false;
  let { family, value } = ipToBigInt(ip);
  if (family === 6 && value >> 32n === 0xffffn) {
    // IPv4-mapped IPv6 is judged as the IPv4 address it carries, as Go does
    family = 4;
    value &= 0xffffffffn;
  }
  if (family === 4) {
    const first = Number(value >> 24n);
    const second = Number((value >> 16n) & 0xffn);
    if (value === 0n || value === 0xffffffffn) return false;
    if (first === 127 || first >> 4 === 0xe) return false;
    return !(first === 169 && second === 254);
  }
  const top = Number(value >> 112n);
  if (value === 0n || value === 1n) return false;
  if (top >> 8 === 0xff) return false;
  return (top & 0xffc0) !== 0xfe80;
}

export interface SchemeNamePort {
  scheme: '' | 'http' | 'https';
  name: string;
  port: string;
}

/** Upstream's SplitSchemeNamePort: `name`, `name:port` or `scheme:name:port`; undefined when invalid. */
export function splitSchemeNamePort(id: string): SchemeNamePort | undefined {
  const parts = id.split(':');
  let scheme = '';
  let name: string;
  let port = '';
  if (parts.length === 1) name = parts[0];
  else if (parts.length === 2) [name, port] = parts;
  else if (parts.length === 3) [scheme, name, port] = parts;
  else return undefined;
  if (name === '' || (scheme !== '' && scheme !== 'http' && scheme !== 'https')) return undefined;
  return { scheme: scheme as SchemeNamePort['scheme'], name, port };
}

/** Go's net.JoinHostPort: IPv6 literals in brackets. */
export function joinHostPort(host: string, port: string): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return port === '' ? h : `${h}:${port}`;
}
