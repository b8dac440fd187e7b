import path from 'node:path';

/** Go's path.Join: cleaned, '' when every element is empty. */
export function joinPath(...elems: string[]): string {
  const nonEmpty = elems.filter((e) => e !== '');
  if (nonEmpty.length === 0) return '';
  return path.posix.join(...nonEmpty);
}

/** Upstream's JoinPreservingTrailingSlash: joined and cleaned, keeping the last element's trailing slash. */
export function joinPreservingTrailingSlash(...elems: string[]): string {
  const joined = joinPath(...elems);
  const last = elems[elems.length - 1] ?? '';
  return last.endsWith('/') && !joined.endsWith('/') ? `${joined}/` : joined;
}

/** Go's url.URL.EscapedPath for a path without a raw form: each segment escaped, sub-delimiters kept. */
export function escapePath(p: string): string {
  return p
    .split('/')
    .map((seg) =>
      encodeURIComponent(seg)
        .replace(/%(24|26|2B|2C|3A|3B|3D|40)/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)))
        .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    )
    .join('/');
}

const URL_PARTS = /^([a-zA-Z][a-zA-Z0-9+.-]*:)?(?:\/\/([^/?#]*))?([^?#]*)(\?[^#]*)?(#.*)?$/;

/**
 * A backend's Location header as the client must follow it (upstream's proxy
 * Transport.rewriteURL): a path on the backend (or on this server) becomes the
 * same path under the proxy prefix; other hosts and relative references stay.
 */
export function rewriteLocation(
  location: string,
  backendHost: string,
  clientHost: string,
  pathPrepend: string,
): string {
  const m = URL_PARTS.exec(location);
  if (!m) return location;
  let scheme = m[1] ?? '';
  let host = m[2] ?? '';
  let p = m[3] ?? '';
  const rest = `${m[4] ?? ''}${m[5] ?? ''}`;
  const differentHost = host !== '' && host !== backendHost && host !== clientHost;
  if (differentHost || !p.startsWith('/')) return location;
  // the server-side request URL has no scheme or host, so the rewritten one is host-relative unless it named this server
  if (host !== clientHost) {
    scheme = '';
    host = '';
  }
  const serialize = (): string => `${scheme}${host ? `//${host}` : ''}${p}${rest}`;
  if (p.startsWith(pathPrepend)) return serialize();
  const trailing = p.endsWith('/');
  p = joinPath(pathPrepend, p);
  if (trailing && !p.endsWith('/')) p += '/';
  return serialize();
}
