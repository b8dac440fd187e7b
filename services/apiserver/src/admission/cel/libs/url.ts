import type { Environment } from '@marcbachmann/cel-js';
import { CelEvaluationError } from '../errors';

/** kubernetes.URL: the parts of a URL as Go's url.ParseRequestURI splits them. */
export class CelUrl {
  static readonly celTypeName = 'kubernetes.URL';
  constructor(
    readonly raw: string,
    readonly scheme: string,
    readonly host: string,
    readonly path: string,
    readonly rawQuery: string,
    readonly opaque: string,
  ) {}

  hostname(): string {
    if (this.host.startsWith('[')) {
      const end = this.host.indexOf(']');
      return end < 0 ? this.host : this.host.slice(1, end);
    }
    const colon = this.host.lastIndexOf(':');
    return colon < 0 ? this.host : this.host.slice(0, colon);
  }

  port(): string {
    const end = this.host.startsWith('[') ? this.host.indexOf(']') + 1 : 0;
    const colon = this.host.indexOf(':', end);
    return colon < 0 ? '' : this.host.slice(colon + 1);
  }
}

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

function fail(raw: string, why: string): never {
  throw new CelEvaluationError(`URL parse error during conversion from string: parse ${JSON.stringify(raw)}: ${why}`);
}

function decodePath(raw: string, p: string): string {
  try {
    return decodeURIComponent(p.replace(/\+/g, '%2B'));
  } catch {
    const bad = /%([0-9a-fA-F]?[^0-9a-fA-F]|[0-9a-fA-F]?$)/.exec(p);
    return fail(raw, `invalid URL escape ${JSON.stringify(bad ? bad[0].slice(0, 3) : '%')}`);
  }
}

/** Go's url.ParseRequestURI: an absolute URI or an absolute path, no fragment split. */
export function parseRequestUri(raw: string): CelUrl {
  if (/[\x00-\x1f\x7f]/.test(raw)) fail(raw, 'net/url: invalid control character in URL');
  let rest = raw;
  let rawQuery = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    rawQuery = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  let scheme = '';
  const m = SCHEME.exec(rest);
  if (m) {
    scheme = m[1].toLowerCase();
    rest = rest.slice(m[0].length);
  } else if (rest.startsWith(':')) {
    fail(raw, 'missing protocol scheme');
  }
  if (!scheme && !rest.startsWith('/')) fail(raw, 'invalid URI for request');
  if (scheme && !rest.startsWith('/')) return new CelUrl(raw, scheme, '', '', rawQuery, rest);
  let host = '';
  if (scheme && rest.startsWith('//')) {
    const authEnd = rest.indexOf('/', 2);
    let authority = authEnd < 0 ? rest.slice(2) : rest.slice(2, authEnd);
    rest = authEnd < 0 ? '' : rest.slice(authEnd);
    const at = authority.lastIndexOf('@');
    if (at >= 0) authority = authority.slice(at + 1);
    host = authority;
    const portStart = host.startsWith('[') ? host.indexOf(']') + 1 : host.lastIndexOf(':');
    if (host.startsWith('[') && portStart === 0) fail(raw, "missing ']' in host");
    const afterBracket = host.slice(portStart);
    if (afterBracket.startsWith(':') && !/^:\d*$/.test(afterBracket)) {
      fail(raw, `invalid port ${JSON.stringify(afterBracket)} after host`);
    }
    if (/[\s<>"{}|\\^`]/.test(host))
      fail(raw, `invalid character ${JSON.stringify(/[\s<>"{}|\\^`]/.exec(host)?.[0])} in host name`);
  }
  return new CelUrl(raw, scheme, host, decodePath(raw, rest), rawQuery, '');
}

/** Go's url.EscapedPath for a path parsed from `raw`: the original spelling when it is valid. */
function escapedPath(u: CelUrl): string {
  return encodeURI(u.path).replace(/%5B/g, '[').replace(/%5D/g, ']');
}

function parseQuery(rawQuery: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of rawQuery.split('&')) {
    if (part === '' || part.includes(';')) continue;
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    try {
      const k = decodeURIComponent(rawKey.replace(/\+/g, ' '));
      const v = decodeURIComponent(rawValue.replace(/\+/g, ' '));
      (out[k] ??= []).push(v);
    } catch {
      // Go's Query() drops pairs that do not decode
    }
  }
  return out;
}

const U = 'kubernetes.URL';

/** Kubernetes' URL library. */
export function registerUrlLibrary(env: Environment): void {
  env
    .registerType(U, CelUrl)
    .registerFunction(`url(string): ${U}`, parseRequestUri)
    .registerFunction('isURL(string): bool', (s: string) => {
      try {
        parseRequestUri(s);
        return true;
      } catch {
        return false;
      }
    })
    .registerFunction(`${U}.getScheme(): string`, (u: CelUrl) => u.scheme)
    .registerFunction(`${U}.getHost(): string`, (u: CelUrl) => u.host)
    .registerFunction(`${U}.getHostname(): string`, (u: CelUrl) => u.hostname())
    .registerFunction(`${U}.getPort(): string`, (u: CelUrl) => u.port())
    .registerFunction(`${U}.getEscapedPath(): string`, escapedPath)
    .registerFunction(`${U}.getQuery(): map<string, list<string>>`, (u: CelUrl) => parseQuery(u.rawQuery));
}
