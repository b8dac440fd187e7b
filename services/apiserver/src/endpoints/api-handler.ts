import { newBadRequest, newInvalid, newMethodNotSupported, StatusError, type FieldError } from '../api/errors';
import { isPlainObject, type KubeObject } from '../api/object';
import { managerFromRequest, validateFieldManager } from '../apply';
import type { GenericStore, ListParams } from '../registry/generic-store';
import { buildTable, parseIncludeObject, tableConverterFor } from '../registry/tables';
import type { SchemaSet } from '../schema/model';
import { checkSupportedFields, matchesFields, parseFieldSelector, requiredFieldValues } from '../selection/fields';
import { matchesLabels, parseLabelSelector, requiredLabelValues } from '../selection/labels';
import { applyScale, SCALE_MESSAGE, toScale } from '../registry/scale';
import { findDuplicateFields } from '../codec/json-duplicates';
import { decodeObjectProtobuf } from '../codec/protobuf';
import {
  decodeBody,
  decodeValue,
  parseFieldValidation,
  parseJsonBody,
  parseYamlBody,
  yamlDuplicates,
  type ExpectedType,
} from './body';
import { inputMedia, MEDIA_JSON, MEDIA_PROTOBUF, negotiate, type Negotiated } from './negotiation';
import { listJson, listProtobuf, objectJson, objectProtobuf } from './object-encoder';
import { applyPatch } from './patch';
import { isTrue, type RequestInfo } from './request-info';
import { encodeFor, statusOf, successStatus } from './response';
import type { ApiRequest, ApiResponse, BufferedResponse, StreamSink } from './types';
import { eventFramer, frameJsonBytes, frameProtobufBytes, WATCH_CONTENT_TYPES } from './watch-stream';

export interface StoreLookup {
  store(group: string, version: string, resource: string): GenericStore | undefined;
}

const DEFAULT_MIN_REQUEST_TIMEOUT_S = 1800;
const SCALE_TARGET = {
  group: 'autoscaling',
  version: 'v1',
  kind: 'Scale',
  messageType: SCALE_MESSAGE,
  apiVersion: 'autoscaling/v1',
};
const BOOKMARK_INTERVAL_MS = 60_000;

function parseIntParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw newBadRequest(`invalid value for ${name}: ${v}`);
  return Number(v);
}

function isDryRun(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  for (const v of values) {
    if (v !== 'All') throw newBadRequest(`Invalid dryRun value: ${v}, supported values: All`);
  }
  return values.length > 0;
}

/** Upstream's ListOptions validation, which differs for list and watch. */
function validateListOptions(
  isWatch: boolean,
  rv: string,
  rvm: string,
  sendInitialEvents: string | null,
): FieldError[] {
  const errs: FieldError[] = [];
  const forbidden = (field: string, message: string): void => {
    errs.push({ type: 'FieldValueForbidden', field, message: `Forbidden: ${message}` });
  };
  if (rvm && rvm !== 'NotOlderThan' && rvm !== 'Exact') {
    errs.push({
      type: 'FieldValueNotSupported',
      field: 'resourceVersionMatch',
      message: `Unsupported value: "${rvm}": supported values: "Exact", "NotOlderThan"`,
    });
  }
  if (isWatch) {
    if (sendInitialEvents !== null && rvm !== 'NotOlderThan') {
      forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
    }
    if (rvm && sendInitialEvents === null) {
      forbidden(
        'resourceVersionMatch',
        'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
      );
    }
  } else {
    if (rvm && !rv)
      forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (rvm === 'Exact' && rv === '0') {
      forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    }
  }
  return errs;
}

export class ApiHandler {
  constructor(
    private readonly schemas: SchemaSet,
    private readonly stores: StoreLookup,
  ) {}

  respond(
    status: number,
    negotiated: Negotiated,
    obj: KubeObject,
    extraHeaders: Record<string, string | string[]> = {},
  ): BufferedResponse {
    const enc = encodeFor(this.schemas, negotiated.media, obj);
    return { kind: 'buffered', status, headers: { 'content-type': enc.contentType, ...extraHeaders }, body: enc.body };
  }

