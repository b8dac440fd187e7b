import { newBadRequest, StatusError } from '../api/errors';

/**
 * Continue tokens carry the list's revision and the key to resume after, in the
 * same shape upstream uses (base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"..."}),
 * so a token stays valid across replicas.
 */
export function encodeContinue(keyAfterPrefix: string, revision: number): string {
  const json = JSON.stringify({ v: 'meta.k8s.io/v1', rv: revision, start: keyAfterPrefix });
  return Buffer.from(json).toString('base64url');
}

export function decodeContinue(token: string, prefix: string): { startKey: string; revision: number } {
  let parsed: unknown;
  try {
    const raw = Buffer.from(token, token.includes('+') || token.includes('/') ? 'base64' : 'base64url').toString(
      'utf8',
    );
    parsed = JSON.parse(raw);
  } catch {
    throw newBadRequest('continue key is not valid: illegal base64 data');
  }
  if (typeof parsed !== 'object' || parsed === null)
    throw newBadRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  const p = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (p.v !== 'meta.k8s.io/v1')
    throw newBadRequest('continue key is not valid: server does not recognize this encoded version');
  if (typeof p.rv !== 'number' || !Number.isInteger(p.rv) || p.rv <= 0) {
    throw newBadRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  if (typeof p.start !== 'string' || p.start.length === 0)
    throw newBadRequest('continue key is not valid: encoded start key empty');
  const cleaned = p.start.replace(/^\/+/, '');
  if (cleaned.split('/').includes('..'))
    throw new StatusError(400, 'BadRequest', 'continue key is not valid: path traversal attempt detected');
  return { startKey: prefix + cleaned, revision: p.rv };
}
