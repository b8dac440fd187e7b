import assert from 'node:assert/strict';
import https from 'node:https';
import { describe, it } from 'node:test';
import { StatusError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import { AuthenticationError } from '../src/authn/authenticator';
import { createCa, issueLeaf } from '../src/certs/issue';
import { containerUsage, fnv1a, nodeBaseUsage, usageList } from '../../metrics-server/src/figures';
import {
  delegatedAuthenticator,
  delegatedAuthorizer,
  tokenReviewAuthenticator,
} from '../../metrics-server/src/delegated-auth';
import { discoveryDocument } from '../../metrics-server/src/discovery';
import type { KubePoster, KubeReader } from '../../metrics-server/src/kube-client';
import { goDuration, MetricsApi } from '../../metrics-server/src/metrics-api';
import { parseGoDuration } from '../../metrics-server/src/metrics-server';
import { buildOpenApiDocuments } from '../../metrics-server/src/openapi';
import { listenMetricsServer } from '../../metrics-server/src/server';
import { metricsTable } from '../../metrics-server/src/table';

const MI = 1024n * 1024n;

function pod(
  namespace: string,
  name: string,
  opts: { node?: string; phase?: string; labels?: Record<string, string> },
) {
  return {
    metadata: { namespace, name, labels: opts.labels },
    spec: {
      nodeName: opts.node,
      containers: [{ name: 'app', resources: { requests: { cpu: '100m', memory: '10Mi' } } }, { name: 'side' }],
    },
    status: { phase: opts.phase ?? 'Running' },
  };
}

const PODS = [
  pod('b', 'p2', { node: 'n1', labels: { app: 'x' } }),
  pod('a', 'p1', { node: 'n1', labels: { app: 'y' } }),
  pod('a', 'waiting', { node: 'n1', phase: 'Pending' }),
];
const NODES = [
  { metadata: { name: 'n2', labels: { zone: 'b' } } },
  { metadata: { name: 'n1', labels: { zone: 'a' } } },
];

/** kapi's Pods and Nodes, as the sample server reads them. */
const reader: KubeReader = {
  async get<T>(p: string): Promise<T> {
    if (p === '/api/v1/pods') return { items: PODS } as T;
    const nsList = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(p);
    if (nsList) return { items: PODS.filter((x) => x.metadata.namespace === nsList[1]) } as T;
    const one = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(p);
    if (one) {
      const found = PODS.find((x) => x.metadata.namespace === one[1] && x.metadata.name === one[2]);
      if (found) return found as T;
    }
    if (p === '/api/v1/nodes') return { items: NODES } as T;
    const node = /^\/api\/v1\/nodes\/([^/]+)$/.exec(p);
    const n = node && NODES.find((x) => x.metadata.name === node[1]);
    if (n) return n as T;
    const { KubeApiError } = await import('../../metrics-server/src/kube-client');
    throw new KubeApiError(404, { message: 'not found' });
  },
};

const clock = { now: () => new Date('2026-01-02T03:04:37.500Z'), resolutionMs: 15_000 };

describe('sample metrics server: figures', () => {
  it('a container uses its requests; without them, a hash of its name', () => {
    assert.equal(fnv1a(''), 0x811c9dc5);
    assert.equal(fnv1a('a'), 0xe40c292c);
    const asked = containerUsage('ns', 'p', { name: 'c', resources: { requests: { cpu: '1500m', memory: '1Gi' } } });
    assert.deepEqual(usageList(asked), { cpu: '1500m', memory: '1Gi' });
    const hashed = containerUsage('ns', 'p', { name: 'c' });
    assert.equal(hashed.cpu, BigInt((fnv1a('cpu/ns/p/c') % 100) + 1) * 1_000_000n);
    assert.equal(hashed.memory, BigInt((fnv1a('memory/ns/p/c') % 64) + 1) * MI);
    const base = nodeBaseUsage('n1');
    assert.equal(base.cpu, BigInt(50 + (fnv1a('cpu/n1') % 200)) * 1_000_000n);
    assert.equal(base.memory, BigInt(256 + (fnv1a('memory/n1') % 512)) * MI);
    // quantities as metrics-server writes them: a nanocore figure canonicalized, memory BinarySI
    assert.deepEqual(usageList({ cpu: 1_234_567n, memory: 1000n }), { cpu: '1234567n', memory: '1k' });
  });

  it('durations and timestamps follow --metric-resolution', () => {
    assert.equal(goDuration(15_000), '15s');
    assert.equal(goDuration(90_000), '1m30s');
    assert.equal(goDuration(1_500), '1.5s');
    assert.equal(goDuration(3_600_000), '1h0m0s');
    assert.equal(parseGoDuration('1m30s'), 90_000);
    assert.equal(parseGoDuration('500ms'), 500);
    assert.throws(() => parseGoDuration('15'), /invalid duration/);
  });
});

describe('sample metrics server: NodeMetrics and PodMetrics', () => {
  const api = new MetricsApi(reader, clock);

  it('lists running pods sorted by namespace and name, with label and field selectors', async () => {
    const all = (await api.listPods('', {})) as { kind: string; items: Array<{ metadata: { name: string } }> };
    assert.equal(all.kind, 'PodMetricsList');
    assert.deepEqual(
      all.items.map((i) => i.metadata.name),
      ['p1', 'p2'],
    );
    const byLabel = (await api.listPods('', { labelSelector: 'app in (x)' })) as {
      items: Array<{ metadata: { name: string } }>;
    };
    assert.deepEqual(
      byLabel.items.map((i) => i.metadata.name),
      ['p2'],
    );
    const byField = (await api.listPods('', { fieldSelector: 'metadata.namespace=a' })) as {
      items: Array<{ metadata: { name: string } }>;
    };
    assert.deepEqual(
      byField.items.map((i) => i.metadata.name),
      ['p1'],
    );
    await assert.rejects(api.listPods('', { labelSelector: 'a b' }), (e: unknown) => (e as StatusError).code === 400);
  });

  it('gets one pod with per-container figures, timestamp on the resolution and the window', async () => {
    const pm = (await api.getPod('a', 'p1')) as Record<string, unknown>;
    assert.equal(pm.kind, 'PodMetrics');
    assert.equal(pm.apiVersion, 'metrics.k8s.io/v1beta1');
    assert.equal(pm.timestamp, '2026-01-02T03:04:30Z');
    assert.equal(pm.window, '15s');
    const containers = pm.containers as Array<{ name: string; usage: { cpu: string; memory: string } }>;
    assert.deepEqual(containers[0], { name: 'app', usage: { cpu: '100m', memory: '10Mi' } });
    assert.deepEqual(containers[1], { name: 'side', usage: usageList(containerUsage('a', 'p1', { name: 'side' })) });
  });

  it('answers NotFound as metrics-server: the lister miss, then a pod with no figures', async () => {
    await assert.rejects(
      api.getPod('a', 'nope'),
      (e: unknown) => e instanceof StatusError && e.code === 404 && e.message === 'pod "nope" not found',
    );
    await assert.rejects(
      api.getPod('a', 'waiting'),
      (e: unknown) => e instanceof StatusError && e.message === 'podmetrics.metrics.k8s.io "a/waiting" not found',
    );
    await assert.rejects(api.getNode('gone'), (e: unknown) => (e as StatusError).message === 'node "gone" not found');
  });

  it('a node uses its base plus its running pods, and keeps its labels', async () => {
    const list = (await api.listNodes({ labelSelector: 'zone=a' })) as {
      items: Array<{
        metadata: { name: string; labels: Record<string, string> };
        usage: { cpu: string; memory: string };
      }>;
    };
    assert.equal(list.items.length, 1);
    const [n1] = list.items;
    assert.deepEqual(n1.metadata.labels, { zone: 'a' });
    const side = (ns: string, p: string) => containerUsage(ns, p, { name: 'side' });
    const base = nodeBaseUsage('n1');
    const cpu = base.cpu + 200_000_000n + side('a', 'p1').cpu + side('b', 'p2').cpu;
    const memory = base.memory + 20n * MI + side('a', 'p1').memory + side('b', 'p2').memory;
    assert.deepEqual(n1.usage, usageList({ cpu, memory }));
    const names = (await api.listNodes({})) as { items: Array<{ metadata: { name: string } }> };
    assert.deepEqual(
      names.items.map((i) => i.metadata.name),
      ['n1', 'n2'],
    );
    const byName = (await api.listNodes({ fieldSelector: 'metadata.name!=n1' })) as { items: unknown[] };
    assert.equal(byName.items.length, 1);
  });
});

describe('sample metrics server: Table', () => {
  it('has metrics-server columns, pod usage summed over containers', async () => {
    const api = new MetricsApi(reader, clock);
    const pods = ((await api.listPods('a', {})) as { items: KubeObject[] }).items;
    const t = metricsTable('PodMetrics', pods, new URLSearchParams(), 'meta.k8s.io/v1') as unknown as {
      columnDefinitions: Array<{ name: string; format: string }>;
      rows: Array<{ cells: unknown[]; object: { kind: string } }>;
    };
    assert.deepEqual(
      t.columnDefinitions.map((c) => `${c.name}/${c.format}`),
      ['Name/name', 'cpu/quantity', 'memory/quantity', 'Window/duration'],
    );
    const side = containerUsage('a', 'p1', { name: 'side' });
    assert.deepEqual(t.rows[0].cells, [
      'p1',
      usageList({ cpu: 100_000_000n + side.cpu, memory: 0n }).cpu,
      usageList({ cpu: 0n, memory: 10n * MI + side.memory }).memory,
      '15s',
    ]);
    assert.equal(t.rows[0].object.kind, 'PartialObjectMetadata');
    const empty = metricsTable('NodeMetrics', [], new URLSearchParams(), 'meta.k8s.io/v1') as Record<string, unknown>;
    assert.equal(empty.columnDefinitions, null);
  });
});

describe('sample metrics server: discovery and OpenAPI', () => {
  it('serves the group in the legacy and aggregated forms', () => {
    const list = discoveryDocument('/apis/metrics.k8s.io/v1beta1', 'application/json');
    assert.deepEqual(list?.body, {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'metrics.k8s.io/v1beta1',
      resources: [
        { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
        { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
      ],
    });
    const group = discoveryDocument('/apis/metrics.k8s.io', undefined)?.body as { preferredVersion: unknown };
    assert.deepEqual(group.preferredVersion, { groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' });
    const aggregated = discoveryDocument(
      '/apis',
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    );
    assert.equal(aggregated?.contentType, 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    assert.equal((aggregated?.body as { kind: string }).kind, 'APIGroupDiscoveryList');
    assert.equal(discoveryDocument('/apis/other', undefined), undefined);
    // a q-value below the plain JSON one loses, as the API server's negotiation has it
    const preferJson = discoveryDocument(
      '/apis',
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0.5,application/json',
    );
    assert.equal((preferJson?.body as { kind: string }).kind, 'APIGroupList');
  });

  it('publishes v3 and v2 documents whose references all resolve', () => {
    const docs = buildOpenApiDocuments();
    const v3 = JSON.parse(docs.v3.get('apis/metrics.k8s.io/v1beta1')?.body.toString() ?? '{}') as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    assert.deepEqual(Object.keys(v3.paths), [
      '/apis/metrics.k8s.io/v1beta1/',
      '/apis/metrics.k8s.io/v1beta1/namespaces/{namespace}/pods',
      '/apis/metrics.k8s.io/v1beta1/namespaces/{namespace}/pods/{name}',
      '/apis/metrics.k8s.io/v1beta1/nodes',
      '/apis/metrics.k8s.io/v1beta1/nodes/{name}',
      '/apis/metrics.k8s.io/v1beta1/pods',
    ]);
    const refs = JSON.stringify(v3).match(/#\/components\/schemas\/[^"]+/g) ?? [];
    for (const r of refs) assert.ok(v3.components.schemas[r.slice('#/components/schemas/'.length)], r);
    const v2 = JSON.parse(docs.v2.json.toString()) as { definitions: Record<string, unknown>; swagger: string };
    assert.equal(v2.swagger, '2.0');
    const v2refs = docs.v2.json.toString().match(/#\/definitions\/[^"]+/g) ?? [];
    assert.ok(v2refs.length > 0);
    for (const r of v2refs) assert.ok(v2.definitions[r.slice('#/definitions/'.length)], r);
    assert.ok(docs.v2.protobuf.includes(Buffer.from('/apis/metrics.k8s.io/v1beta1/nodes')));
  });
});

describe('sample metrics server: delegated authentication and authorization', () => {
  function recorder(answer: (path: string, body: { spec: Record<string, unknown> }) => unknown) {
    const sent: Array<{ path: string; spec: Record<string, unknown> }> = [];
    const poster: KubePoster = {
      async post<T>(p: string, body: unknown): Promise<T> {
        const b = body as { spec: Record<string, unknown> };
        sent.push({ path: p, spec: b.spec });
        return answer(p, b) as T;
      },
    };
    return { poster, sent };
  }

  it('asks kapi with a SubjectAccessReview, remembers the answer, and lets masters and health checks pass', async () => {
    const { poster, sent } = recorder(() => ({ status: { allowed: false, reason: 'no RBAC policy matched' } }));
    let now = 0;
    const authz = delegatedAuthorizer(poster, () => now);
    const attrs = {
      user: { name: 'jane', uid: 'u1', groups: ['devs'], extra: { scopes: ['a'] } },
      verb: 'list',
      isResourceRequest: true,
      path: '/apis/metrics.k8s.io/v1beta1/namespaces/team/pods',
      apiGroup: 'metrics.k8s.io',
      apiVersion: 'v1beta1',
      resource: 'pods',
      subresource: '',
      namespace: 'team',
      name: '',
    };
    assert.deepEqual(await authz.authorize(attrs), { decision: 'noOpinion', reason: 'no RBAC policy matched' });
    assert.deepEqual(sent[0], {
      path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      spec: {
        user: 'jane',
        uid: 'u1',
        groups: ['devs'],
        extra: { scopes: ['a'] },
        resourceAttributes: {
          verb: 'list',
          group: 'metrics.k8s.io',
          version: 'v1beta1',
          resource: 'pods',
          namespace: 'team',
        },
      },
    });
    await authz.authorize(attrs);
    assert.equal(sent.length, 1, 'the second answer came from the cache');
    now = 11_000;
    await authz.authorize(attrs);
    assert.equal(sent.length, 2, 'the cache entry expired');
    await authz.authorize({ ...attrs, user: { name: 'root', groups: ['system:masters'] } });
    await authz.authorize({
      ...attrs,
      user: { name: 'x', groups: [] },
      isResourceRequest: false,
      path: '/healthz',
      verb: 'get',
    });
    assert.equal(sent.length, 2);
    await authz.authorize({ ...attrs, isResourceRequest: false, path: '/apis', verb: 'get' });
    assert.deepEqual(sent[2].spec.nonResourceAttributes, { path: '/apis', verb: 'get' });
  });

  it('reviews bearer tokens with kapi', async () => {
    const { poster, sent } = recorder((_p, body) =>
      body.spec.token === 'good'
        ? { status: { authenticated: true, user: { username: 'bob', uid: 'b', groups: ['g'] } } }
        : { status: { authenticated: false, error: 'token expired' } },
    );
    const tokens = tokenReviewAuthenticator(poster);
    assert.deepEqual((await tokens.authenticateToken('good'))?.user, {
      name: 'bob',
      uid: 'b',
      groups: ['g'],
      extra: {},
    });
    await assert.rejects(tokens.authenticateToken('bad'), (e: unknown) => e instanceof AuthenticationError);
    assert.equal(sent[0].path, '/apis/authentication.k8s.io/v1/tokenreviews');
    const authn = delegatedAuthenticator({ kube: poster });
    const r = await authn.authenticate({ headers: { authorization: 'Bearer good' }, peerCertificates: [] });
    assert.deepEqual(r?.user.groups, ['g', 'system:authenticated']);
    const anon = await authn.authenticate({ headers: {}, peerCertificates: [] });
    assert.equal(anon?.user.name, 'system:anonymous');
  });

  it('over HTTPS: the front proxy needs the requestheader CA and an allowed name', async () => {
    const proxyCa = createCa('proxy-ca');
    const allowed = issueLeaf(proxyCa, { subject: { commonName: 'front-proxy-client' }, usage: 'clientAuth' });
    const stranger = issueLeaf(proxyCa, { subject: { commonName: 'someone-else' }, usage: 'clientAuth' });
    const servingCa = createCa('serving-ca');
    const serving = issueLeaf(servingCa, {
      subject: { commonName: 'localhost' },
      usage: 'serverAuth',
      sans: [{ kind: 'ip', value: '127.0.0.1' }],
    });
    const { poster } = recorder(() => ({ status: {} }));
    const seen: string[] = [];
    const server = await listenMetricsServer(
      {
        api: new MetricsApi(reader, clock),
        authenticator: delegatedAuthenticator({
          kube: poster,
          requestHeader: {
            clientCAPem: proxyCa.certPem,
            allowedNames: ['front-proxy-client'],
            usernameHeaders: ['x-remote-user'],
            uidHeaders: [],
            groupHeaders: ['x-remote-group'],
            extraHeaderPrefixes: ['x-remote-extra-'],
          },
        }),
        authorizer: {
          async authorize(a) {
            seen.push(
              `${a.user.name}:${a.user.groups.join('+')}:${a.verb}:${a.resource}:${JSON.stringify(a.user.extra)}`,
            );
            return { decision: a.user.name === 'alice' ? 'allow' : 'deny', reason: 'by the test' };
          },
        },
        openapi: buildOpenApiDocuments(),
        tls: serving,
      },
      '127.0.0.1',
      0,
    );
    const get = (cert: { certPem: string; keyPem: string }, user: string, p: string) =>
      new Promise<{ code: number; body: Record<string, unknown> }>((resolve, reject) => {
        https
          .get(
            {
              host: '127.0.0.1',
              port: server.port,
              path: p,
              ca: servingCa.certPem,
              cert: cert.certPem,
              key: cert.keyPem,
              agent: false,
              headers: { 'x-remote-user': user, 'x-remote-group': 'ops', 'x-remote-extra-acme.io%2fteam': 'blue' },
            },
            (res) => {
              let b = '';
              res.on('data', (c: Buffer) => (b += c.toString()));
              res.on('end', () =>
                resolve({ code: res.statusCode ?? 0, body: JSON.parse(b) as Record<string, unknown> }),
              );
            },
          )
          .on('error', reject);
      });
    try {
      const ok = await get(allowed, 'alice', '/apis/metrics.k8s.io/v1beta1/nodes');
      assert.equal(ok.code, 200);
      assert.equal(ok.body.kind, 'NodeMetricsList');
      assert.deepEqual(seen, ['alice:ops+system:authenticated:list:nodes:{"acme.io/team":["blue"]}']);
      const denied = await get(allowed, 'mallory', '/apis/metrics.k8s.io/v1beta1/namespaces/a/pods/p1');
      assert.equal(denied.code, 403);
      assert.equal(
        denied.body.message,
        'pods.metrics.k8s.io "p1" is forbidden: User "mallory" cannot get resource "pods" in API group "metrics.k8s.io" in the namespace "a": by the test',
      );
      const notAllowed = await get(stranger, 'alice', '/apis/metrics.k8s.io/v1beta1/nodes');
      assert.equal(notAllowed.code, 401);
      assert.equal(notAllowed.body.message, 'Unauthorized');
      for (const p of [
        '/apis/metrics.k8s.io/v1beta1/widgets',
        '/apis/metrics.k8s.io/v1beta1/pods/p1',
        '/apis/metrics.k8s.io/v1beta1/namespaces/a/nodes',
      ]) {
        const unknown = await get(allowed, 'alice', p);
        assert.equal(unknown.code, 404, p);
        assert.equal(unknown.body.message, 'the server could not find the requested resource');
      }
    } finally {
      await server.stop();
    }
  });
});