  /** A single object of the store's kind, from cached bytes where the format allows. */
  private respondObject(
    status: number,
    n: Negotiated,
    store: GenericStore,
    obj: KubeObject,
    q: URLSearchParams,
    headers: Record<string, string | string[]> = {},
  ): BufferedResponse {
    if (n.transform) return this.respond(status, n, this.transform(store, n, obj, q, false), headers);
    const tm = { apiVersion: store.apiVersion, kind: store.info.kind };
    if (n.media === MEDIA_JSON) return this.raw(status, MEDIA_JSON, objectJson(obj, tm), headers);
    if (n.media === MEDIA_PROTOBUF) {
      return this.raw(status, MEDIA_PROTOBUF, objectProtobuf(this.schemas, store.info.messageType, obj, tm), headers);
    }
    return this.respond(status, n, { ...obj, apiVersion: tm.apiVersion, kind: tm.kind }, headers);
  }

  private respondList(n: Negotiated, store: GenericStore, list: KubeObject, q: URLSearchParams): BufferedResponse {
    if (n.transform) return this.respond(200, n, this.transform(store, n, list, q, true));
    const tm = { apiVersion: store.apiVersion, kind: store.info.listKind };
    const items = (list.items as KubeObject[]) ?? [];
    const meta = (list.metadata ?? {}) as Record<string, unknown>;
    if (n.media === MEDIA_JSON) return this.raw(200, MEDIA_JSON, listJson(items, tm, meta));
    if (n.media === MEDIA_PROTOBUF) {
      return this.raw(200, MEDIA_PROTOBUF, listProtobuf(this.schemas, store.info.messageType, items, tm, meta));
    }
    return this.respond(200, n, list);
  }

  private raw(
    status: number,
    contentType: string,
    body: Buffer,
    headers: Record<string, string | string[]> = {},
  ): BufferedResponse {
    return { kind: 'buffered', status, headers: { 'content-type': contentType, ...headers }, body };
  }

  errorResponse(e: unknown, accept: string | undefined): BufferedResponse {
    const err = statusOf(e);
    let negotiated: Negotiated;
    try {
      negotiated = negotiate(accept, { allowProtobuf: true, transforms: [] });
    } catch {
      negotiated = {
        media: 'application/json',
        transform: '',
        transformGroup: '',
        transformVersion: '',
        stream: false,
      };
    }
    const headers: Record<string, string> = {};
    if (err.details?.retryAfterSeconds) headers['retry-after'] = String(err.details.retryAfterSeconds);
    return this.respond(err.code, negotiated, err.toStatus() as KubeObject, headers);
  }

  async handle(req: ApiRequest, info: RequestInfo): Promise<ApiResponse> {
    try {
      return await this.dispatch(req, info);
    } catch (e) {
      return this.errorResponse(e, req.headers.accept);
    }
  }

  private listParams(store: GenericStore, q: URLSearchParams, isWatch = false): ListParams {
    const params: ListParams = {};
    const ls = q.get('labelSelector');
    if (ls) {
      const sel = parseLabelSelector(ls);
      params.labelMatch = (labels) => matchesLabels(sel, labels);
      params.requiredLabels = requiredLabelValues(sel);
    }
    const fs = q.get('fieldSelector');
    if (fs) {
      const sel = parseFieldSelector(fs);
      checkSupportedFields(sel, store.supportedFieldLabels());
      params.fieldMatch = (fields) => matchesFields(sel, fields);
      params.requiredFields = requiredFieldValues(sel);
    }
    const rv = q.get('resourceVersion');
    if (rv !== null) {
      if (rv !== '' && !/^\d+$/.test(rv)) {
        throw new StatusError(
          400,
          'BadRequest',
          `resourceVersion: Invalid value: "${rv}": must be a non-negative integer`,
        );
      }
      params.resourceVersion = rv;
    }
    const rvm = q.get('resourceVersionMatch') ?? '';
    const errs = validateListOptions(isWatch, rv ?? '', rvm, q.get('sendInitialEvents'));
    if (errs.length > 0) throw newInvalid('ListOptions', 'meta.k8s.io', '', errs);
    if (rvm === 'NotOlderThan' || rvm === 'Exact') params.resourceVersionMatch = rvm;
    const limit = parseIntParam(q, 'limit');
    if (limit !== undefined && limit > 0) params.limit = limit;
    const cont = q.get('continue');
    if (cont) params.continueToken = cont;
    return params;
  }

