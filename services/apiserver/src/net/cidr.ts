import { isIP } from 'node:net';

/**
 * Minimal IP/CIDR arithmetic on bigints, enough for service ranges; node:net has
 * no CIDR math and the helpers in node_modules are not direct dependencies.
 */

export interface ParsedCidr {
  family: 4 | 6;
  network: bigint;
  prefix: number;
  bits: 32 | 128;
}

export function ipToBigInt(ip: string): { family: 4 | 6; value: bigint } {
  const family = isIP(ip);
  if (family === 4) {
    return { family, value: ip.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n) };
  }
  if (family === 6) {
    let text = ip.toLowerCase();
    const embedded = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (embedded) {
      const v4 = ipToBigInt(embedded[1]).value;
      text = text.slice(0, embedded.index) + `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
    }
    const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
    const headGroups = head ? head.split(':') : [];
    const tailGroups = tail ? tail.split(':') : [];
    const fill = tail === undefined ? [] : new Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
    const groups = [...headGroups, ...fill, ...tailGroups];
    return { family, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
  }
  throw new Error(`invalid IP address "${ip}"`);
}

/** Formats an address the way Go's net.IP.String does (RFC 5952 for IPv6). */
export function bigIntToIp(value: bigint, family: 4 | 6): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 0xffn).toString()).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function parseCidr(cidr: string): ParsedCidr {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim());
  if (!match) throw new Error(`invalid CIDR "${cidr}"`);
  const { family, value } = ipToBigInt(match[1]);
  const bits = family === 4 ? 32 : 128;
  const prefix = Number(match[2]);
  if (prefix > bits) throw new Error(`invalid CIDR "${cidr}": prefix length ${prefix} exceeds ${bits}`);
  const hostBits = BigInt(bits - prefix);
  const network = (value >> hostBits) << hostBits;
  return { family, network, prefix, bits };
}
