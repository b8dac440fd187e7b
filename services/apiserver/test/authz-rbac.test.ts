import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PolicyRule } from '../src/generated/k8s.io.api.rbac.v1';
import { forbiddenError, forbiddenMessage } from '../src/authz/forbidden';
import { buildAuthorizer } from '../src/authz/modes';
import { RbacAuthorizer } from '../src/authz/rbac/authorizer';
import { RuleIndex } from '../src/authz/rbac/rule-index';
import { ruleAllows } from '../src/authz/rbac/rules';
import { rulesFor } from '../src/authz/rbac/rules-for';
import type { Attributes, UserInfo } from '../src/authz/types';

const bob: UserInfo = { name: 'bob', groups: ['system:authenticated'] };

function req(over: Partial<Attributes>): Attributes {
  return {
    user: bob,
    verb: 'get',
    isResourceRequest: true,
    path: '',
    apiGroup: '',
    apiVersion: 'v1',
    resource: 'pods',
    subresource: '',
    namespace: 'ns',
    name: '',
    ...over,
  };
}

function sa(ns: string, name: string): UserInfo {
  return {
    name: `system:serviceaccount:${ns}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
  };
}

describe('ruleAllows', () => {
  const cases: Array<[string, PolicyRule, Partial<Attributes>, boolean]> = [
    ['exact match', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, {}, true],
    ['verb differs', { verbs: ['list'], apiGroups: [''], resources: ['pods'] }, {}, false],
    ['verbs are case-sensitive', { verbs: ['GET'], apiGroups: [''], resources: ['pods'] }, {}, false],
    ['verb *', { verbs: ['*'], apiGroups: [''], resources: ['pods'] }, { verb: 'deletecollection' }, true],
    ['group differs', { verbs: ['get'], apiGroups: ['apps'], resources: ['pods'] }, {}, false],
    [
      'group *',
      { verbs: ['get'], apiGroups: ['*'], resources: ['deployments'] },
      { apiGroup: 'apps', resource: 'deployments' },
      true,
    ],
    ['resource *', { verbs: ['get'], apiGroups: [''], resources: ['*'] }, { resource: 'secrets' }, true],
    [
      'resource * covers subresources',
      { verbs: ['get'], apiGroups: [''], resources: ['*'] },
      { subresource: 'log' },
      true,
    ],
    [
      'parent does not cover subresource',
      { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      { subresource: 'log' },
      false,
    ],
    ['subresource exact', { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, { subresource: 'log' }, true],
    ['subresource rule does not cover parent', { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, {}, false],
    [
      '*/scale covers any scale',
      { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] },
      { apiGroup: 'apps', resource: 'deployments', subresource: 'scale' },
      true,
    ],
    [
      '*/scale is not */status',
      { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] },
      { subresource: 'status' },
      false,
    ],
    ['*/scale does not match the parent', { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] }, {}, false],
    [
      'resourceNames match',
      { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] },
      { name: 'a' },
      true,
    ],
    [
      'resourceNames other',
      { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] },
      { name: 'b' },
      false,
    ],
    [
      'resourceNames never allow a nameless list',
      { verbs: ['list'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] },
      { verb: 'list' },
      false,
    ],
    [
      'non-resource exact',
      { verbs: ['get'], nonResourceURLs: ['/healthz'] },
      { isResourceRequest: false, path: '/healthz' },
      true,
    ],
    [
      'non-resource prefix *',
      { verbs: ['get'], nonResourceURLs: ['/apis/*'] },
      { isResourceRequest: false, path: '/apis/apps/v1' },
      true,
    ],
    [
      'non-resource prefix is literal',
      { verbs: ['get'], nonResourceURLs: ['/apis/*'] },
      { isResourceRequest: false, path: '/apis' },
      false,
    ],
    [
      'non-resource *',
      { verbs: ['get'], nonResourceURLs: ['*'] },
      { isResourceRequest: false, path: '/anything' },
      true,
    ],
    ['non-resource rule does not grant resources', { verbs: ['get'], nonResourceURLs: ['*'] }, {}, false],
    [
      'resource rule does not grant paths',
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      { isResourceRequest: false, path: '/x' },
      false,
    ],
  ];
  for (const [title, rule, over, want] of cases) {
    test(title, () => assert.equal(ruleAllows(req(over), rule), want));
  }
});

function fixture(): RuleIndex {
  const idx = new RuleIndex();
  idx.upsert('Role', {
    metadata: { namespace: 'ns', name: 'cm-reader' },
    rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'] }],
  });
  idx.upsert('RoleBinding', {
    metadata: { namespace: 'ns', name: 'app-reads' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cm-reader' },
    subjects: [{ kind: 'ServiceAccount', name: 'app', namespace: 'ns' }],
  });
  return idx;
}

describe('RBAC authorizer', () => {
  test('a service account bound to a get/list Role can list but not delete configmaps', () => {
    const idx = fixture();
    const authz = buildAuthorizer(['Node', 'RBAC'], { ruleIndex: idx });
    const user = sa('ns', 'app');
    const list = req({ user, verb: 'list', resource: 'configmaps' });
    assert.deepEqual(authz.authorize(list), {
      decision: 'allow',
      reason: 'RBAC: allowed by RoleBinding "app-reads/ns" of Role "cm-reader" to ServiceAccount "app/ns"',
    });
    const del = req({ user, verb: 'delete', resource: 'configmaps', name: 'x' });
    const d = authz.authorize(del);
    assert.equal(d.decision, 'deny');
    assert.equal(
      forbiddenMessage(del, d.reason),
      'configmaps "x" is forbidden: User "system:serviceaccount:ns:app" cannot delete resource "configmaps" in API group "" in the namespace "ns"',
    );
    const status = forbiddenError(del, d.reason).toStatus();
    assert.equal(status.code, 403);
    assert.equal(status.reason, 'Forbidden');
    assert.deepEqual(status.details, { name: 'x', kind: 'configmaps' });
    // the same binding does not reach into another namespace
    assert.equal(authz.authorize({ ...list, namespace: 'other' }).decision, 'deny');
    // nor does it serve a look-alike in another namespace
    assert.equal(authz.authorize({ ...list, user: sa('other', 'app') }).decision, 'deny');
  });

  test('an unqualified ServiceAccount subject in a RoleBinding means the binding namespace', () => {
    const idx = fixture();
    idx.upsert('RoleBinding', {
      metadata: { namespace: 'ns', name: 'local' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cm-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'local' }],
    });
    const rbac = new RbacAuthorizer(idx);
    const r = rbac.authorize(req({ user: sa('ns', 'local'), resource: 'configmaps' }));
    assert.equal(r.reason, 'RBAC: allowed by RoleBinding "local/ns" of Role "cm-reader" to ServiceAccount "local/ns"');
    assert.equal(
      rbac.authorize(req({ user: sa('kube-system', 'local'), resource: 'configmaps' })).decision,
      'noOpinion',
    );
  });

  test('a RoleBinding to a ClusterRole grants it in its namespace only; a ClusterRoleBinding everywhere', () => {
    const idx = new RuleIndex();
    idx.upsert('ClusterRole', {
      metadata: { name: 'pod-reader' },
      rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
    });
    idx.upsert('RoleBinding', {
      metadata: { namespace: 'ns', name: 'rb' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'pod-reader' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' }],
    });
    const rbac = new RbacAuthorizer(idx);
    assert.equal(
      rbac.authorize(req({})).reason,
      'RBAC: allowed by RoleBinding "rb/ns" of ClusterRole "pod-reader" to User "bob"',
    );
    assert.equal(rbac.authorize(req({ namespace: 'other' })).decision, 'noOpinion');
    assert.equal(rbac.authorize(req({ namespace: '' })).decision, 'noOpinion');
    idx.upsert('ClusterRoleBinding', {
      metadata: { name: 'crb' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'pod-reader' },
      subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:authenticated' }],
    });
    assert.equal(
      rbac.authorize(req({ namespace: 'other' })).reason,
      'RBAC: allowed by ClusterRoleBinding "crb" of ClusterRole "pod-reader" to Group "system:authenticated"',
    );
    assert.equal(rbac.authorize(req({ namespace: '' })).decision, 'allow');
    idx.remove('ClusterRoleBinding', '', 'crb');
    assert.equal(rbac.authorize(req({ namespace: 'other' })).decision, 'noOpinion');
  });

  test('role changes take effect at once; missing roles are reported as upstream', () => {
    const idx = fixture();
    const rbac = new RbacAuthorizer(idx);
    const user = sa('ns', 'app');
    const del = req({ user, verb: 'delete', resource: 'configmaps' });
    assert.equal(rbac.authorize(del).decision, 'noOpinion');
    idx.upsert('Role', {
      metadata: { namespace: 'ns', name: 'cm-reader' },
      rules: [{ verbs: ['*'], apiGroups: [''], resources: ['configmaps'] }],
    });
    assert.equal(rbac.authorize(del).decision, 'allow');
    idx.remove('Role', 'ns', 'cm-reader');
    assert.deepEqual(rbac.authorize(del), {
      decision: 'noOpinion',
      reason: 'RBAC: role.rbac.authorization.k8s.io "cm-reader" not found',
    });
    idx.upsert('ClusterRoleBinding', {
      metadata: { name: 'dangling' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'gone' },
      subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:serviceaccounts' }],
    });
    assert.equal(
      rbac.authorize(del).reason,
      'RBAC: [clusterrole.rbac.authorization.k8s.io "gone" not found, role.rbac.authorization.k8s.io "cm-reader" not found]',
    );
  });

  test('attackers: look-alike names and kinds grant nothing', () => {
    const idx = new RuleIndex();
    idx.upsert('ClusterRole', {
      metadata: { name: 'all' },
      rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
    });
    const bind = (name: string, subject: object) =>
      idx.upsert('ClusterRoleBinding', {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'all' },
        subjects: [subject],
      });
    bind('sa-without-ns', { kind: 'ServiceAccount', name: 'admin' });
    bind('user-case', { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'Bob' });
    bind('weird-kind', { kind: 'user', name: 'bob' });
    bind('group-as-user', { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'system:masters' });
    bind('role-ref-kind', { kind: 'Group', name: 'g' });
    const rbac = new RbacAuthorizer(idx);
    for (const user of [
      bob,
      { name: 'system:serviceaccount::admin', groups: [] },
      { name: 'x', groups: ['system:masters'] },
      { name: 'bob', groups: ['Bob'] },
    ]) {
      assert.equal(rbac.authorize(req({ user, verb: 'delete' })).decision, 'noOpinion', user.name);
    }
  });

  test('the index examines only the bindings naming the user (10,000 bindings)', () => {
    const idx = new RuleIndex();
    idx.upsert('ClusterRole', {
      metadata: { name: 'r' },
      rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
    });
    for (let i = 0; i < 10_000; i++) {
      idx.upsert('ClusterRoleBinding', {
        metadata: { name: `b${i}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'r' },
        subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: `user-${i}` }],
      });
      idx.upsert('RoleBinding', {
        metadata: { namespace: `ns${i % 100}`, name: `b${i}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'r' },
        subjects: [{ kind: 'ServiceAccount', name: `sa-${i}`, namespace: `ns${i % 100}` }],
      });
    }
    const rbac = new RbacAuthorizer(idx);
    const before = { ...idx.work };
    assert.equal(rbac.authorize(req({ user: { name: 'user-4242', groups: [] } })).decision, 'allow');
    assert.equal(
      rbac.authorize(req({ user: { name: 'nobody', groups: ['system:authenticated'] }, namespace: 'ns7' })).decision,
      'noOpinion',
    );
    assert.equal(rbac.authorize(req({ user: sa('ns42', 'sa-4242'), namespace: 'ns42' })).decision, 'allow');
    assert.ok(
      idx.work.bindingsExamined - before.bindingsExamined <= 2,
      `examined ${idx.work.bindingsExamined - before.bindingsExamined}`,
    );
    assert.ok(idx.work.roleResolutions - before.roleResolutions <= 1, 'roleRef rules come from the cache');
    // a replaced binding loses its old subjects from the index
    idx.upsert('ClusterRoleBinding', {
      metadata: { name: 'b4242' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'r' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'someone-else' }],
    });
    assert.equal(rbac.authorize(req({ user: { name: 'user-4242', groups: [] } })).decision, 'noOpinion');
  });
});

describe('forbidden messages', () => {
  const cases: Array<[string, Partial<Attributes>, string, string]> = [
    [
      'namespaced, no name',
      { verb: 'list', resource: 'configmaps' },
      '',
      'configmaps is forbidden: User "bob" cannot list resource "configmaps" in API group "" in the namespace "ns"',
    ],
    [
      'cluster scope, group, name',
      { verb: 'delete', apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterroles', namespace: '', name: 'admin' },
      '',
      'clusterroles.rbac.authorization.k8s.io "admin" is forbidden: User "bob" cannot delete resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope',
    ],
    [
      'subresource',
      { apiGroup: 'apps', resource: 'deployments', subresource: 'scale', name: 'web' },
      '',
      'deployments.apps "web" is forbidden: User "bob" cannot get resource "deployments/scale" in API group "apps" in the namespace "ns"',
    ],
    [
      'path',
      { isResourceRequest: false, path: '/foo', namespace: '' },
      '',
      'forbidden: User "bob" cannot get path "/foo"',
    ],
    [
      'reason appended',
      { isResourceRequest: false, path: '/foo' },
      'Everything is forbidden.',
      'forbidden: User "bob" cannot get path "/foo": Everything is forbidden.',
    ],
  ];
  for (const [title, over, reason, want] of cases)
    test(title, () => assert.equal(forbiddenMessage(req(over), reason), want));

  test('a non-resource 403 carries empty details, as upstream', () => {
    const s = forbiddenError(req({ isResourceRequest: false, path: '/foo' }), '').toStatus();
    assert.deepEqual(s.details, {});
  });
});

describe('authorization modes', () => {
  test('system:masters is allowed before any mode, even AlwaysDeny', () => {
    const a = buildAuthorizer(['AlwaysDeny']);
    assert.equal(a.authorize(req({ user: { name: 'root', groups: ['system:masters'] } })).decision, 'allow');
    assert.deepEqual(a.authorize(req({})), { decision: 'deny', reason: 'Everything is forbidden.' });
  });
  test('order matters: the first decision wins', () => {
    assert.equal(buildAuthorizer(['AlwaysDeny', 'AlwaysAllow']).authorize(req({})).decision, 'allow');
    assert.equal(buildAuthorizer(['RBAC'], { ruleIndex: new RuleIndex() }).authorize(req({})).decision, 'deny');
    assert.equal(buildAuthorizer([]).authorize(req({})).decision, 'deny');
  });
  test('unknown and repeated modes are refused', () => {
    assert.throws(() => buildAuthorizer(['ABAC']), /unknown authorization mode "ABAC"/);
    assert.throws(() => buildAuthorizer(['RBAC', 'RBAC'], { ruleIndex: new RuleIndex() }), /multiple times/);
  });
});

describe('rulesFor', () => {
  test('lists cluster-wide then namespaced rules, split into resource and non-resource halves', () => {
    const idx = fixture();
    idx.upsert('ClusterRole', {
      metadata: { name: 'disc' },
      rules: [{ verbs: ['get'], nonResourceURLs: ['/api', '/api/*'] }],
    });
    idx.upsert('ClusterRoleBinding', {
      metadata: { name: 'disc' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'disc' },
      subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:authenticated' }],
    });
    const r = rulesFor(idx, sa('ns', 'app'), 'ns');
    assert.deepEqual(r, {
      resourceRules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'], resourceNames: [] }],
      nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/api', '/api/*'] }],
      incomplete: false,
      evaluationError: '',
    });
    assert.equal(rulesFor(idx, sa('ns', 'app'), 'other').resourceRules.length, 0);
    const union = buildAuthorizer(['Node', 'RBAC'], { ruleIndex: idx });
    const node = union.rulesFor({ name: 'system:node:n1', groups: ['system:nodes'] }, 'ns');
    assert.equal(node.incomplete, true);
    assert.equal(node.evaluationError, 'node authorizer does not support user rule resolution');
  });
});