  private async dispatch(req: ApiRequest, info: RequestInfo): Promise<ApiResponse> {
    const store = this.stores.store(info.apiGroup, info.apiVersion, info.resource);
    if (!store) {
      throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
    }
    const namespace = store.info.namespaced ? info.namespace : '';
    if (
      store.info.namespaced &&
      !namespace &&
      ['create', 'update', 'patch', 'get', 'delete'].includes(info.verb) &&
      info.name
    ) {
      throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
    }
    if (info.subresource && !store.info.subresources.some((sr) => sr.name === info.subresource)) {
      throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
    }
    if (info.subresource && !['get', 'update', 'patch'].includes(info.verb)) {
      throw newMethodNotSupported(store.gr, info.verb);
    }
    switch (info.verb) {
      case 'get':
        return this.get(req, store, namespace, info.name, info.subresource);
      case 'list':
        return this.list(req, store, namespace);
      case 'watch':
        return this.watch(req, store, namespace, info.name);
      case 'create':
        if (info.name) throw newMethodNotSupported(store.gr, 'create');
        return this.create(req, store, namespace);
      case 'update':
        return this.update(req, store, namespace, info.name, info.subresource);
      case 'patch':
        return this.patch(req, store, namespace, info.name, info.subresource);
      case 'delete':
        return this.delete(req, store, namespace, info.name);
      case 'deletecollection':
        if (!store.info.verbs.includes('deletecollection')) throw newMethodNotSupported(store.gr, 'deletecollection');
        return this.deleteCollection(req, store, namespace);
      default:
        throw newMethodNotSupported(store.gr, req.method);
    }
  }

  private negotiateObject(req: ApiRequest, list: boolean): Negotiated {
    return negotiate(req.headers.accept, {
      allowProtobuf: true,
      transforms: list ? ['Table', 'PartialObjectMetadataList'] : ['Table', 'PartialObjectMetadata'],
    });
  }

  private transform(
    store: GenericStore,
    n: Negotiated,
    obj: KubeObject,
    q: URLSearchParams,
    isList: boolean,
  ): KubeObject {
    if (n.transform === 'Table') {
      const converter = tableConverterFor(store.info.group, store.info.kind);
      const items = isList ? ((obj.items as KubeObject[]) ?? []) : [obj];
      const includeObject = parseIncludeObject(q.get('includeObject'));
      const listMeta = (obj.metadata ?? {}) as Record<string, unknown>;
      const table = buildTable(converter, items, {
        includeObject,
        resourceVersion: typeof listMeta.resourceVersion === 'string' ? listMeta.resourceVersion : undefined,
        continue: isList && typeof listMeta.continue === 'string' ? listMeta.continue : undefined,
        remainingItemCount:
          isList && typeof listMeta.remainingItemCount === 'number' ? listMeta.remainingItemCount : undefined,
        apiVersion: n.transformVersion === 'v1beta1' ? 'meta.k8s.io/v1beta1' : 'meta.k8s.io/v1',
      });
      return table as unknown as KubeObject;
    }
    const gv = `meta.k8s.io/${n.transformVersion}`;
    if (n.transform === 'PartialObjectMetadata') {
      return { kind: 'PartialObjectMetadata', apiVersion: gv, metadata: obj.metadata };
    }
    if (n.transform === 'PartialObjectMetadataList') {
      const items = ((obj.items as KubeObject[]) ?? []).map((i) => ({
        kind: 'PartialObjectMetadata',
        apiVersion: gv,
        metadata: i.metadata,
      }));
      return { kind: 'PartialObjectMetadataList', apiVersion: gv, metadata: obj.metadata, items };
    }
    return obj;
  }

