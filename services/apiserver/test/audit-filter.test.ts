import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Auditing } from '../src/audit';
import { parsePolicy, PolicyEvaluator } from '../src/audit/policy';
import type { AuditBackend, AuditEvent } from '../src/audit/types';
import type { Attributes, Authorizer } from '../src/authz/types';
import { renderError } from '../src/endpoints/error-response';
import type { ApiRouter } from '../src/endpoints/router';
import type { ApiResponse, StreamSink } from '../src/endpoints/types';
import { loadSchemaSet } from '../src/schema/load';
import type { SchemaSet } from '../src/schema/model';
import type { NonResourceHandler } from '../src/server/non-resource';
import { auditFailedAuthentication, withAudit } from '../src/server/filters/audit';
import { withAuditInit } from '../src/server/filters/audit-init';
import { withAuthentication } from '../src/server/filters/authentication';
import { withAuthorization } from '../src/server/filters/authorization';
import { withImpersonation } from '../src/server/filters/impersonation';
import { withPanicRecovery } from '../src/server/filters/panic-recovery';
import { withRequestInfo } from '../src/server/filters/request-info';
import { routeRequest } from '../src/server/filters/route';
import { buildChain, type Handler, type RequestContext } from '../src/server/filters/types';
import type { Authenticator } from '../src/authn/authenticator';

class MemoryBackend implements AuditBackend {
  events: AuditEvent[] = [];
  processEvents(events: AuditEvent[]): void {
    // what a sink sees must not change after it was handed over
    this.events.push(...(JSON.parse(JSON.stringify(events)) as AuditEvent[]));
  }
  async shutdown(): Promise<void> {}
}

const POLICY = `
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  nonResourceURLs: ["/healthz*"]
- level: RequestResponse
  omitManagedFields: true
  resources: [{group: "", resources: [secrets, configmaps]}]
- level: Request
  omitStages: [RequestReceived]
  resources: [{group: "", resources: [pods]}]
- level: Metadata
`;

const PLAIN_SECRET = 'hunter2-very-secret';
const B64_SECRET = Buffer.from(PLAIN_SECRET).toString('base64');

function json(status: number, body: unknown): ApiResponse {
  return {
    kind: 'buffered',
    status,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(body)),
  };
}

const secretObject = {
  kind: 'Secret',
  apiVersion: 'v1',
  metadata: {
    name: 's1',
    namespace: 'ns1',
    uid: 'u-1',
    resourceVersion: '7',
    annotations: {
      'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ data: { password: B64_SECRET } }),
      keep: 'me',
    },
    managedFields: [{ manager: 'kubectl' }],
  },
  data: { password: B64_SECRET },
  type: 'Opaque',
};

/** Allows everyone but "low", who may do nothing; admin may impersonate. */
const authorizer: Authorizer = {
  authorize: (a: Attributes) =>
    a.user.name === 'low'
      ? { decision: 'noOpinion', reason: '' }
      : { decision: 'allow', reason: `allowed ${a.user.name}` },
};

/** Users come from the bearer token: "Bearer <name>"; "Bearer bad" fails. */
const authenticator: Authenticator = {
  authenticate: async (r) => {
    const token = /^Bearer (\S+)$/.exec(r.headers.authorization ?? '')?.[1];
    if (!token || token === 'bad') return null;
    return { user: { name: token, uid: `uid-${token}`, groups: ['system:authenticated'] } };
  },
} as Authenticator;

const streamSink: { close?: () => void } = {};

