/** An IP address as Go's netip.Addr holds it: 4 or 16 bytes, never a zone. */
export interface IpAddress {
  readonly bytes: Uint8Array;
  readonly family: 4 | 6;
}

function parseV4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    // netip refuses leading zeros (they read as octal elsewhere)
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p.startsWith('0'))) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseV6(s: string): Uint8Array | undefined {
  if (s.includes('%')) return undefined;
  let head = s;
  let tail = '';
  const dbl = s.indexOf('::');
  if (dbl >= 0) {
    head = s.slice(0, dbl);
    tail = s.slice(dbl + 2);
    if (tail.includes('::')) return undefined;
  }
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i];
      if (i === pieces.length - 1 && p.includes('.')) {
        const v4 = parseV4(p);
        if (!v4) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
      out.push(parseInt(p, 16));
    }
    return out;
  };
  const h = groups(head);
  const t = groups(tail);
  if (!h || !t) return undefined;
  if (head.includes('.') && dbl >= 0) return undefined;
  const missing = 8 - h.length - t.length;
  if (dbl < 0 ? missing !== 0 : missing < 1) return undefined;
  const all = [...h, ...new Array<number>(dbl < 0 ? 0 : missing).fill(0), ...t];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

export type IpParseResult = { ip: IpAddress } | { error: string };

/** Go's netip.ParseAddr plus Kubernetes' refusals (zones, IPv4-mapped IPv6). */
export function parseIp(s: string): IpParseResult {
  if (s.includes(':')) {
    if (s.includes('%')) return { error: 'IP address with zone value is not allowed' };
    const b = parseV6(s);
    if (!b) return { error: `ParseAddr(${JSON.stringify(s)}): unable to parse IP` };
    if (b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) {
      return { error: 'IPv4-mapped IPv6 address is not allowed' };
    }
    return { ip: { bytes: b, family: 6 } };
  }
  const b = parseV4(s);
  if (!b) return { error: `ParseAddr(${JSON.stringify(s)}): unable to parse IP` };
  return { ip: { bytes: b, family: 4 } };
}

/** The canonical text form: dotted quad, or RFC 5952 IPv6. */
export function formatIp(ip: IpAddress): string {
  const b = ip.bytes;
  if (ip.family === 4) return Array.from(b).join('.');
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i] << 8) | b[i + 1]);
  // the longest run of two or more zero groups becomes ::
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/** The first `bits` bits of `ip`, the rest zeroed. */
export function maskIp(ip: IpAddress, bits: number): IpAddress {
  const out = new Uint8Array(ip.bytes.length);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    out[i] = ip.bytes[i] & ((0xff << (8 - keep)) & 0xff);
  }
  return { bytes: out, family: ip.family };
}

export function sameIp(a: IpAddress, b: IpAddress): boolean {
  return a.family === b.family && a.bytes.every((x, i) => x === b.bytes[i]);
}