  private async get(
    req: ApiRequest,
    store: GenericStore,
    namespace: string,
    name: string,
    subresource = '',
  ): Promise<ApiResponse> {
    const n = this.negotiateObject(req, false);
    const obj = await store.get(namespace, name);
    if (subresource === 'scale') return this.respond(200, n, toScale(obj));
    return this.respondObject(200, n, store, obj, req.query);
  }

  private async list(req: ApiRequest, store: GenericStore, namespace: string): Promise<ApiResponse> {
    const n = this.negotiateObject(req, true);
    const list = await store.list(namespace, this.listParams(store, req.query));
    return this.respondList(n, store, list, req.query);
  }

  private decodeAs(req: ApiRequest, expected: ExpectedType): { object: KubeObject; warnings: string[] } {
    if (!req.body || req.body.length === 0) throw newBadRequest('the body of the request is empty');
    const media = inputMedia(req.headers['content-type'], ['json', 'yaml', 'protobuf']);
    const validation = parseFieldValidation(req.query.get('fieldValidation'));
    return decodeBody(this.schemas, media, req.body, expected, validation);
  }

  private decode(req: ApiRequest, store: GenericStore): { object: KubeObject; warnings: string[] } {
    if (!req.body || req.body.length === 0) throw newBadRequest('the body of the request is empty');
    const media = inputMedia(req.headers['content-type'], ['json', 'yaml', 'protobuf']);
    const validation = parseFieldValidation(req.query.get('fieldValidation'));
    const mt = store.info.messageType;
    return decodeBody(
      this.schemas,
      media,
      req.body,
      { group: store.info.group, version: store.info.version, kind: store.info.kind, messageType: mt },
      validation,
    );
  }

  /** The manager recorded in managedFields, validated as upstream's Create/Update/PatchOptions. */
  private fieldManager(req: ApiRequest, verb: 'create' | 'update' | 'patch', isApply: boolean): string {
    const fm = req.query.get('fieldManager');
    const err = validateFieldManager(fm, verb, isApply);
    if (err) throw err;
    return managerFromRequest(fm, req.headers['user-agent']);
  }

