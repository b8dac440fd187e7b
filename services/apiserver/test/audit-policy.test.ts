import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parsePolicy, PolicyError, PolicyEvaluator, type PolicyAttributes } from '../src/audit/policy';

const admin = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
const alice = { name: 'alice', groups: ['dev', 'system:authenticated'] };

function res(over: Partial<PolicyAttributes>): PolicyAttributes {
  return {
    user: alice,
    verb: 'get',
    isResourceRequest: true,
    path: '/api/v1/namespaces/ns1/pods/p1',
    apiGroup: '',
    resource: 'pods',
    subresource: '',
    namespace: 'ns1',
    name: 'p1',
    ...over,
  };
}

function nonRes(path: string, over: Partial<PolicyAttributes> = {}): PolicyAttributes {
  return res({ isResourceRequest: false, path, resource: '', namespace: '', name: '', ...over });
}

const POLICY = `
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
omitManagedFields: true
rules:
- level: None
  users: [system:kube-proxy]
  verbs: [watch]
- level: None
  userGroups: [system:nodes]
  nonResourceURLs: ["/healthz*", /version]
- level: Metadata
  resources:
  - group: ""
    resources: [secrets, configmaps]
- level: RequestResponse
  omitStages: [ResponseStarted]
  omitManagedFields: false
  resources:
  - group: ""
    resources: [pods/log, "*/status"]
  - group: apps
    resources: ["deployments/*"]
- level: Request
  namespaces: [kube-system]
- level: Request
  resources:
  - group: ""
    resources: [pods]
    resourceNames: [special]
- level: Metadata
  resources:
  - group: batch
- level: Metadata
  nonResourceURLs: ["/metrics"]
- level: RequestResponse
  verbs: [create]
  resources:
  - group: rbac.authorization.k8s.io
    resources: ["*"]
`;

describe('audit policy: first matching rule wins, none matching is None', () => {
  const ev = new PolicyEvaluator(parsePolicy(POLICY));
  const level = (a: PolicyAttributes) => ev.evaluate(a).level;

  test('users and verbs must both match', () => {
    const proxy = { name: 'system:kube-proxy', groups: ['system:authenticated'] };
    assert.equal(level(res({ user: proxy, verb: 'watch', resource: 'endpoints' })), 'None');
    // a get by kube-proxy passes the first rule by and lands on no rule at all
    assert.equal(level(res({ user: proxy, verb: 'get', resource: 'endpoints' })), 'None');
    assert.equal(level(res({ user: proxy, verb: 'get', resource: 'secrets' })), 'Metadata');
    // without a user (failed authentication) a users rule never matches
    assert.equal(level(res({ user: undefined, verb: 'watch', resource: 'secrets' })), 'Metadata');
  });

  test('resources: plain, resource/subresource, */subresource, resource/* and group-only', () => {
    assert.equal(level(res({ resource: 'secrets' })), 'Metadata');
    assert.equal(level(res({ resource: 'configmaps', namespace: 'other' })), 'Metadata');
    // the plain form does not cover subresources
    assert.equal(level(res({ resource: 'secrets', subresource: 'status', namespace: 'x' })), 'RequestResponse');
    assert.equal(level(res({ resource: 'pods', subresource: 'log' })), 'RequestResponse');
    assert.equal(level(res({ resource: 'nodes', subresource: 'status', namespace: '' })), 'RequestResponse');
    assert.equal(level(res({ resource: 'pods', subresource: 'exec' })), 'None');
    assert.equal(level(res({ apiGroup: 'apps', resource: 'deployments', subresource: 'scale' })), 'RequestResponse');
    // "deployments/*" is about subresources and the resource itself alike
    assert.equal(level(res({ apiGroup: 'apps', resource: 'deployments' })), 'RequestResponse');
    assert.equal(level(res({ apiGroup: 'apps', resource: 'replicasets' })), 'None');
    // "*/status" was listed under the core group only
    assert.equal(level(res({ apiGroup: 'batch', resource: 'jobs', subresource: 'status' })), 'Metadata');
    assert.equal(level(res({ apiGroup: 'batch', resource: 'cronjobs' })), 'Metadata');
  });

  test('resourceNames narrow a resource; namespaces match the request namespace ("" for cluster scope)', () => {
    assert.equal(level(res({ name: 'special' })), 'Request');
    assert.equal(level(res({ name: 'plain' })), 'None');
    assert.equal(
      level(res({ namespace: 'kube-system', resource: 'leases', apiGroup: 'coordination.k8s.io' })),
      'Request',
    );
    assert.equal(level(res({ namespace: '', resource: 'nodes' })), 'None');
  });

  test('wildcard resources with verbs', () => {
    const rbac = { apiGroup: 'rbac.authorization.k8s.io', resource: 'roles' };
    assert.equal(level(res({ ...rbac, verb: 'create' })), 'RequestResponse');
    assert.equal(level(res({ ...rbac, verb: 'delete' })), 'None');
  });

  test('nonResourceURLs: exact, trailing *, groups; never a resource request', () => {
    const node = { name: 'system:node:n1', groups: ['system:nodes'] };
    assert.equal(level(nonRes('/healthz', { user: node })), 'None');
    assert.equal(level(nonRes('/healthz/etcd', { user: node })), 'None');
    assert.equal(level(nonRes('/metrics', { user: admin })), 'Metadata');
    assert.equal(level(nonRes('/metrics/extra', { user: admin })), 'None');
    assert.equal(level(nonRes('/version', { user: admin })), 'None');
    assert.equal(level(res({ path: '/metrics', resource: 'metrics', namespace: '' })), 'None');
  });

  test('omitStages unite the policy and the rule; omitManagedFields falls back to the policy', () => {
    const sub = ev.evaluate(res({ resource: 'pods', subresource: 'log' }));
    assert.deepEqual([...sub.omitStages].sort(), ['RequestReceived', 'ResponseStarted']);
    assert.equal(sub.omitManagedFields, false);
    const secret = ev.evaluate(res({ resource: 'secrets' }));
    assert.deepEqual(secret.omitStages, ['RequestReceived']);
    assert.equal(secret.omitManagedFields, true);
    const none = ev.evaluate(res({ resource: 'endpoints' }));
    assert.deepEqual(none, { level: 'None', omitStages: ['RequestReceived'], omitManagedFields: true });
  });
});

