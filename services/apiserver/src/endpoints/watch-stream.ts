import { Writer } from 'protobufjs/minimal';
import type { KubeObject } from '../api/object';
import { encodeObjectProtobuf } from '../codec/protobuf';
import type { SchemaSet } from '../schema/model';
import { MEDIA_PROTOBUF, type OutputMedia } from './negotiation';

/** Frames an already encoded JSON object. */
export function frameJsonBytes(type: string, object: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`{"type":${JSON.stringify(type)},"object":`), object, Buffer.from('}\n')]);
}

/** One JSON WatchEvent per line, as upstream's JSON watch stream. */
export function frameJsonEvent(type: string, object: KubeObject): Buffer {
  return Buffer.from(JSON.stringify({ type, object }) + '\n');
}

/**
 * A protobuf watch frame as upstream's stream serializer writes it: a 4-byte
 * big-endian length, then a bare meta/v1 WatchEvent {type=1, object=2 RawExtension{raw=1}}
 * whose raw bytes are the object in the usual `k8s\0` envelope.
 */
export function frameProtobufEvent(schemas: SchemaSet, type: string, object: KubeObject): Buffer {
  return frameProtobufBytes(type, encodeObjectProtobuf(schemas, object));
}

/** Frames an already encoded (enveloped) object. */
export function frameProtobufBytes(type: string, embedded: Uint8Array): Buffer {
  const w = Writer.create();
  w.uint32(0x0a).string(type);
  w.uint32(0x12).fork().uint32(0x0a).bytes(embedded).ldelim();
  const event = w.finish();
  const frame = Buffer.allocUnsafe(4 + event.length);
  frame.writeUInt32BE(event.length, 0);
  frame.set(event, 4);
  return frame;
}

export type EventFramer = (type: string, object: KubeObject) => Buffer;

export function eventFramer(schemas: SchemaSet, media: OutputMedia): EventFramer {
  return media === MEDIA_PROTOBUF ? (t, o) => frameProtobufEvent(schemas, t, o) : frameJsonEvent;
}

export const WATCH_CONTENT_TYPES: Record<OutputMedia, string> = {
  'application/json': 'application/json',
  'application/yaml': 'application/json',
  'application/vnd.kubernetes.protobuf': 'application/vnd.kubernetes.protobuf;stream=watch',
};
