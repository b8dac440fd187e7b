import type { KubeObject } from '../api/object';
import { itemEncodings } from '../codec/item-memo';
import { decodeMessage, encodeMessage } from '../codec/protobuf';
import type { SchemaSet } from '../schema/model';
import { messageForApiVersionKind } from '../schema/kinds';
import { labelsFromMessage } from './packed-labels';

/** An object's kind as the watch cache keeps it: one shared instance per kind. */
export interface PackedType {
  readonly apiVersion: string;
  readonly kind: string;
  /** The protobuf message the bytes are, or undefined when they are JSON. */
  readonly messageType: string | undefined;
}

/**
 * One object version as the watch cache keeps it. The bytes are a latin1 string
 * rather than a Buffer: V8 keeps such a string in one flat one-byte allocation,
 * while every small Buffer costs an ArrayBuffer, a backing store and its
 * bookkeeping on top of the bytes.
 */
export interface PackedObject {
  readonly bytes: string;
  readonly type: PackedType;
}

/** Turns cached objects into compact bytes and back. */
export interface CacheItemCodec {
  pack(obj: KubeObject): PackedObject;
  /** A fresh object equal to the one packed; the caller may freeze it. */
  unpack(p: PackedObject): KubeObject;
  /**
   * metadata.labels of the packed object as unpack would give them, read without
   * unpacking it; null when these bytes cannot be read so (then unpack).
   */
  labelsOf?(p: PackedObject): Readonly<Record<string, string>> | undefined | null;
}

function asLatin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function typeInterner(messageTypeOf: (apiVersion: string, kind: string) => string | undefined) {
  const types = new Map<string, PackedType>();
  return (obj: KubeObject): PackedType => {
    const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
    const kind = typeof obj.kind === 'string' ? obj.kind : '';
    const id = `${apiVersion}\n${kind}`;
    let t = types.get(id);
    if (!t) {
      t = Object.freeze({ apiVersion, kind, messageType: messageTypeOf(apiVersion, kind) });
      types.set(id, t);
    }
    return t;
  };
}

/**
 * JSON when schemas is undefined (kapi stores JSON: keep the very shape storage
 * returns); otherwise protobuf for every kind with a message, JSON for the rest.
 * A protobuf object keeps its kind aside and comes back with kind and apiVersion
 * first, as the storage codec decodes it. A decoded object does not keep the
 * bytes it came from: they would pin a shared Buffer pool slab each.
 */
export function createCacheItemCodec(schemas: SchemaSet | undefined): CacheItemCodec {
  const typeOf = typeInterner((apiVersion, kind) =>
    schemas && apiVersion && kind ? messageForApiVersionKind(schemas, apiVersion, kind) : undefined,
  );
  const labelsOf = schemas ? packedLabelReader(schemas) : undefined;
  return {
    ...(labelsOf ? { labelsOf } : {}),
    pack(obj) {
      const type = typeOf(obj);
      if (schemas && type.messageType) {
        // a message has no apiVersion or kind fields: they are not written
        const bytes = encodeMessage(schemas, type.messageType, obj);
        // the event's instance may be served as it is: its protobuf item is these bytes
        itemEncodings(obj).pb ??= bytes;
        return { bytes: asLatin1(bytes), type };
      }
      return { bytes: Buffer.from(JSON.stringify(obj), 'utf8').toString('latin1'), type };
    },
    unpack(p) {
      const buf = Buffer.from(p.bytes, 'latin1');
      const { messageType } = p.type;
      if (schemas && messageType) {
        const obj: KubeObject = {
          kind: p.type.kind,
          apiVersion: p.type.apiVersion,
          ...decodeMessage(schemas, messageType, buf),
        };
        return obj;
      }
      return JSON.parse(buf.toString('utf8')) as KubeObject;
    },
  };
}

const OBJECT_META = 'k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** Reads labels from protobuf-packed objects whose message has ObjectMeta as `metadata`. */
function packedLabelReader(
  schemas: SchemaSet,
): (p: PackedObject) => Readonly<Record<string, string>> | undefined | null {
  const labelsField = schemas.message(OBJECT_META).fields.find((f) => f.name === 'labels')?.number;
  const metadataFields = new Map<string, number | undefined>();
  const metadataFieldOf = (messageType: string): number | undefined => {
    if (!metadataFields.has(messageType)) {
      const f = schemas.message(messageType).fields.find((x) => x.name === 'metadata');
      metadataFields.set(messageType, f && f.kind === 'message' && f.type === OBJECT_META ? f.number : undefined);
    }
    return metadataFields.get(messageType);
  };
  return (p) => {
    const { messageType } = p.type;
    if (!messageType || labelsField === undefined) return null;
    const metadataField = metadataFieldOf(messageType);
    if (metadataField === undefined) return null;
    return labelsFromMessage(Buffer.from(p.bytes, 'latin1'), metadataField, labelsField);
  };
}