describe('audit policy: invalid policies are refused with the reason', () => {
  const refuses = (text: string, message: RegExp) =>
    assert.throws(
      () => parsePolicy(text),
      (e: unknown) => {
        assert.ok(e instanceof PolicyError);
        assert.match(e.message, message);
        return true;
      },
    );
  const head = 'apiVersion: audit.k8s.io/v1\nkind: Policy\n';

  test('version, kind and rules', () => {
    refuses('apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules: [{level: None}]\n', /unknown group version/);
    refuses('apiVersion: v1\nkind: ConfigMap\n', /unknown group version/);
    refuses(head, /loaded illegal policy with 0 rules/);
    refuses(`${head}rules: [{level: Everything}]\n`, /rules\[0\]\.level: Unsupported value: "Everything"/);
    refuses('{{{', /failed decoding/);
  });

  test('stages, groups, resourceNames and non-resource URLs', () => {
    refuses(`${head}omitStages: [Started]\nrules: [{level: None}]\n`, /omitStages\[0\]: Invalid value: "Started"/);
    refuses(`${head}rules: [{level: None, omitStages: [Done]}]\n`, /rules\[0\]\.omitStages\[0\]/);
    refuses(
      `${head}rules: [{level: None, resources: [{group: "Not_A_Group"}]}]\n`,
      /rules\[0\]\.resources\[0\]\.group/,
    );
    refuses(
      `${head}rules: [{level: None, resources: [{group: "", resourceNames: [a]}]}]\n`,
      /using resourceNames requires at least one resource/,
    );
    refuses(
      `${head}rules: [{level: None, namespaces: [a], nonResourceURLs: ["/x"]}]\n`,
      /rules cannot apply to both regular resources and non-resource URLs/,
    );
    refuses(`${head}rules: [{level: None, nonResourceURLs: ["x"]}]\n`, /must begin with a '\/' character/);
    refuses(`${head}rules: [{level: None, nonResourceURLs: ["/a*b"]}]\n`, /wildcards '\*' must be the final character/);
  });

  test('a valid policy in JSON loads too', () => {
    const p = parsePolicy(
      JSON.stringify({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'Metadata' }] }),
    );
    assert.equal(new PolicyEvaluator(p).evaluate(nonRes('/anything')).level, 'Metadata');
  });
});
