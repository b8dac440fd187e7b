import type { KubeObject } from '../api/object';
import { decodeObjectProtobuf, encodeObjectProtobuf } from '../codec/protobuf';
import { protobufSizeExceeds } from '../codec/protobuf-size';
import type { SchemaSet } from '../schema/model';
import { messageForApiVersionKind } from '../schema/kinds';
import { createJsonStorageCodec, type StorageCodec } from './codec';

/**
 * Stores built-in kinds as kube-apiserver does (`k8s\0` + runtime.Unknown), so an
 * etcd written by either server reads in the other. JSON values written before
 * (or by --storage-media-type=application/json) stay readable.
 */
export function createProtobufStorageCodec(schemas: SchemaSet): StorageCodec {
  const decodeProtobuf = (bytes: Buffer): KubeObject => decodeObjectProtobuf(schemas, bytes);
  const json = createJsonStorageCodec({ decodeProtobuf });
  return {
    encode(obj: KubeObject): Buffer {
      // custom resources have no message: upstream stores them as JSON
      const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
      const kind = typeof obj.kind === 'string' ? obj.kind : '';
      if (!messageForApiVersionKind(schemas, apiVersion, kind)) return json.encode(obj);
      return Buffer.from(encodeObjectProtobuf(schemas, obj));
    },
    sizeExceeds: (obj, limit) => protobufSizeExceeds(schemas, obj, limit),
    decode: json.decode,
  };
}

export function storageCodecFor(mediaType: string, schemas: SchemaSet): StorageCodec {
  if (mediaType === 'application/json') {
    return createJsonStorageCodec({ decodeProtobuf: (bytes) => decodeObjectProtobuf(schemas, bytes) });
  }
  return createProtobufStorageCodec(schemas);
}
