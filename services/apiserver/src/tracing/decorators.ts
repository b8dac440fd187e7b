import type { Attributes } from '@opentelemetry/api';
import type { Admission, AdmissionAttributes } from '../admission/interface';
import type { Authenticator } from '../authn/authenticator';
import type { Authorizer } from '../authz/types';
import type { Backend } from '../storage/backend';
import type { Storage } from '../storage/interface';
import { inSpan, inSpanSync } from './active';

/*
 * Wrappers that put one span around each call of a layer. They are applied
 * only when tracing is configured, so an untraced replica calls its layers
 * directly; on a traced replica a request that is not being traced costs one
 * AsyncLocalStorage look-up per call.
 */

export function tracedAuthenticator(inner: Authenticator): Authenticator {
  return { authenticate: (req) => inSpan('authentication', {}, () => inner.authenticate(req)) };
}

export function tracedAuthorizer(inner: Authorizer): Authorizer {
  return {
    authorize: (a) =>
      inSpanSync('authorization', { verb: a.verb, resource: a.resource, 'api-group': a.apiGroup }, () =>
        inner.authorize(a),
      ),
  };
}

function admissionAttrs(a: AdmissionAttributes, type: 'mutating' | 'validating'): Attributes {
  return {
    'admission.type': type,
    operation: a.operation,
    resource: a.resource.resource,
    subresource: a.subresource,
  };
}

/** Mutating admission then validating admission, each one span over the whole chain of plugins. */
export function tracedAdmission(inner: Admission): Admission {
  return {
    admit: (a) => inSpan('Admit', admissionAttrs(a, 'mutating'), () => inner.admit(a)),
    validate: (a) => inSpan('Validate', admissionAttrs(a, 'validating'), () => inner.validate(a)),
  };
}

/**
 * The storage interface the registry calls, named as upstream's etcd3 store
 * and cacher name their spans. Watches are long-running and stay untraced.
 */
export function tracedStorage(inner: Storage, cached: boolean): Storage {
  const read = (op: 'Get' | 'GetList'): string => (cached ? `cacher.${op}` : `${op === 'GetList' ? 'List' : op} etcd3`);
  const attrs = (key: string): Attributes => ({ key });
  return {
    get: (key, opts) => inSpan(read('Get'), attrs(key), () => inner.get(key, opts)),
    list: (key, opts) => inSpan(read('GetList'), attrs(key), () => inner.list(key, opts)),
    watch: (key, opts) => inner.watch(key, opts),
    create: (key, obj, opts) => inSpan('Create etcd3', attrs(key), () => inner.create(key, obj, opts)),
    guaranteedUpdate: (key, pre, tryUpdate, opts) =>
      inSpan('GuaranteedUpdate etcd3', attrs(key), () => inner.guaranteedUpdate(key, pre, tryUpdate, opts)),
    delete: (key, pre, opts) => inSpan('Delete etcd3', attrs(key), () => inner.delete(key, pre, opts)),
    count: (key) => inSpan('Count etcd3', attrs(key), () => inner.count(key)),
    sizeLimitError: inner.sizeLimitError ? (obj) => inner.sizeLimitError?.(obj) : undefined,
    currentRevision: () => inner.currentRevision(),
    healthCheck: () => inner.healthCheck(),
    close: () => inner.close(),
  };
}

/** etcd's gRPC method for each backend call, as otelgrpc names an etcd client's spans. */
const RANGE = 'etcdserverpb.KV/Range';
const TXN = 'etcdserverpb.KV/Txn';

/**
 * One span per request to the key-value store. The embedded store answers the
 * same calls, so its spans carry the same names with rpc.system telling them apart.
 */
export function tracedBackend(inner: Backend): Backend {
  const system = inner.name === 'etcd3' ? 'grpc' : 'embedded';
  const span = <T>(method: string, key: string, fn: () => Promise<T>): Promise<T> =>
    inSpan(method, { 'rpc.system': system, 'rpc.method': method, key }, fn);
  const traced: Backend = {
    name: inner.name,
    get: (key) => span(RANGE, key, () => inner.get(key)),
    range: (prefix, opts) => span(RANGE, prefix, () => inner.range(prefix, opts)),
    count: (prefix) => span(RANGE, prefix, () => inner.count(prefix)),
    create: (key, value, opts) => span(TXN, key, () => inner.create(key, value, opts)),
    update: (key, value, rev) => span(TXN, key, () => inner.update(key, value, rev)),
    delete: (key, rev) => span(TXN, key, () => inner.delete(key, rev)),
    watch: (key, opts, handlers) => inner.watch(key, opts, handlers),
    currentRevision: () => inner.currentRevision(),
    compact: (rev) => inner.compact(rev),
    healthCheck: () => inner.healthCheck(),
    close: () => inner.close(),
  };
  const { startupWrites, rangeStat } = inner;
  if (startupWrites) traced.startupWrites = startupWrites.bind(inner);
  if (rangeStat) traced.rangeStat = (prefix) => span(RANGE, prefix, () => rangeStat.call(inner, prefix));
  return traced;
}
