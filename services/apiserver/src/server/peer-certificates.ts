import type { TLSSocket } from 'node:tls';

const chainsByConnection = new WeakMap<object, Buffer[]>();

/**
 * The client's certificate chain, leaf first, as the TLS handshake received it;
 * read once per connection (`key`: the socket, or the HTTP/2 session).
 */
export function peerCertificatesOf(key: object, socket: TLSSocket): Buffer[] {
  const known = chainsByConnection.get(key);
  if (known) return known;
  const chain: Buffer[] = [];
  let cert = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(cert.raw);
    cert = cert.issuerCertificate;
  }
  chainsByConnection.set(key, chain);
  return chain;
}
