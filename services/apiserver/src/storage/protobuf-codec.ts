import type { KubeObject } from '../api/object';
import { decodeObjectProtobuf, encodeObjectProtobuf } from '../codec/protobuf';
import type { SchemaSet } from '../schema/model';
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
      return Buffer.from(encodeObjectProtobuf(schemas, obj));
    },
    decode: json.decode,
  };
}

export function storageCodecFor(mediaType: string, schemas: SchemaSet): StorageCodec {
  if (mediaType === 'application/json') {
    return createJsonStorageCodec({ decodeProtobuf: (bytes) => decodeObjectProtobuf(schemas, bytes) });
  }
  return createProtobufStorageCodec(schemas);
}
