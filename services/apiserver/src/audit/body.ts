import { yamlLib } from '../codec/yaml-lib';
import { decodeObjectProtobuf } from '../codec/protobuf-decode';
import type { SchemaSet } from '../schema/model';

/**
 * A request or response body as the JSON value an event carries: upstream
 * re-encodes objects as JSON whatever the wire format was. undefined when the
 * body is not a document kapi can read.
 */
export function bodyAsJson(schemas: SchemaSet, body: Buffer | undefined, contentType: string | undefined): unknown {
  if (!body || body.length === 0) return undefined;
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  try {
    if (type === 'application/vnd.kubernetes.protobuf') return decodeObjectProtobuf(schemas, body);
    if (type.endsWith('yaml')) return yamlLib().parse(body.toString('utf8')) as unknown;
    if (type === '' || type.endsWith('json')) return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
  return undefined;
}
