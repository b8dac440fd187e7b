import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ClusterRole, ClusterRoleBinding, PolicyRule } from '../src/generated/k8s.io.api.rbac.v1';
import { buildAuthorizer } from '../src/authz/modes';
import { aggregatedRules, reconcileAggregation } from '../src/authz/rbac/aggregation';
import { bootstrapPolicy, nodeRules } from '../src/authz/rbac/bootstrap-policy';
import { reconcileBinding, reconcileRole } from '../src/authz/rbac/reconcile';
import { RuleIndex } from '../src/authz/rbac/rule-index';
import type { Attributes, UserInfo } from '../src/authz/types';

const policy = bootstrapPolicy();
const role = (name: string): ClusterRole => {
  const r = policy.clusterRoles.find((c) => c.metadata?.name === name);
  assert.ok(r, name);
  return r;
};

/** The bootstrap policy with admin/edit/view aggregated, as a fresh cluster holds it. */
function freshClusterIndex(): RuleIndex {
  const idx = new RuleIndex();
  const roles = policy.clusterRoles.map((r) => ({ ...r }));
  // edit aggregates into admin, so resolve view, then edit, then admin
  for (const name of ['view', 'edit', 'admin']) {
    const i = roles.findIndex((r) => r.metadata?.name === name);
    roles[i] = { ...roles[i], rules: aggregatedRules(roles[i], roles) ?? [] };
  }
  for (const r of roles) idx.upsert('ClusterRole', r);
  for (const b of policy.clusterRoleBindings) idx.upsert('ClusterRoleBinding', b);
  for (const r of policy.roles) idx.upsert('Role', r);
  for (const b of policy.roleBindings) idx.upsert('RoleBinding', b);
  return idx;
}

function ask(user: UserInfo, over: Partial<Attributes>): string {
  const idx = freshClusterIndex();
  const authz = buildAuthorizer(['Node', 'RBAC'], { ruleIndex: idx });
  return authz.authorize({
    user,
    verb: 'get',
    isResourceRequest: true,
    path: '',
    apiGroup: '',
    apiVersion: 'v1',
    resource: '',
    subresource: '',
    namespace: '',
    name: '',
    ...over,
  }).decision;
}

