import type { BufferedResponse } from '../../endpoints/types';

/** Upstream's tooManyRequests: plain text, not a Status, as http.Error writes it. */
export function tooManyRequests(retryAfterSeconds: number, headers: Record<string, string> = {}): BufferedResponse {
  return {
    kind: 'buffered',
    status: 429,
    headers: {
      ...headers,
      'content-type': 'text/plain; charset=utf-8',
      'x-content-type-options': 'nosniff',
      'retry-after': String(retryAfterSeconds),
    },
    body: Buffer.from('Too many requests, please try again later.\n'),
  };
}
