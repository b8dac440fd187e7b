// What kube-apiserver 1.32 puts in etcd, written down independently of kapi's own
// store code so a test can catch kapi drifting from it: the key of every resource
// (upstream's test/integration/etcd table: /registry/<resource>/<namespace>/<name>
// with a handful of historical exceptions) and the resourceVersion normalisation
// that lets stored or served protobuf bytes be compared byte for byte.
import { Reader, Writer } from 'protobufjs/minimal';
import type { ResourceInfo } from '../../src/registry/resources';

/** Upstream's key roots that are not the plural resource name, by "group/resource". */
const KEY_ROOT_EXCEPTIONS: Readonly<Record<string, string>> = {
  '/services': 'services/specs',
  '/endpoints': 'services/endpoints',
  '/nodes': 'minions',
  '/replicationcontrollers': 'controllers',
  'networking.k8s.io/ingresses': 'ingress',
  'apiregistration.k8s.io/apiservices': 'apiregistration.k8s.io/apiservices',
  'apiextensions.k8s.io/customresourcedefinitions': 'apiextensions.k8s.io/customresourcedefinitions',
  // served here, stored as the core/v1 kind
  'events.k8s.io/events': 'events',
};

/** The etcd key kube-apiserver stores this object at, under the default /registry prefix. */
export function upstreamKey(info: ResourceInfo, namespace: string, name: string, prefix = '/registry'): string {
  const root = KEY_ROOT_EXCEPTIONS[`${info.group}/${info.resource}`] ?? info.resource;
  return info.namespaced ? `${prefix}/${root}/${namespace}/${name}` : `${prefix}/${root}/${name}`;
}

function header(tag: number, length: number): Uint8Array {
  return Writer.create().uint32(tag).uint32(length).finish();
}

/**
 * Rewrites one length-delimited field of a message, keeping every other field's
 * bytes and the field order as they are (so nothing is re-encoded by kapi's codec).
 */
function rewriteField(msg: Uint8Array, fieldNo: number, rewrite: (value: Uint8Array) => Uint8Array): Uint8Array {
  const r = Reader.create(msg);
  const parts: Uint8Array[] = [];
  while (r.pos < r.len) {
    const start = r.pos;
    const tag = r.uint32();
    if (tag >>> 3 === fieldNo && (tag & 7) === 2) {
      const value = rewrite(r.bytes());
      parts.push(header(tag, value.length), value);
    } else {
      r.skipType(tag & 7);
      parts.push(msg.subarray(start, r.pos));
    }
  }
  return Buffer.concat(parts);
}

const MAGIC_LENGTH = 4;
const UNKNOWN_RAW = 2;
const OBJECT_METADATA = 1;
const META_RESOURCE_VERSION = 6;

/** An object message (no envelope) with metadata.resourceVersion set to rv. */
export function objectWithResourceVersion(raw: Uint8Array, rv: string): Buffer {
  return Buffer.from(
    rewriteField(raw, OBJECT_METADATA, (meta) =>
      rewriteField(meta, META_RESOURCE_VERSION, () => Buffer.from(rv, 'utf8')),
    ),
  );
}

/** A `k8s\0` + runtime.Unknown body with the object's metadata.resourceVersion set to rv. */
export function envelopeWithResourceVersion(body: Uint8Array, rv: string): Buffer {
  const unknown = rewriteField(body.subarray(MAGIC_LENGTH), UNKNOWN_RAW, (raw) => objectWithResourceVersion(raw, rv));
  return Buffer.concat([body.subarray(0, MAGIC_LENGTH), unknown]);
}

/** The values of every occurrence of a length-delimited field, in order. */
export function lengthDelimitedFields(msg: Uint8Array, fieldNo: number): Uint8Array[] {
  const r = Reader.create(msg);
  const out: Uint8Array[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === fieldNo && (tag & 7) === 2) out.push(r.bytes());
    else r.skipType(tag & 7);
  }
  return out;
}

/** The object message inside a `k8s\0` + runtime.Unknown body. */
export function rawOfEnvelope(body: Uint8Array): Uint8Array {
  const raw = lengthDelimitedFields(body.subarray(MAGIC_LENGTH), UNKNOWN_RAW)[0];
  if (!raw) throw new Error('no raw field in the protobuf envelope');
  return raw;
}
