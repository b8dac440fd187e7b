import type { KubeObject } from '../api/object';
import type { SchemaSet } from '../schema/model';
import { negotiate, type Negotiated } from './negotiation';
import { statusOf } from './response';
import { respond } from './scope';
import type { BufferedResponse } from './types';

const JSON_ONLY: Negotiated = {
  media: 'application/json',
  transform: '',
  transformGroup: '',
  transformVersion: '',
  stream: false,
};

/** The one way every failure is answered: a metav1.Status in the client's media type, JSON when it took none. */
export function renderError(schemas: SchemaSet, e: unknown, accept: string | undefined): BufferedResponse {
  const err = statusOf(e);
  let negotiated: Negotiated;
  try {
    negotiated = negotiate(accept, { allowProtobuf: true, transforms: [] });
  } catch {
    negotiated = JSON_ONLY;
  }
  const headers: Record<string, string> = {};
  if (err.details?.retryAfterSeconds) headers['retry-after'] = String(err.details.retryAfterSeconds);
  return respond(schemas, err.code, negotiated, err.toStatus() as KubeObject, headers);
}