describe('bootstrap policy (kube-apiserver 1.32)', () => {
  test('counts and names', () => {
    // cluster-roles.yaml has 31 roles, controller-roles.yaml 33 without feature-gated controllers
    assert.equal(policy.clusterRoles.length, 64);
    assert.equal(policy.clusterRoleBindings.length, 12 + 33);
    assert.equal(policy.roles.length, 7);
    assert.equal(policy.roleBindings.length, 7);
    const names = new Set(policy.clusterRoles.map((r) => r.metadata?.name));
    for (const n of [
      'cluster-admin',
      'admin',
      'edit',
      'view',
      'system:aggregate-to-admin',
      'system:aggregate-to-edit',
      'system:aggregate-to-view',
      'system:basic-user',
      'system:discovery',
      'system:public-info-viewer',
      'system:monitoring',
      'system:node',
      'system:node-proxier',
      'system:kube-scheduler',
      'system:kube-controller-manager',
      'system:certificates.k8s.io:kubelet-serving-approver',
      'system:controller:namespace-controller',
      'system:controller:clusterrole-aggregation-controller',
      'system:controller:validatingadmissionpolicy-status-controller',
    ]) {
      assert.ok(names.has(n), n);
    }
    // feature-gated or later controllers are not in a default 1.32 policy
    for (const n of ['system:controller:resource-claim-controller', 'system:controller:selinux-warning-controller']) {
      assert.ok(!names.has(n), n);
    }
    assert.equal(names.size, policy.clusterRoles.length, 'names are unique');
  });

  test('every object carries the bootstrapping label and autoupdate annotation', () => {
    for (const o of [...policy.clusterRoles, ...policy.clusterRoleBindings, ...policy.roles, ...policy.roleBindings]) {
      assert.equal(o.metadata?.labels?.['kubernetes.io/bootstrapping'], 'rbac-defaults', o.metadata?.name);
      assert.equal(o.metadata?.annotations?.['rbac.authorization.kubernetes.io/autoupdate'], 'true', o.metadata?.name);
    }
  });

  test('rules checked one by one against upstream testdata', () => {
    assert.deepEqual(role('cluster-admin').rules, [
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      { verbs: ['*'], nonResourceURLs: ['*'] },
    ]);
    assert.deepEqual(role('system:discovery').rules, [
      {
        verbs: ['get'],
        nonResourceURLs: [
          '/api',
          '/api/*',
          '/apis',
          '/apis/*',
          '/healthz',
          '/livez',
          '/openapi',
          '/openapi/*',
          '/readyz',
          '/version',
          '/version/',
        ],
      },
    ]);
    assert.deepEqual(role('system:basic-user').rules, [
      {
        verbs: ['create'],
        apiGroups: ['authorization.k8s.io'],
        resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
      },
      { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
    ]);
    assert.deepEqual(role('system:aggregate-to-admin').rules, [
      { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['localsubjectaccessreviews'] },
      {
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        apiGroups: ['rbac.authorization.k8s.io'],
        resources: ['rolebindings', 'roles'],
      },
    ]);
    assert.deepEqual(role('system:controller:disruption-controller').rules?.slice(-2), [
      { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] },
      { verbs: ['create', 'patch', 'update'], apiGroups: ['', 'events.k8s.io'], resources: ['events'] },
    ]);
    assert.deepEqual(role('system:certificates.k8s.io:legacy-unknown-approver').rules, [
      {
        verbs: ['approve'],
        apiGroups: ['certificates.k8s.io'],
        resources: ['signers'],
        resourceNames: ['kubernetes.io/legacy-unknown'],
      },
    ]);
    assert.equal(role('system:node').rules?.length, 22);
    assert.deepEqual(role('view').aggregationRule, {
      clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }],
    });
    assert.equal(role('view').rules, undefined);
    assert.equal(role('edit').metadata?.labels?.['rbac.authorization.k8s.io/aggregate-to-admin'], 'true');
    assert.equal(role('cluster-admin').aggregationRule, undefined);
  });

  test('bindings and subjects', () => {
    const crb = (n: string): ClusterRoleBinding | undefined =>
      policy.clusterRoleBindings.find((b) => b.metadata?.name === n);
    assert.deepEqual(crb('cluster-admin')?.subjects, [
      { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:masters' },
    ]);
    assert.deepEqual(
      crb('system:public-info-viewer')?.subjects?.map((s) => s.name),
      ['system:authenticated', 'system:unauthenticated'],
    );
    assert.equal(crb('system:node')?.subjects, undefined);
    assert.deepEqual(crb('system:controller:job-controller')?.subjects, [
      { kind: 'ServiceAccount', name: 'job-controller', namespace: 'kube-system' },
    ]);
    const rb = policy.roleBindings.find(
      (b) => b.metadata?.name === 'system:controller:bootstrap-signer' && b.metadata.namespace === 'kube-public',
    );
    assert.deepEqual(rb?.roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'system:controller:bootstrap-signer',
    });
  });

  test('a fresh cluster decides as kube-apiserver does', () => {
    const anon = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
    const user = { name: 'jane', groups: ['system:authenticated'] };
    assert.equal(ask(anon, { isResourceRequest: false, path: '/healthz' }), 'allow');
    assert.equal(ask(anon, { isResourceRequest: false, path: '/api' }), 'deny');
    assert.equal(ask(user, { isResourceRequest: false, path: '/apis/apps/v1' }), 'allow');
    assert.equal(
      ask(user, { verb: 'create', apiGroup: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' }),
      'allow',
    );
    assert.equal(ask(user, { verb: 'list', resource: 'pods', namespace: 'default' }), 'deny');
    const ctrl = {
      name: 'system:serviceaccount:kube-system:namespace-controller',
      groups: ['system:serviceaccounts', 'system:authenticated'],
    };
    assert.equal(
      ask(ctrl, { verb: 'deletecollection', apiGroup: 'apps', resource: 'deployments', namespace: 'x' }),
      'allow',
    );
    const kcm = { name: 'system:kube-controller-manager', groups: ['system:authenticated'] };
    assert.equal(
      ask(kcm, {
        verb: 'update',
        apiGroup: 'coordination.k8s.io',
        resource: 'leases',
        namespace: 'kube-system',
        name: 'kube-controller-manager',
      }),
      'allow',
    );
    assert.equal(
      ask(kcm, {
        verb: 'update',
        apiGroup: 'coordination.k8s.io',
        resource: 'leases',
        namespace: 'kube-system',
        name: 'kube-scheduler',
      }),
      'allow',
      'leader-locking role allows any lease in kube-system',
    );
    assert.equal(
      ask(kcm, {
        verb: 'update',
        apiGroup: 'coordination.k8s.io',
        resource: 'leases',
        namespace: 'default',
        name: 'kube-scheduler',
      }),
      'deny',
    );
  });

  test('admin/edit/view bound in a namespace grant what upstream grants', () => {
    const idx = freshClusterIndex();
    for (const r of ['admin', 'edit', 'view']) {
      idx.upsert('RoleBinding', {
        metadata: { namespace: 'team', name: r },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: r },
        subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: r + '-user' }],
      });
    }
    const authz = buildAuthorizer(['RBAC'], { ruleIndex: idx });
    const can = (who: string, verb: string, resource: string, apiGroup = '') =>
      authz.authorize({
        user: { name: who + '-user', groups: ['system:authenticated'] },
        verb,
        isResourceRequest: true,
        path: '',
        apiGroup,
        apiVersion: 'v1',
        resource,
        subresource: '',
        namespace: 'team',
        name: '',
      }).decision === 'allow';
    assert.ok(can('view', 'list', 'pods') && !can('view', 'get', 'secrets') && !can('view', 'create', 'pods'));
    assert.ok(
      can('edit', 'get', 'secrets') &&
        can('edit', 'create', 'deployments', 'apps') &&
        !can('edit', 'create', 'roles', 'rbac.authorization.k8s.io'),
    );
    assert.ok(can('admin', 'create', 'rolebindings', 'rbac.authorization.k8s.io') && can('admin', 'list', 'pods'));
  });

  test('node rules are system:node rules', () => {
    assert.deepEqual(nodeRules(), role('system:node').rules);
  });
});

