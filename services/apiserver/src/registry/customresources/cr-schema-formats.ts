import { isIP } from 'node:net';

/**
 * The string formats kube-openapi checks for custom resources (a value of another format
 * passes), each as a test of the value.
 */
const FORMATS: Record<string, (v: string) => boolean> = {
  'date-time': (v) =>
    /^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/.test(v) && !Number.isNaN(Date.parse(v)),
  date: (v) => /^\d{4}-\d\d-\d\d$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)),
  uuid: (v) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(v),
  ipv4: (v) => isIP(v) === 4,
  ipv6: (v) => isIP(v) === 6,
  cidr: (v) => {
    const [ip, bits, extra] = v.split('/');
    if (extra !== undefined || bits === undefined || !/^\d+$/.test(bits)) return false;
    const family = isIP(ip);
    return family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
  },
  byte: (v) => /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0,
  mac: (v) => /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i.test(v),
  hostname: (v) =>
    v.length <= 255 && /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/i.test(v),
  email: (v) => /^[^@\s]+@[^@\s]+$/.test(v),
};

/** Whether v is of the format; formats kapi does not know pass, as unknown formats do upstream. */
export function matchesFormat(format: string, v: string): boolean {
  const check = FORMATS[format === 'datetime' ? 'date-time' : format];
  return check ? check(v) : true;
}
