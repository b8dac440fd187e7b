/** What Go's net package says for the socket errors Node reports by code. */
const GO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connect: connection refused',
  ECONNRESET: 'read: connection reset by peer',
  EHOSTUNREACH: 'connect: no route to host',
  ENETUNREACH: 'connect: network is unreachable',
  ETIMEDOUT: 'i/o timeout',
  EPIPE: 'write: broken pipe',
};

const UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/**
 * A failed dial or exchange, worded as Go's http.Transport words it
 * (`dial tcp 10.0.0.2:80: connect: connection refused`), since clients and
 * people match upstream's messages.
 */
export function goDialError(err: Error & { code?: string }, hostPort: string): string {
  const code = err.code ?? '';
  const text = GO_TEXT[code];
  if (text) return `dial tcp ${hostPort}: ${text}`;
  if (UNKNOWN_AUTHORITY.has(code))
    return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
  if (code === 'CERT_HAS_EXPIRED')
    return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `tls: failed to verify certificate: x509: ${err.message}`;
  if (code === 'ECONNABORTED' || err.message === 'socket hang up') return 'EOF';
  return err.message;
}
