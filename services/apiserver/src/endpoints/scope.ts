import type { KubeObject } from '../api/object';
import type { UserInfo } from '../authn/user';
import type { AdmissionRecorder } from '../admission/interface';
import type { GenericStore } from '../registry/generic-store';
import type { SchemaSet } from '../schema/model';
import { MEDIA_JSON, MEDIA_PROTOBUF, negotiate, type Negotiated } from './negotiation';
import { listJson, listProtobuf, objectJson, objectProtobuf } from './object-encoder';
import type { RequestInfo } from './request-info';
import { encodeFor } from './response';
import { transformObject } from './transforms';
import type { ApiRequest, BufferedResponse } from './types';
import { warningHeaders } from './warnings';

/**
 * Everything one resource request's handler works with, resolved once by the
 * router: the request, what it addresses and the store that serves it.
 */
export interface RequestScope {
  schemas: SchemaSet;
  req: ApiRequest;
  info: RequestInfo;
  store: GenericStore;
  /** '' for cluster-scoped resources, whatever the path said */
  namespace: string;
  name: string;
  subresource: string;
  /** who asks, once authentication ran */
  user?: UserInfo;
  /** admission's warnings and audit annotations for this request */
  recorder: AdmissionRecorder;
}

export type Headers = Record<string, string | string[]>;

export function rawResponse(
  status: number,
  contentType: string,
  body: Buffer,
  headers: Headers = {},
): BufferedResponse {
  return { kind: 'buffered', status, headers: { 'content-type': contentType, ...headers }, body };
}

/** Any object (Status, Scale, Table, a list) encoded in the negotiated media type. */
export function respond(
  schemas: SchemaSet,
  status: number,
  negotiated: Negotiated,
  obj: KubeObject,
  headers: Headers = {},
): BufferedResponse {
  const enc = encodeFor(schemas, negotiated.media, obj);
  return rawResponse(status, enc.contentType, enc.body, headers);
}

export function negotiateObject(scope: RequestScope, list: boolean): Negotiated {
  return negotiate(scope.req.headers.accept, {
    // custom resources are JSON (and YAML) only, as upstream serves them
    allowProtobuf: !scope.store.info.custom,
    transforms: list ? ['Table', 'PartialObjectMetadataList'] : ['Table', 'PartialObjectMetadata'],
  });
}

/** A single object of the store's kind, from cached bytes where the format allows. */
export function respondObject(
  scope: RequestScope,
  status: number,
  n: Negotiated,
  obj: KubeObject,
  headers: Headers = {},
): BufferedResponse {
  const { store, schemas } = scope;
  if (n.transform) return respond(schemas, status, n, transformObject(store, n, obj, scope.req.query, false), headers);
  const tm = { apiVersion: store.apiVersion, kind: store.info.kind };
  if (n.media === MEDIA_JSON) return rawResponse(status, MEDIA_JSON, objectJson(obj, tm), headers);
  if (n.media === MEDIA_PROTOBUF) {
    return rawResponse(status, MEDIA_PROTOBUF, objectProtobuf(schemas, store.info.messageType, obj, tm), headers);
  }
  return respond(schemas, status, n, { ...obj, apiVersion: tm.apiVersion, kind: tm.kind }, headers);
}

export function respondList(scope: RequestScope, n: Negotiated, list: KubeObject): BufferedResponse {
  const { store, schemas } = scope;
  if (n.transform) return respond(schemas, 200, n, transformObject(store, n, list, scope.req.query, true));
  const tm = { apiVersion: store.apiVersion, kind: store.info.listKind };
  const items = (list.items as KubeObject[]) ?? [];
  const meta = (list.metadata ?? {}) as Record<string, unknown>;
  if (n.media === MEDIA_JSON) return rawResponse(200, MEDIA_JSON, listJson(items, tm, meta));
  if (n.media === MEDIA_PROTOBUF) {
    return rawResponse(200, MEDIA_PROTOBUF, listProtobuf(schemas, store.info.messageType, items, tm, meta));
  }
  return respond(schemas, 200, n, list);
}

export { warningHeaders };

/** The Warning headers of a write's answer: the body's field warnings, then admission's. */
export function responseWarnings(scope: RequestScope, fieldWarnings: readonly string[]): Headers {
  return warningHeaders([...fieldWarnings, ...scope.recorder.warnings]);
}