describe('aggregation', () => {
  const labelled = (name: string, labels: Record<string, string>, rules: PolicyRule[]): ClusterRole => ({
    metadata: { name, labels },
    rules,
  });
  const r1: PolicyRule = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
  const r2: PolicyRule = { verbs: ['list'], apiGroups: [''], resources: ['pods'] };
  const r3: PolicyRule = { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] };

  test('selectors in order, roles by name, duplicates dropped, itself skipped', () => {
    const target: ClusterRole = {
      metadata: { name: 'agg', labels: { a: 'true' } },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { b: 'true' } }, { matchLabels: { a: 'true' } }] },
      rules: [r3],
    };
    const all = [
      target,
      labelled('zz', { a: 'true' }, [r1, r3]),
      labelled('aa', { a: 'true' }, [r2]),
      labelled('mm', { b: 'true' }, [r1]),
      labelled('other', { c: 'true' }, [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]),
    ];
    assert.deepEqual(aggregatedRules(target, all), [r1, r2, r3]);
    assert.deepEqual(reconcileAggregation(target, all)?.rules, [r1, r2, r3]);
    assert.equal(reconcileAggregation({ ...target, rules: [r1, r2, r3] }, all), undefined);
  });

  test('matchExpressions select; a role without aggregationRule is left alone', () => {
    const target: ClusterRole = {
      metadata: { name: 't' },
      aggregationRule: {
        clusterRoleSelectors: [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['x'] }] }],
      },
    };
    assert.deepEqual(
      aggregatedRules(target, [labelled('a', { tier: 'x' }, [r1]), labelled('b', { tier: 'y' }, [r2])]),
      [r1],
    );
    assert.equal(aggregatedRules({ metadata: { name: 'plain' }, rules: [r1] }, []), undefined);
    // nothing selected empties the rules
    assert.deepEqual(reconcileAggregation({ ...target, rules: [r1] }, [])?.rules, []);
  });
});

