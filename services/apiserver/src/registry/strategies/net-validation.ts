import { isIP } from 'node:net';
import type { FieldError } from '../../api/errors';
import { ipToBigInt } from '../../net/cidr';
import { child, invalid } from '../validation/field';
import { isDNS1123Label } from '../validation/names';

/** Shared IP/port/DNS checks of core and discovery validation. */

export const SUPPORTED_PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;

export const INVALID_IP_MESSAGE = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

/** Go's ParseIPSloppy also accepts IPv4 octets with leading zeros. */
export function parseIPSloppy(ip: string): { family: 4 | 6; value: bigint } | undefined {
  if (isIP(ip)) return ipToBigInt(ip);
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const octets = m.slice(1).map((o) => Number.parseInt(o, 10));
  if (octets.some((o) => o > 255)) return undefined;
  return { family: 4, value: octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n) };
}

export function validateIP(value: string, path: string): FieldError[] {
  return parseIPSloppy(value) ? [] : [invalid(path, value, INVALID_IP_MESSAGE)];
}

export function validateIPv4Address(value: string, path: string): FieldError[] {
  const p = parseIPSloppy(value);
  return p && p.family === 4 ? [] : [invalid(path, value, 'must be a valid IPv4 address')];
}

export function validateIPv6Address(value: string, path: string): FieldError[] {
  const p = parseIPSloppy(value);
  return p && p.family === 6 ? [] : [invalid(path, value, 'must be a valid IPv6 address')];
}

function inRange(v: bigint, network: bigint, prefix: number, bits: number): boolean {
  const host = BigInt(bits - prefix);
  return v >> host === network >> host;
}

/**
 * Upstream's ValidateNonSpecialIP: unspecified, loopback and link-local addresses
 * make no sense as endpoints or external IPs.
 */
export function validateNonSpecialIP(value: string, path: string): FieldError[] {
  const p = parseIPSloppy(value);
  if (!p) return [invalid(path, value, 'must be a valid IP address')];
  const errs: FieldError[] = [];
  let { family, value: v } = p;
  // IPv4-mapped IPv6 addresses are judged as IPv4, as Go does
  if (family === 6 && v >> 32n === 0xffffn) {
    family = 4;
    v &= 0xffffffffn;
  }
  if (family === 4) {
    if (v === 0n) errs.push(invalid(path, value, `may not be unspecified (${value})`));
    if (inRange(v, 0x7f000000n, 8, 32)) {
      errs.push(invalid(path, value, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
    }
    if (inRange(v, 0xa9fe0000n, 16, 32)) {
      errs.push(invalid(path, value, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
    }
    if (inRange(v, 0xe0000000n, 24, 32)) {
      errs.push(invalid(path, value, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
    }
    return errs;
  }
  if (v === 0n) errs.push(invalid(path, value, `may not be unspecified (${value})`));
  if (v === 1n) errs.push(invalid(path, value, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (inRange(v, 0xfe80n << 112n, 10, 128)) {
    errs.push(invalid(path, value, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  }
  if (inRange(v, 0xff02n << 112n, 16, 128)) {
    errs.push(invalid(path, value, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  }
  return errs;
}

export function isLoopbackIP(value: string): boolean {
  const p = parseIPSloppy(value);
  if (!p) return false;
  if (p.family === 4) return inRange(p.value, 0x7f000000n, 8, 32);
  if (p.value >> 32n === 0xffffn) return inRange(p.value & 0xffffffffn, 0x7f000000n, 8, 32);
  return p.value === 1n;
}

export function validateDNS1123Label(value: string, path: string): FieldError[] {
  return isDNS1123Label(value).map((msg) => invalid(path, value, msg));
}

export function portPath(base: string, i: number, name: string): string {
  return child(`${base}[${i}]`, name);
}
