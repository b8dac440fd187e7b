import type { Environment } from '@marcbachmann/cel-js';
import { CelEvaluationError } from '../errors';
import { IpNamespace } from './namespaces';
import { type IpAddress, formatIp, maskIp, parseIp, sameIp } from './ip-address';

/** net.IP */
export class CelIp {
  static readonly celTypeName = 'net.IP';
  constructor(readonly ip: IpAddress) {}
}

/** net.CIDR: an address (host bits kept, as netip.Prefix does) and a prefix length. */
export class CelCidr {
  static readonly celTypeName = 'net.CIDR';
  constructor(
    readonly ip: IpAddress,
    readonly bits: number,
  ) {}
}

function toIp(s: string): CelIp {
  const r = parseIp(s);
  if ('error' in r)
    throw new CelEvaluationError(
      `IP Address ${JSON.stringify(s)} parse error during conversion from string: ${r.error}`,
    );
  return new CelIp(r.ip);
}

function parseCidr(s: string): CelCidr | string {
  const slash = s.indexOf('/');
  if (slash < 0) return `netip.ParsePrefix(${JSON.stringify(s)}): no '/'`;
  const r = parseIp(s.slice(0, slash));
  if ('error' in r) {
    if (r.error.startsWith('IP')) return r.error;
    return `netip.ParsePrefix(${JSON.stringify(s)}): ${r.error}`;
  }
  const bitsText = s.slice(slash + 1);
  const max = r.ip.family === 4 ? 32 : 128;
  if (!/^(0|[1-9]\d*)$/.test(bitsText) || Number(bitsText) > max) {
    return `netip.ParsePrefix(${JSON.stringify(s)}): bad bits after slash: ${JSON.stringify(bitsText)}`;
  }
  return new CelCidr(r.ip, Number(bitsText));
}

function toCidr(s: string): CelCidr {
  const c = parseCidr(s);
  if (typeof c === 'string') {
    throw new CelEvaluationError(
      `network address ${JSON.stringify(s)} parse error during conversion from string: ${c}`,
    );
  }
  return c;
}

function containsIp(c: CelCidr, ip: IpAddress): boolean {
  return c.ip.family === ip.family && sameIp(maskIp(c.ip, c.bits), maskIp(ip, c.bits));
}

function isLoopback(ip: IpAddress): boolean {
  if (ip.family === 4) return ip.bytes[0] === 127;
  return ip.bytes.slice(0, 15).every((x) => x === 0) && ip.bytes[15] === 1;
}

function isUnspecified(ip: IpAddress): boolean {
  return ip.bytes.every((x) => x === 0);
}

function isLinkLocalMulticast(ip: IpAddress): boolean {
  if (ip.family === 4) return ip.bytes[0] === 224 && ip.bytes[1] === 0 && ip.bytes[2] === 0;
  return ip.bytes[0] === 0xff && (ip.bytes[1] & 0x0f) === 0x02;
}

function isLinkLocalUnicast(ip: IpAddress): boolean {
  if (ip.family === 4) return ip.bytes[0] === 169 && ip.bytes[1] === 254;
  return ip.bytes[0] === 0xfe && (ip.bytes[1] & 0xc0) === 0x80;
}

function isMulticast(ip: IpAddress): boolean {
  return ip.family === 4 ? ip.bytes[0] >> 4 === 0xe : ip.bytes[0] === 0xff;
}

/** Go's netip.Addr.IsGlobalUnicast */
function isGlobalUnicast(ip: IpAddress): boolean {
  if (ip.family === 4 && ip.bytes.every((x) => x === 255)) return false;
  return !isUnspecified(ip) && !isLoopback(ip) && !isMulticast(ip) && !isLinkLocalUnicast(ip);
}

const IP = 'net.IP';
const CIDR = 'net.CIDR';

/** Kubernetes' ip and cidr libraries. */
export function registerIpLibrary(env: Environment): void {
  env
    .registerType(IP, CelIp)
    .registerType(CIDR, CelCidr)
    .registerFunction(`ip(string): ${IP}`, toIp)
    .registerFunction('isIP(string): bool', (s: string) => !('error' in parseIp(s)))
    .registerType('kapi.ns.ip', IpNamespace)
    .registerConstant('ip', 'kapi.ns.ip', new IpNamespace('ip'))
    .registerFunction(
      'kapi.ns.ip.isCanonical(string): bool',
      (_ns: IpNamespace, s: string) => formatIp(toIp(s).ip) === s,
    )
    .registerFunction(`string(${IP}): string`, (i: CelIp) => formatIp(i.ip))
    .registerFunction(`${IP}.family(): int`, (i: CelIp) => BigInt(i.ip.family))
    .registerFunction(`${IP}.isUnspecified(): bool`, (i: CelIp) => isUnspecified(i.ip))
    .registerFunction(`${IP}.isLoopback(): bool`, (i: CelIp) => isLoopback(i.ip))
    .registerFunction(`${IP}.isLinkLocalMulticast(): bool`, (i: CelIp) => isLinkLocalMulticast(i.ip))
    .registerFunction(`${IP}.isLinkLocalUnicast(): bool`, (i: CelIp) => isLinkLocalUnicast(i.ip))
    .registerFunction(`${IP}.isGlobalUnicast(): bool`, (i: CelIp) => isGlobalUnicast(i.ip))
    .registerOperator(`${IP} == ${IP}`, (a: CelIp, b: CelIp) => sameIp(a.ip, b.ip))
    .registerFunction(`cidr(string): ${CIDR}`, toCidr)
    .registerFunction('isCIDR(string): bool', (s: string) => typeof parseCidr(s) !== 'string')
    .registerFunction(`string(${CIDR}): string`, (c: CelCidr) => `${formatIp(c.ip)}/${c.bits}`)
    .registerFunction(`${CIDR}.containsIP(${IP}): bool`, (c: CelCidr, i: CelIp) => containsIp(c, i.ip))
    .registerFunction(`${CIDR}.containsIP(string): bool`, (c: CelCidr, s: string) => containsIp(c, toIp(s).ip))
    .registerFunction(
      `${CIDR}.containsCIDR(${CIDR}): bool`,
      (c: CelCidr, o: CelCidr) => c.bits <= o.bits && containsIp(c, o.ip),
    )
    .registerFunction(`${CIDR}.containsCIDR(string): bool`, (c: CelCidr, s: string) => {
      const o = toCidr(s);
      return c.bits <= o.bits && containsIp(c, o.ip);
    })
    .registerFunction(`${CIDR}.ip(): ${IP}`, (c: CelCidr) => new CelIp(c.ip))
    .registerFunction(`${CIDR}.masked(): ${CIDR}`, (c: CelCidr) => new CelCidr(maskIp(c.ip, c.bits), c.bits))
    .registerFunction(`${CIDR}.prefixLength(): int`, (c: CelCidr) => BigInt(c.bits))
    .registerOperator(`${CIDR} == ${CIDR}`, (a: CelCidr, b: CelCidr) => a.bits === b.bits && sameIp(a.ip, b.ip));
}