  private warningHeaders(warnings: string[]): Record<string, string[]> {
    if (warnings.length === 0) return {};
    return { warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`) };
  }

  private async create(req: ApiRequest, store: GenericStore, namespace: string): Promise<ApiResponse> {
    const n = this.negotiateObject(req, false);
    const { object, warnings } = this.decode(req, store);
    const created = await store.create(namespace, object, {
      dryRun: isDryRun(req.query),
      manager: this.fieldManager(req, 'create', false),
    });
    return this.respondObject(201, n, store, created, req.query, this.warningHeaders(warnings));
  }

  private async update(
    req: ApiRequest,
    store: GenericStore,
    namespace: string,
    name: string,
    subresource: string,
  ): Promise<ApiResponse> {
    const n = this.negotiateObject(req, false);
    const dryRun = isDryRun(req.query);
    const manager = this.fieldManager(req, 'update', false);
    if (subresource === 'scale') {
      const scale = this.decodeAs(req, SCALE_TARGET);
      const r = await store.updateWith(namespace, name, (cur) => applyScale(cur, scale.object), {
        dryRun,
        manager,
        subresource: 'scale',
      });
      return this.respond(200, n, toScale(r.object), this.warningHeaders(scale.warnings));
    }
    const { object, warnings } = this.decode(req, store);
    if (subresource === 'status') {
      const r = await store.updateStatus(namespace, name, object, { dryRun, manager });
      return this.respondObject(200, n, store, r, req.query, this.warningHeaders(warnings));
    }
    const r = await store.update(namespace, name, object, { dryRun, manager });
    return this.respondObject(r.created ? 201 : 200, n, store, r.object, req.query, this.warningHeaders(warnings));
  }

  private async patch(
    req: ApiRequest,
    store: GenericStore,
    namespace: string,
    name: string,
    subresource: string,
  ): Promise<ApiResponse> {
    const n = this.negotiateObject(req, false);
    if (!req.body || req.body.length === 0) throw newBadRequest('the body of the request is empty');
    const media = inputMedia(req.headers['content-type'], [
      'json-patch',
      'merge-patch',
      'strategic-merge-patch',
      'apply-patch',
    ]);
    const validation = parseFieldValidation(req.query.get('fieldValidation'));
    const patchDoc = media === 'apply-patch' ? parseYamlBody(req.body) : parseJsonBody(req.body);
    const duplicates =
      validation === 'Ignore'
        ? []
        : media === 'apply-patch'
          ? yamlDuplicates(req.body)
          : findDuplicateFields(req.body.toString('utf8'));
    const dryRun = isDryRun(req.query);
    const isApply = media === 'apply-patch';
    const manager = this.fieldManager(req, 'patch', isApply);
    const force = req.query.get('force');
    if (force !== null && !isApply) {
      throw newInvalid('PatchOptions', 'meta.k8s.io', '', [
        { type: 'FieldValueForbidden', field: 'force', message: 'Forbidden: may not be specified for non-apply patch' },
      ]);
    }
    const warnings: string[] = [];
    if (isApply && subresource !== 'scale') {
      if (!isPlainObject(patchDoc)) throw newBadRequest('the apply configuration must be an object');
      const expected = {
        group: store.info.group,
        version: store.info.version,
        kind: store.info.kind,
        messageType: store.info.messageType,
      };
      const decoded = decodeValue(this.schemas, patchDoc, expected, validation, duplicates);
      const appliedName = decoded.object.metadata?.name;
      if (appliedName !== undefined && appliedName !== name) {
        throw newBadRequest(`the name of the object (${appliedName}) does not match the name on the URL (${name})`);
      }
      const appliedNs = decoded.object.metadata?.namespace;
      if (store.info.namespaced && appliedNs && appliedNs !== namespace) {
        throw newBadRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      const r = await store.apply(namespace, name, decoded.object, {
        dryRun,
        manager,
        force: isTrue(force),
        statusOnly: subresource === 'status',
      });
      return this.respondObject(
        r.created ? 201 : 200,
        n,
        store,
        r.object,
        req.query,
        this.warningHeaders(decoded.warnings),
      );
    }
    if (subresource === 'scale') {
      const r = await store.updateWith(
        namespace,
        name,
        (current) => {
          const patched = applyPatch(
            this.schemas,
            SCALE_TARGET,
            media,
            toScale(current),
            patchDoc,
            validation,
            duplicates,
          );
          warnings.push(...patched.warnings);
          return applyScale(current, patched.object);
        },
        { dryRun, manager, subresource: 'scale' },
      );
      return this.respond(200, n, toScale(r.object), this.warningHeaders(warnings));
    }
    const target = { messageType: store.info.messageType, apiVersion: store.apiVersion, kind: store.info.kind };
    const mutate = (current: KubeObject): KubeObject => {
      const r = applyPatch(this.schemas, target, media, current, patchDoc, validation, duplicates);
      warnings.push(...r.warnings);
      return r.object;
    };
    if (subresource === 'status') {
      const r = await store.patchStatus(namespace, name, mutate, { dryRun, manager });
      return this.respondObject(200, n, store, r, req.query, this.warningHeaders(warnings));
    }
    const r = await store.updateWith(namespace, name, mutate, { dryRun, manager });
    return this.respondObject(200, n, store, r.object, req.query, this.warningHeaders(warnings));
  }

  private deleteOptions(req: ApiRequest): {
    uid?: string;
    resourceVersion?: string;
    gracePeriodSeconds?: number;
    propagationPolicy?: string;
    dryRun?: boolean;
  } {
    const opts: {
      uid?: string;
      resourceVersion?: string;
      gracePeriodSeconds?: number;
      propagationPolicy?: string;
      dryRun?: boolean;
    } = {};
    if (req.body && req.body.length > 0) {
      const media = inputMedia(req.headers['content-type'], ['json', 'yaml', 'protobuf']);
      // protobuf clients (client-go with a protobuf content type) send DeleteOptions enveloped too
      const body =
        media === 'protobuf'
          ? decodeObjectProtobuf(this.schemas, req.body)
          : media === 'yaml'
            ? parseYamlBody(req.body)
            : parseJsonBody(req.body);
      if (body && typeof body === 'object' && !Array.isArray(body)) {
        const b = body as Record<string, unknown>;
        const pre = b.preconditions as Record<string, unknown> | undefined;
        if (pre && typeof pre === 'object') {
          if (typeof pre.uid === 'string') opts.uid = pre.uid;
          if (typeof pre.resourceVersion === 'string') opts.resourceVersion = pre.resourceVersion;
        }
        if (typeof b.gracePeriodSeconds === 'number') opts.gracePeriodSeconds = b.gracePeriodSeconds;
        if (typeof b.propagationPolicy === 'string') opts.propagationPolicy = b.propagationPolicy;
        if (Array.isArray(b.dryRun) && b.dryRun.length > 0) {
          if (b.dryRun.some((v) => v !== 'All'))
            throw newBadRequest(`Invalid dryRun value: ${String(b.dryRun)}, supported values: All`);
          opts.dryRun = true;
        }
        if (typeof b.orphanDependents === 'boolean' && !opts.propagationPolicy) {
          opts.propagationPolicy = b.orphanDependents ? 'Orphan' : 'Background';
        }
      } else {
        throw newBadRequest('DeleteOptions body must be an object');
      }
    }
    const gp = parseIntParam(req.query, 'gracePeriodSeconds');
    if (gp !== undefined) opts.gracePeriodSeconds = gp;
    const pp = req.query.get('propagationPolicy');
    if (pp) opts.propagationPolicy = pp;
    const orphan = req.query.get('orphanDependents');
    if (orphan !== null) {
      if (opts.propagationPolicy) {
        throw newInvalid('DeleteOptions', 'meta.k8s.io', '', [
          {
            type: 'FieldValueInvalid',
            field: 'propagationPolicy',
            message: `Invalid value: "${opts.propagationPolicy}": orphanDependents and deletionPropagation cannot be both set`,
          },
        ]);
      }
      opts.propagationPolicy = isTrue(orphan) ? 'Orphan' : 'Background';
    }
    if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
      throw newInvalid('DeleteOptions', 'meta.k8s.io', '', [
        {
          type: 'FieldValueNotSupported',
          field: 'propagationPolicy',
          message: `Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`,
        },
      ]);
    }
    if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < 0) opts.gracePeriodSeconds = 0;
    return opts;
  }

  private async delete(req: ApiRequest, store: GenericStore, namespace: string, name: string): Promise<ApiResponse> {
    const n = this.negotiateObject(req, false);
    const opts = this.deleteOptions(req);
    const r = await store.delete(namespace, name, {
      preconditions: { uid: opts.uid, resourceVersion: opts.resourceVersion },
      dryRun: isDryRun(req.query) || opts.dryRun === true,
      gracePeriodSeconds: opts.gracePeriodSeconds,
      propagationPolicy: opts.propagationPolicy,
    });
    if (!r.deleted || store.returnsDeletedObject) return this.respondObject(200, n, store, r.object, req.query);
    const m = r.object.metadata ?? {};
    return this.respond(
      200,
      n,
      successStatus({ name: m.name ?? name, group: store.info.group, kind: store.info.resource, uid: m.uid ?? '' }),
    );
  }

  private async deleteCollection(req: ApiRequest, store: GenericStore, namespace: string): Promise<ApiResponse> {
    const n = this.negotiateObject(req, true);
    const opts = this.deleteOptions(req);
    const list = await store.deleteCollection(namespace, this.listParams(store, req.query), {
      dryRun: isDryRun(req.query) || opts.dryRun === true,
      gracePeriodSeconds: opts.gracePeriodSeconds,
      propagationPolicy: opts.propagationPolicy,
    });
    return this.respond(200, n, list);
  }

  private async watch(req: ApiRequest, store: GenericStore, namespace: string, name: string): Promise<ApiResponse> {
    const q = req.query;
    const n = negotiate(req.headers.accept, {
      allowProtobuf: true,
      transforms: ['Table', 'PartialObjectMetadata'],
      stream: true,
    });
    const frame = eventFramer(this.schemas, n.media);
    const params = this.listParams(store, q, true);
    const timeoutParam = parseIntParam(q, 'timeoutSeconds');
    const timeoutS =
      timeoutParam !== undefined && timeoutParam > 0
        ? timeoutParam
        : DEFAULT_MIN_REQUEST_TIMEOUT_S * (1 + Math.random());
    const bookmarks = isTrue(q.get('allowWatchBookmarks'));
    const sendInitialEventsRaw = q.get('sendInitialEvents');
    // normalised so every later check reads 'true' / 'false' / null
    const sendInitialEventsParam =
      sendInitialEventsRaw === null ? null : isTrue(sendInitialEventsRaw) ? 'true' : 'false';
    const sendInitialEvents =
      sendInitialEventsParam === 'true' ||
      (sendInitialEventsParam === null && (!params.resourceVersion || params.resourceVersion === '0'));
    if (sendInitialEventsParam === 'true' && !bookmarks) {
      throw newInvalid('ListOptions', 'meta.k8s.io', '', [
        {
          type: 'FieldValueForbidden',
          field: 'allowWatchBookmarks',
          message: 'Forbidden: allowWatchBookmarks must be set when sendInitialEvents is true',
        },
      ]);
    }
    const watcher = await store.watch(namespace, name, { ...params, sendInitialEvents, progressNotify: bookmarks });
    const tm = { apiVersion: store.apiVersion, kind: store.info.kind };
    const frameObjectEvent = (type: string, obj: KubeObject): Buffer => {
      if (n.transform) return frame(type, this.transform(store, n, obj, q, false));
      if (n.media === MEDIA_PROTOBUF) {
        return frameProtobufBytes(type, objectProtobuf(this.schemas, store.info.messageType, obj, tm));
      }
      return frameJsonBytes(type, objectJson(obj, tm, false));
    };
    return {
      kind: 'stream',
      status: 200,
      headers: { 'content-type': WATCH_CONTENT_TYPES[n.media] },
      start: (sink: StreamSink) => {
        let lastRV = params.resourceVersion ?? '0';
        let closed = false;
        const stop = (): void => {
          if (closed) return;
          closed = true;
          clearTimeout(timer);
          clearInterval(bookmarkTimer);
          watcher.stop();
          sink.end();
        };
        const timer = setTimeout(stop, timeoutS * 1000);
        const bookmarkTimer = setInterval(() => {
          if (!bookmarks || closed) return;
          sink.write(
            frame('BOOKMARK', {
              kind: store.info.kind,
              apiVersion: store.apiVersion,
              metadata: { resourceVersion: lastRV },
            }),
          );
        }, BOOKMARK_INTERVAL_MS);
        sink.onClose(stop);
        void (async () => {
          try {
            let initialDone = !sendInitialEvents;
            for await (const ev of watcher) {
              if (closed) break;
              lastRV = String(ev.revision || ev.object.metadata?.resourceVersion || lastRV);
              if (ev.type === 'BOOKMARK') {
                if (
                  !initialDone &&
                  sendInitialEventsParam === 'true' &&
                  ev.object.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true'
                ) {
                  initialDone = true;
                  sink.write(
                    frame('BOOKMARK', {
                      kind: store.info.kind,
                      apiVersion: store.apiVersion,
                      metadata: { resourceVersion: lastRV, annotations: { 'k8s.io/initial-events-end': 'true' } },
                    }),
                  );
                } else if (bookmarks) {
                  sink.write(
                    frame('BOOKMARK', {
                      kind: store.info.kind,
                      apiVersion: store.apiVersion,
                      metadata: { resourceVersion: lastRV },
                    }),
                  );
                }
                continue;
              }
              if (ev.type === 'ERROR') {
                sink.write(frame('ERROR', ev.object));
                break;
              }
              sink.write(frameObjectEvent(ev.type, ev.object));
            }
          } catch (e) {
            if (!closed) sink.write(frame('ERROR', statusOf(e).toStatus() as KubeObject));
          }
          stop();
        })();
      },
    };
  }
}