describe('reconcile', () => {
  const expected: ClusterRole = {
    metadata: {
      name: 'system:x',
      labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
      annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
    },
    rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }],
  };

  test('creates what is missing', () => {
    assert.deepEqual(reconcileRole(expected, undefined), { operation: 'create', object: expected });
  });

  test('adds missing rules and metadata, keeps user additions and user values', () => {
    const existing: ClusterRole = {
      metadata: {
        name: 'system:x',
        resourceVersion: '5',
        labels: { mine: 'yes', 'kubernetes.io/bootstrapping': 'custom' },
      },
      rules: [
        { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
        { verbs: ['*'], apiGroups: ['example.com'], resources: ['widgets'] },
      ],
    };
    const r = reconcileRole(expected, existing);
    assert.equal(r?.operation, 'update');
    assert.deepEqual(r?.object.rules, [
      ...(existing.rules ?? []),
      { verbs: ['list'], apiGroups: [''], resources: ['pods'] },
    ]);
    assert.deepEqual(r?.object.metadata?.labels, { mine: 'yes', 'kubernetes.io/bootstrapping': 'custom' });
    assert.equal(r?.object.metadata?.annotations?.['rbac.authorization.kubernetes.io/autoupdate'], 'true');
    assert.equal(r?.object.metadata?.resourceVersion, '5');
    assert.equal(reconcileRole(expected, r?.object), undefined, 'converges');
  });

  test('autoupdate=false protects the object entirely', () => {
    const existing: ClusterRole = {
      metadata: { name: 'system:x', annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } },
      rules: [],
    };
    assert.equal(reconcileRole(expected, existing), undefined);
    assert.equal(
      reconcileRole(expected, {
        ...existing,
        metadata: { name: 'system:x', annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'no' } },
      })?.operation,
      'update',
    );
  });

  test('aggregated roles keep their gathered rules and gain missing selectors', () => {
    const admin = role('admin');
    const existing: ClusterRole = {
      ...admin,
      metadata: { ...admin.metadata },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { custom: 'true' } }] },
      rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
    };
    const r = reconcileRole(admin, existing);
    assert.deepEqual(r?.object.aggregationRule?.clusterRoleSelectors, [
      { matchLabels: { custom: 'true' } },
      { matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } },
    ]);
    assert.deepEqual(r?.object.rules, existing.rules);
  });

  test('bindings: subjects are unioned, a changed roleRef is recreated', () => {
    const want = policy.clusterRoleBindings.find((b) => b.metadata?.name === 'system:discovery');
    assert.ok(want);
    const existing: ClusterRoleBinding = {
      ...want,
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'extra' }],
    };
    const r = reconcileBinding(want, existing);
    assert.equal(r?.operation, 'update');
    assert.deepEqual(
      r?.object.subjects?.map((s) => s.name),
      ['extra', 'system:authenticated'],
    );
    assert.equal(reconcileBinding(want, r?.object), undefined);
    const moved = { ...want, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' } };
    assert.deepEqual(reconcileBinding(want, moved), { operation: 'recreate', object: want });
    const kept = {
      ...moved,
      metadata: { ...moved.metadata, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } },
    };
    assert.equal(reconcileBinding(want, kept), undefined);
  });
});