/** The API router stand-in: answers per path, and records admission annotations like a plugin would. */
const api = {
  handle: async (
    req: RequestContext['req'],
    info: { verb: string; resource: string },
    _u: unknown,
    recorder: { auditAnnotations: Record<string, string> },
  ): Promise<ApiResponse> => {
    recorder.auditAnnotations['pod-security.kubernetes.io/enforce-policy'] = 'privileged:latest';
    if (req.method === 'POST') {
      recorder.auditAnnotations['patch.webhook.admission.k8s.io/round_0_index_0'] = JSON.stringify({
        configuration: 'c',
        webhook: 'w',
        patch: [{ op: 'add', path: '/data/extra', value: B64_SECRET }],
        patchType: 'JSONPatch',
      });
    }
    if (req.path.endsWith('/boom')) throw new TypeError('kaboom');
    if (info.verb === 'watch') {
      return {
        kind: 'stream',
        status: 200,
        headers: { 'content-type': 'application/json' },
        start: (sink: StreamSink) => {
          streamSink.close = () => sink.end();
        },
      };
    }
    if (info.resource === 'secrets' && info.verb === 'list') {
      return json(200, { kind: 'SecretList', apiVersion: 'v1', metadata: {}, items: [secretObject, secretObject] });
    }
    if (info.resource === 'secrets') return json(info.verb === 'create' ? 201 : 200, secretObject);
    if (info.verb === 'get' && req.path.endsWith('/missing')) {
      return json(404, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'pods "missing" not found',
        reason: 'NotFound',
        details: { name: 'missing', kind: 'pods' },
        code: 404,
      });
    }
    return json(info.verb === 'create' ? 201 : 200, { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p1' } });
  },
} as unknown as ApiRouter;

const nonResource = {
  handle: async () => ({
    kind: 'buffered',
    status: 200,
    headers: { 'content-type': 'text/plain' },
    body: Buffer.from('ok'),
  }),
} as unknown as NonResourceHandler;

function chain(schemas: SchemaSet, auditing: Auditing | undefined): Handler {
  const render = (e: unknown, accept: string | undefined) => renderError(schemas, e, accept);
  return buildChain(
    [
      withAuditInit(),
      withPanicRecovery(render, () => undefined),
      withRequestInfo(),
      withAuthentication(authenticator, render, () => undefined, auditFailedAuthentication(auditing)),
      withAudit(auditing),
      withImpersonation(authorizer, render),
      withAuthorization(authorizer, render),
    ],
    routeRequest(api, nonResource, render, auditing),
  );
}

function request(
  method: string,
  url: string,
  opts: { user?: string; body?: unknown; headers?: Record<string, string> } = {},
): RequestContext {
  const [path, query = ''] = url.split('?');
  const headers: Record<string, string> = { 'user-agent': 'audit-test/1.0', ...(opts.headers ?? {}) };
  if (opts.user) headers.authorization = `Bearer ${opts.user}`;
  let body: Buffer | undefined;
  if (opts.body !== undefined) {
    body = Buffer.from(JSON.stringify(opts.body));
    headers['content-type'] ??= 'application/json';
  }
  return {
    req: { method, path, query: new URLSearchParams(query), headers, body },
    peerCertificates: [],
    transport: { http2: false, goaway: () => undefined },
    requestURI: url,
    remoteAddress: '::ffff:127.0.0.1',
  };
}

const MICRO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

describe('audit filter (in-process chain)', () => {
  let schemas: SchemaSet;
  let backend: MemoryBackend;
  let handler: Handler;

  before(() => {
    schemas = loadSchemaSet();
    backend = new MemoryBackend();
    handler = chain(schemas, { evaluator: new PolicyEvaluator(parsePolicy(POLICY)), backend, schemas });
  });

  const run = async (ctx: RequestContext) => {
    const before_ = backend.events.length;
    const res = await handler(ctx);
    const id = res.headers['audit-id'] as string;
    return { res, id, events: backend.events.slice(before_) };
  };

  test("Audit-Id: a fresh UUID, or the client's own echoed; also without auditing", async () => {
    const a = await run(request('GET', '/api/v1/namespaces/ns1/pods/p1', { user: 'alice' }));
    assert.match(a.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(a.events.every((e) => e.auditID === a.id));
    const b = await run(request('GET', '/healthz', { user: 'alice', headers: { 'audit-id': 'client-chosen-id' } }));
    assert.equal(b.id, 'client-chosen-id');
    assert.equal(b.events.length, 0, 'level None records nothing');
    const off = chain(schemas, undefined);
    const res = await off(request('GET', '/api/v1/pods', { user: 'alice' }));
    assert.match(String(res.headers['audit-id']), /^[0-9a-f-]{36}$/);
    const failed = await off(request('GET', '/api/v1/pods', { user: 'bad' }));
    assert.equal(failed.status, 401);
    assert.ok(failed.headers['audit-id']);
  });

  test('Metadata level: RequestReceived then ResponseComplete, the fields upstream fills', async () => {
    const { events, id } = await run(
      request('GET', '/apis/apps/v1/namespaces/ns1/deployments/d1?resourceVersion=0', {
        user: 'alice',
        headers: { 'x-forwarded-for': '10.0.0.1, 10.0.0.2' },
      }),
    );
    assert.deepEqual(
      events.map((e) => e.stage),
      ['RequestReceived', 'ResponseComplete'],
    );
    const [rr, done] = events;
    assert.deepEqual(Object.keys(done), [
      'kind',
      'apiVersion',
      'level',
      'auditID',
      'stage',
      'requestURI',
      'verb',
      'user',
      'sourceIPs',
      'userAgent',
      'objectRef',
      'responseStatus',
      'requestReceivedTimestamp',
      'stageTimestamp',
      'annotations',
    ]);
    assert.equal(done.auditID, id);
    assert.equal(done.level, 'Metadata');
    assert.equal(done.requestURI, '/apis/apps/v1/namespaces/ns1/deployments/d1?resourceVersion=0');
    assert.equal(done.verb, 'get');
    assert.deepEqual(done.user, { username: 'alice', uid: 'uid-alice', groups: ['system:authenticated'] });
    assert.deepEqual(done.sourceIPs, ['10.0.0.1', '10.0.0.2', '127.0.0.1']);
    assert.equal(done.userAgent, 'audit-test/1.0');
    assert.deepEqual(done.objectRef, {
      resource: 'deployments',
      namespace: 'ns1',
      name: 'd1',
      apiGroup: 'apps',
      apiVersion: 'v1',
    });
    assert.deepEqual(done.responseStatus, { metadata: {}, code: 200 });
    assert.equal(done.responseObject, undefined);
    assert.equal(rr.responseStatus, undefined);
    assert.equal(rr.annotations, undefined, 'nothing is decided yet when the request arrives');
    assert.match(done.requestReceivedTimestamp, MICRO);
    assert.match(done.stageTimestamp, MICRO);
    assert.equal(rr.stageTimestamp, rr.requestReceivedTimestamp);
    assert.deepEqual(done.annotations, {
      'authorization.k8s.io/decision': 'allow',
      'authorization.k8s.io/reason': 'allowed alice',
      'pod-security.kubernetes.io/enforce-policy': 'privileged:latest',
    });
  });

  test("a webhook's patch annotation only from Request level on", async () => {
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd2' } };
    const metadata = await run(
      request('POST', '/apis/apps/v1/namespaces/ns1/deployments', { user: 'alice', body: deployment }),
    );
    const done = metadata.events[metadata.events.length - 1];
    assert.equal(done.level, 'Metadata');
    assert.equal(done.objectRef?.name, 'd2');
    assert.deepEqual(Object.keys(done.annotations ?? {}), [
      'authorization.k8s.io/decision',
      'authorization.k8s.io/reason',
      'pod-security.kubernetes.io/enforce-policy',
    ]);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p2' } };
    const req = await run(request('POST', '/api/v1/namespaces/ns1/pods', { user: 'alice', body: pod }));
    assert.ok(req.events[0].annotations?.['patch.webhook.admission.k8s.io/round_0_index_0']);
  });

  test('a forbidden request: 403 Status fields and the forbid decision', async () => {
    const { events, res } = await run(request('GET', '/apis/apps/v1/namespaces/ns1/deployments', { user: 'low' }));
    assert.equal(res.status, 403);
    const done = events[events.length - 1];
    assert.equal(done.stage, 'ResponseComplete');
    assert.equal(done.verb, 'list');
    assert.equal(done.responseStatus?.code, 403);
    assert.equal(done.responseStatus?.status, 'Failure');
    assert.equal(done.responseStatus?.reason, 'Forbidden');
    assert.match(done.responseStatus?.message ?? '', /User "low" cannot list resource "deployments"/);
    assert.deepEqual(done.annotations, {
      'authorization.k8s.io/decision': 'forbid',
      'authorization.k8s.io/reason': '',
    });
  });

  test('a failed Status at Request level: bounded fields without the body', async () => {
    const { events } = await run(request('GET', '/api/v1/namespaces/ns1/pods/missing', { user: 'alice' }));
    assert.deepEqual(
      events.map((e) => e.stage),
      ['ResponseComplete'],
      'RequestReceived is omitted by the rule',
    );
    assert.deepEqual(events[0].responseStatus, {
      metadata: {},
      status: 'Failure',
      message: 'pods "missing" not found',
      reason: 'NotFound',
      details: { name: 'missing', kind: 'pods' },
      code: 404,
    });
    assert.equal(events[0].responseObject, undefined);
  });

  test('create at Request level: the body names the object, the response is not kept', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p9', uid: 'x', resourceVersion: '3' } };
    const { events } = await run(request('POST', '/api/v1/namespaces/ns1/pods', { user: 'alice', body: pod }));
    assert.equal(events.length, 1);
    assert.deepEqual(events[0].objectRef, {
      resource: 'pods',
      namespace: 'ns1',
      name: 'p9',
      uid: 'x',
      // the core group is empty and omitted, as Go's omitempty does
      apiVersion: 'v1',
      resourceVersion: '3',
    });
    assert.deepEqual(events[0].requestObject, pod);
    assert.equal(events[0].responseObject, undefined);
    assert.equal(events[0].responseStatus?.code, 201);
  });

  test('secrets at RequestResponse: no data, stringData or last-applied copy of them, ever', async () => {
    const created = await run(
      request('POST', '/api/v1/namespaces/ns1/secrets', {
        user: 'alice',
        body: { ...secretObject, stringData: { other: PLAIN_SECRET } },
      }),
    );
    const listed = await run(request('GET', '/api/v1/namespaces/ns1/secrets', { user: 'alice' }));
    const patched = await run(
      request('PATCH', '/api/v1/namespaces/ns1/secrets/s1', {
        user: 'alice',
        body: [{ op: 'replace', path: '/data/password', value: B64_SECRET }],
        headers: { 'content-type': 'application/json-patch+json' },
      }),
    );
    const merged = await run(
      request('PATCH', '/api/v1/namespaces/ns1/secrets/s1', {
        user: 'alice',
        body: { stringData: { password: PLAIN_SECRET } },
        headers: { 'content-type': 'application/merge-patch+json' },
      }),
    );
    const all = [...created.events, ...listed.events, ...patched.events, ...merged.events];
    const text = JSON.stringify(all);
    assert.ok(!text.includes(PLAIN_SECRET), 'plain value leaked');
    assert.ok(!text.includes(B64_SECRET), 'base64 value leaked');
    const done = created.events[created.events.length - 1];
    assert.equal(done.level, 'RequestResponse');
    assert.deepEqual(JSON.parse(done.annotations?.['patch.webhook.admission.k8s.io/round_0_index_0'] ?? ''), {
      configuration: 'c',
      webhook: 'w',
      patch: [{ op: 'add', path: '/data/extra' }],
      patchType: 'JSONPatch',
    });
    const resp = done.responseObject as { metadata: Record<string, unknown>; type: string };
    assert.equal(resp.type, 'Opaque', 'the rest of the secret is still there');
    assert.deepEqual(resp.metadata.annotations, { keep: 'me' });
    assert.equal(resp.metadata.managedFields, undefined, 'omitManagedFields');
    assert.equal((listed.events[1].responseObject as { items: unknown[] }).items.length, 2);
    assert.deepEqual(patched.events[1].requestObject, [{ op: 'replace', path: '/data/password' }]);
  });

  test('impersonation: user is who asked, impersonatedUser whom they became', async () => {
    const { events, res } = await run(
      request('GET', '/api/v1/namespaces/ns1/configmaps', { user: 'admin', headers: { 'impersonate-user': 'low' } }),
    );
    assert.equal(res.status, 403);
    const done = events[events.length - 1];
    assert.equal(done.user.username, 'admin');
    assert.deepEqual(done.impersonatedUser, { username: 'low', groups: ['system:authenticated'] });
    assert.equal(done.annotations?.['authorization.k8s.io/decision'], 'forbid');
  });

  test('a watch: ResponseStarted when the stream starts, ResponseComplete when it ends', async () => {
    const { res, events, id } = await run(request('GET', '/api/v1/namespaces/ns1/pods?watch=true', { user: 'alice' }));
    assert.equal(res.kind, 'stream');
    assert.deepEqual(
      events.map((e) => e.stage),
      [],
    );
    const closers: Array<() => void> = [];
    const sink: StreamSink = {
      write: () => true,
      drained: async () => true,
      end: () => closers.forEach((c) => c()),
      abort: () => closers.forEach((c) => c()),
      onClose: (cb) => closers.push(cb),
    };
    if (res.kind === 'stream') res.start(sink);
    const mine = () => backend.events.filter((e) => e.auditID === id);
    assert.deepEqual(
      mine().map((e) => e.stage),
      ['ResponseStarted'],
    );
    streamSink.close?.();
    assert.deepEqual(
      mine().map((e) => e.stage),
      ['ResponseStarted', 'ResponseComplete'],
    );
    assert.equal(mine()[1].verb, 'watch');
    assert.deepEqual(mine()[1].responseStatus, { metadata: {}, code: 200 });
  });

  test('a handler that throws: a Panic event, then the 500 from panic recovery', async () => {
    const { events, res } = await run(request('GET', '/api/v1/namespaces/ns1/pods/boom', { user: 'alice' }));
    assert.equal(res.status, 500);
    assert.ok(res.headers['audit-id']);
    const panic = events[events.length - 1];
    assert.equal(panic.stage, 'Panic');
    assert.deepEqual(panic.responseStatus, {
      metadata: {},
      status: 'Failure',
      message: "APIServer panic'd: kaboom",
      reason: 'InternalError',
      code: 500,
    });
  });

  test('failed authentication: one ResponseStarted event without a user', async () => {
    const { events, res } = await run(request('GET', '/api/v1/namespaces/ns1/configmaps', { user: 'bad' }));
    assert.equal(res.status, 401);
    assert.equal(events.length, 1);
    assert.equal(events[0].stage, 'ResponseStarted');
    assert.deepEqual(events[0].user, {});
    assert.deepEqual(events[0].responseStatus, {
      metadata: {},
      message: 'Authentication failed, attempted: bearer',
      code: 401,
    });
  });
});
