import type { KubeObject } from '../api/object';
import { isPlainObject } from '../api/object';
import { hasProtobufMagic } from '../codec/envelope';
import { StorageError } from './errors';

/** Turns objects into the bytes kept in the backend and back. */
export interface StorageCodec {
  encode(obj: KubeObject): Buffer;
  decode(bytes: Buffer): KubeObject;
  /**
   * True when encode(obj) is certainly longer than `limit` bytes, found without encoding; false
   * when it may not be (then only encoding tells).
   */
  sizeExceeds?(obj: KubeObject, limit: number): boolean;
}

/** kube-apiserver's prefix for protobuf-encoded values (runtime.Unknown envelope follows). */
export { PROTOBUF_MAGIC, hasProtobufMagic as isProtobufValue } from '../codec/envelope';

export interface JsonStorageCodecOptions {
  /**
   * Values written by kube-apiserver for built-in kinds are protobuf. Until the
   * protobuf codec exists, decoding them needs this hook; without it they fail.
   */
  decodeProtobuf?: (bytes: Buffer) => KubeObject;
}

/** Writes JSON; reads JSON, and protobuf values through the optional hook. */
export function createJsonStorageCodec(opts: JsonStorageCodecOptions = {}): StorageCodec {
  return {
    encode(obj: KubeObject): Buffer {
      return Buffer.from(JSON.stringify(obj), 'utf8');
    },
    decode(bytes: Buffer): KubeObject {
      if (hasProtobufMagic(bytes)) {
        if (!opts.decodeProtobuf) {
          throw new StorageError(
            'Internal',
            '',
            'stored value is protobuf-encoded but no protobuf decoder is configured',
          );
        }
        return opts.decodeProtobuf(bytes);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(bytes.toString('utf8'));
      } catch (e) {
        throw new StorageError('Internal', '', `stored value is not valid JSON: ${(e as Error).message}`);
      }
      if (!isPlainObject(parsed)) throw new StorageError('Internal', '', 'stored value is not a JSON object');
      return parsed as KubeObject;
    },
  };
}

export const jsonStorageCodec: StorageCodec = createJsonStorageCodec();
