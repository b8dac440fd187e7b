import type { KubeObject } from '../api/object';
import type { UserInfo } from '../authn/user';
import type { AdmissionRecorder } from '../admission/interface';
import type { GenericStore } from '../registry/generic-store';
import type { LazyList } from '../registry/store-reads';
import type { SchemaSet } from '../schema/model';
import { MEDIA_JSON, MEDIA_PROTOBUF, MEDIA_YAML, negotiate, type Negotiated } from './negotiation';
import { documentJsonChunks, documentYamlChunks, listJsonChunks, listProtobufChunks } from './list-stream';
import { objectJson, objectProtobuf } from './object-encoder';
import type { RequestInfo } from './request-info';
import { encodeFor } from './response';
import { presentItems, transformList, transformObject, wholeDocument, type ArrayDocument } from './transforms';
import type { ApiRequest, ApiResponse, BufferedResponse, ChunkedResponse } from './types';
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
  if (n.transform) return respond(schemas, status, n, transformObject(store, n, obj, scope.req.query), headers);
  const tm = { apiVersion: store.apiVersion, kind: store.info.kind };
  if (n.media === MEDIA_JSON) return rawResponse(status, MEDIA_JSON, objectJson(obj, tm), headers);
  if (n.media === MEDIA_PROTOBUF) {
    return rawResponse(status, MEDIA_PROTOBUF, objectProtobuf(schemas, store.info.messageType, obj, tm), headers);
  }
  return respond(schemas, status, n, { ...obj, apiVersion: tm.apiVersion, kind: tm.kind }, headers);
}

/** The list's items as one array, for the encodings written whole (protobuf Tables, audit). */
function materialized(list: ListToWrite): KubeObject {
  return {
    apiVersion: list.apiVersion,
    kind: list.kind,
    metadata: list.metadata,
    items: [...presentItems(list.items)],
  };
}

export interface ListToWrite extends LazyList {
  apiVersion: string;
  kind: string;
}

/**
 * A list of the store's kind. JSON, YAML and protobuf, and the Table and
 * PartialObjectMetadataList of it in JSON and YAML, are written item by item as
 * the connection takes them (upstream 1.33's streaming collection encoders), so a
 * large list never exists as one body, nor as every item decoded at once.
 */
export function respondList(scope: RequestScope, n: Negotiated, list: ListToWrite): ApiResponse {
  const { store, schemas } = scope;
  if (n.transform) {
    const doc = transformList(store, n, list, scope.req.query);
    if (!doc) return respond(schemas, 200, n, materialized(list));
    return respondDocument(schemas, n, doc);
  }
  const tm = { apiVersion: store.apiVersion, kind: store.info.listKind };
  const meta = list.metadata;
  const object = (): KubeObject => materialized(list);
  if (n.media === MEDIA_JSON) {
    return chunkedResponse(MEDIA_JSON, () => listJsonChunks(list.items, tm, meta), object);
  }
  if (n.media === MEDIA_PROTOBUF) {
    const messageType = store.info.messageType;
    return chunkedResponse(
      MEDIA_PROTOBUF,
      () => listProtobufChunks(schemas, messageType, list.items, tm, meta),
      object,
    );
  }
  const doc: ArrayDocument = {
    head: { apiVersion: tm.apiVersion, kind: tm.kind, metadata: meta },
    field: 'items',
    elements: () => presentItems(list.items),
  };
  return respondDocument(schemas, n, doc);
}

/** A list-shaped document: streamed in JSON and YAML, written whole in protobuf (Tables only, and rare). */
function respondDocument(schemas: SchemaSet, n: Negotiated, doc: ArrayDocument): ApiResponse {
  const object = (): KubeObject => wholeDocument(doc);
  if (n.media === MEDIA_JSON) return chunkedResponse(MEDIA_JSON, () => documentJsonChunks(doc), object);
  if (n.media === MEDIA_YAML) return chunkedResponse(MEDIA_YAML, () => documentYamlChunks(doc), object);
  return respond(schemas, 200, n, object());
}

function chunkedResponse(
  contentType: string,
  chunks: () => Iterator<Buffer>,
  object: () => KubeObject,
): ChunkedResponse {
  return { kind: 'chunked', status: 200, headers: { 'content-type': contentType }, chunks, object };
}

export { warningHeaders };

/** The Warning headers of a write's answer: the body's field warnings, then admission's. */
export function responseWarnings(scope: RequestScope, fieldWarnings: readonly string[]): Headers {
  return warningHeaders([...fieldWarnings, ...scope.recorder.warnings]);
}
