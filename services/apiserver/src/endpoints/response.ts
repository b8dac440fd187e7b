import { StatusError } from '../api/errors';
import type { KubeObject } from '../api/object';
import { encodeObjectProtobuf } from '../codec/protobuf';
import { encodeYaml } from '../codec/yaml';
import type { SchemaSet } from '../schema/model';
import { MEDIA_JSON, MEDIA_PROTOBUF, MEDIA_YAML, type OutputMedia } from './negotiation';

export interface Encoded {
  body: Buffer;
  contentType: string;
}

/** Serialises one object (or list, or Status) in the negotiated media type. */
export function encodeFor(schemas: SchemaSet, media: OutputMedia, obj: KubeObject): Encoded {
  switch (media) {
    case MEDIA_PROTOBUF:
      return { body: Buffer.from(encodeObjectProtobuf(schemas, obj)), contentType: MEDIA_PROTOBUF };
    case MEDIA_YAML:
      return { body: Buffer.from(encodeYaml(obj)), contentType: MEDIA_YAML };
    default:
      return { body: Buffer.from(JSON.stringify(obj) + '\n'), contentType: MEDIA_JSON };
  }
}

export function statusOf(e: unknown): StatusError {
  if (e instanceof StatusError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new StatusError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
}

export function successStatus(details: Record<string, string>): KubeObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
}
