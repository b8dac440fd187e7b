import type { X509Certificate } from 'node:crypto';
import { AuthenticationError, type AuthnRequest, type AuthnResponse, type Authenticator } from './authenticator';
import { parseCertificateBundle, subjectNames, verifyClientCertificate } from './x509-verify';

/**
 * The --requestheader-* flags. kube-apiserver has no defaults for the header lists (kubeadm
 * sets X-Remote-User / X-Remote-Group / X-Remote-Extra-); the generic apiserver's delegated
 * authentication defaults to usernameHeaders [x-remote-user], uidHeaders [] (1.32 alpha
 * X-Remote-Uid behind a gate), groupHeaders [x-remote-group], extraHeaderPrefixes
 * [x-remote-extra-]. allowedNames empty means any CN the CA signed.
 */
export interface RequestHeaderConfig {
  clientCAPem: string;
  allowedNames: string[];
  usernameHeaders: string[];
  uidHeaders: string[];
  groupHeaders: string[];
  extraHeaderPrefixes: string[];
}

/** Every value of each header, one per header line when rawHeaders is there. */
function headerValues(req: AuthnRequest, name: string): string[] {
  if (req.rawHeaders !== undefined) {
    const out: string[] = [];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i].toLowerCase() === name) out.push(req.rawHeaders[i + 1]);
    }
    return out;
  }
  const joined = req.headers[name];
  // Without the raw lines the best available split is Node's ", " join of repeated headers.
  return joined === undefined ? [] : joined.split(/,\s*/);
}

function firstValue(req: AuthnRequest, names: string[]): string {
  for (const name of names) {
    const values = headerValues(req, name);
    // Go's Header.Get returns only the first line of a repeated header.
    if (values.length > 0 && values[0] !== '') return values[0];
  }
  return '';
}

function headerNames(req: AuthnRequest): string[] {
  if (req.rawHeaders === undefined) return Object.keys(req.headers);
  const names: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const n = req.rawHeaders[i].toLowerCase();
    if (!names.includes(n)) names.push(n);
  }
  return names;
}

/** `%`-decoding as Go's url.PathUnescape; a malformed key is kept as sent. */
function unescapeExtraKey(encoded: string): string {
  if (/%(?![0-9a-fA-F]{2})/.test(encoded)) return encoded;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

function normalizeHeaderList(names: string[]): string[] {
  return names.map((n) => {
    const trimmed = n.trim();
    if (trimmed === '') throw new Error(`empty header "${n}"`);
    return trimmed.toLowerCase();
  });
}

/**
 * Front-proxy authentication: only a client certificate signed by the request-header CA (and,
 * when allowedNames is set, carrying one of those CNs) may assert an identity in headers. The
 * headers it read are reported in stripHeaders, as upstream deletes them.
 */
export function requestHeaderAuthenticator(
  config: RequestHeaderConfig,
  clock: () => Date = () => new Date(),
): Authenticator {
  const roots: X509Certificate[] = parseCertificateBundle(config.clientCAPem);
  const usernameHeaders = normalizeHeaderList(config.usernameHeaders);
  const uidHeaders = normalizeHeaderList(config.uidHeaders);
  const groupHeaders = normalizeHeaderList(config.groupHeaders);
  const extraPrefixes = normalizeHeaderList(config.extraHeaderPrefixes);
  return {
    async authenticate(req: AuthnRequest): Promise<AuthnResponse | null> {
      if (req.peerCertificates.length === 0) return null;
      const chain = verifyClientCertificate(req.peerCertificates, { roots, now: clock() });
      if (config.allowedNames.length > 0) {
        const { commonName } = subjectNames(chain[0]);
        if (!config.allowedNames.includes(commonName)) {
          throw new AuthenticationError(`x509: subject with cn=${commonName} is not in the allowed list`);
        }
      }
      const name = firstValue(req, usernameHeaders);
      if (name === '') return null;
      const uid = firstValue(req, uidHeaders);
      const groups: string[] = [];
      for (const header of groupHeaders) {
        for (const v of headerValues(req, header)) if (v !== '') groups.push(v);
      }
      const present = headerNames(req);
      // A Map, so a header like x-remote-extra-__proto__ is just a key.
      const extra = new Map<string, string[]>();
      const strip = new Set<string>([...usernameHeaders, ...uidHeaders, ...groupHeaders]);
      // Prefixes outer, headers inner, so the values of one key keep the prefixes' order.
      for (const prefix of extraPrefixes) {
        for (const header of present) {
          if (!header.startsWith(prefix)) continue;
          strip.add(header);
          const key = unescapeExtraKey(header.slice(prefix.length));
          extra.set(key, [...(extra.get(key) ?? []), ...headerValues(req, header)]);
        }
      }
      const user: AuthnResponse['user'] = { name, groups, extra: Object.fromEntries(extra) };
      if (uid !== '') user.uid = uid;
      return { user, stripHeaders: [...strip] };
    },
  };
}
