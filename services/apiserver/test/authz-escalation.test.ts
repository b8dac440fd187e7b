import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ClusterRole, PolicyRule } from '../src/generated/k8s.io.api.rbac.v1';
import { buildAuthorizer } from '../src/authz/modes';
import { breakdownRule, compactRules, compactString, covers } from '../src/authz/rbac/covers';
import { EscalationGuard, confirmNoEscalation } from '../src/authz/rbac/escalation';
import { RuleIndex } from '../src/authz/rbac/rule-index';
import type { UserInfo } from '../src/authz/types';

const G = 'rbac.authorization.k8s.io';
const alice: UserInfo = { name: 'alice', groups: ['system:authenticated'] };

function grant(idx: RuleIndex, name: string, rules: PolicyRule[], namespace?: string): void {
  idx.upsert('ClusterRole', { metadata: { name }, rules });
  const roleRef = { apiGroup: G, kind: 'ClusterRole', name };
  const subjects = [{ kind: 'User', apiGroup: G, name: 'alice' }];
  if (namespace) idx.upsert('RoleBinding', { metadata: { namespace, name }, roleRef, subjects });
  else idx.upsert('ClusterRoleBinding', { metadata: { name }, roleRef, subjects });
}

function setup(): { idx: RuleIndex; guard: EscalationGuard } {
  const idx = new RuleIndex();
  const guard = new EscalationGuard(idx, buildAuthorizer(['RBAC'], { ruleIndex: idx }));
  return { idx, guard };
}

describe('covers', () => {
  const owner: PolicyRule[] = [
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'services'] },
    { verbs: ['*'], apiGroups: ['apps'], resources: ['*/scale'] },
    { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a', 'b'] },
    { verbs: ['get'], nonResourceURLs: ['/apis/*'] },
  ];
  const cases: Array<[string, PolicyRule, boolean]> = [
    ['subset of verbs and resources', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, true],
    ['extra verb', { verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods'] }, false],
    [
      '*/scale covers deployments/scale',
      { verbs: ['update'], apiGroups: ['apps'], resources: ['deployments/scale'] },
      true,
    ],
    [
      '*/scale does not cover deployments',
      { verbs: ['update'], apiGroups: ['apps'], resources: ['deployments'] },
      false,
    ],
    ['named subset', { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }, true],
    ['named rule does not cover all names', { verbs: ['get'], apiGroups: [''], resources: ['secrets'] }, false],
    ['other name', { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['c'] }, false],
    ['url prefix', { verbs: ['get'], nonResourceURLs: ['/apis/apps'] }, true],
    ['url outside prefix', { verbs: ['get'], nonResourceURLs: ['/api'] }, false],
    ['wildcard verb is not held', { verbs: ['*'], apiGroups: [''], resources: ['pods'] }, false],
    ['wildcard group is not held', { verbs: ['get'], apiGroups: ['*'], resources: ['pods'] }, false],
  ];
  for (const [title, rule, want] of cases) test(title, () => assert.equal(covers(owner, [rule]).covered, want));

  test('cluster-admin covers everything, including wildcards', () => {
    const all: PolicyRule[] = [
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      { verbs: ['*'], nonResourceURLs: ['*'] },
    ];
    assert.equal(covers(all, [...owner, { verbs: ['*'], apiGroups: ['*'], resources: ['*/status'] }]).covered, true);
  });

  test('a rule held as it is covers itself, piece by piece alike', () => {
    const rules: PolicyRule[] = [
      { verbs: ['get', 'list'], apiGroups: ['', 'apps'], resources: ['pods', 'deployments/scale'] },
      { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a', 'b'] },
      { verbs: ['get'], nonResourceURLs: ['/healthz', '/api/*'] },
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      { verbs: [], apiGroups: [''], resources: ['pods'] },
      // its URL pieces carry no names, and a rule limited to names covers no request for every name
      { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['p'], nonResourceURLs: ['/metrics'] },
    ];
    for (const rule of rules) {
      const piecewise = breakdownRule(rule).filter((piece) => !covers([rule], [piece]).covered);
      assert.deepEqual(covers([rule], [rule]).missing, piecewise, JSON.stringify(rule));
    }
    assert.deepEqual(covers([rules[5]], [rules[5]]).missing, [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
  });

  test('missing rules are the broken-down pieces, compacted per resource as upstream', () => {
    const { missing } = covers(owner, [
      { verbs: ['get', 'delete', 'patch'], apiGroups: ['', 'batch'], resources: ['pods'] },
    ]);
    assert.equal(missing.length, 5);
    assert.deepEqual(compactRules(missing).map(compactString), [
      '{APIGroups:[""], Resources:["pods"], Verbs:["delete" "patch"]}',
      '{APIGroups:["batch"], Resources:["pods"], Verbs:["get" "delete" "patch"]}',
    ]);
  });
});

describe('escalation prevention', () => {
  test('granting a rule you do not hold is forbidden with upstream text', () => {
    const { idx, guard } = setup();
    grant(idx, 'pods-rw', [{ verbs: ['get', 'list', 'create'], apiGroups: [''], resources: ['pods'] }]);
    grant(idx, 'roles-rw', [{ verbs: ['create', 'update'], apiGroups: [G], resources: ['roles', 'clusterroles'] }]);
    const ok = guard.checkRole(
      { user: alice, namespace: 'ns' },
      { metadata: { namespace: 'ns', name: 'r' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] },
    );
    assert.equal(ok, undefined);
    const err = guard.checkRole(
      { user: alice, namespace: 'ns' },
      {
        metadata: { namespace: 'ns', name: 'r' },
        rules: [
          { verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods', 'secrets'] },
          { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['c1'] },
        ],
      },
    );
    assert.ok(err);
    assert.equal(err.code, 403);
    assert.equal(err.reason, 'Forbidden');
    assert.equal(
      err.message,
      'roles.rbac.authorization.k8s.io "r" is forbidden: user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["configmaps"], ResourceNames:["c1"], Verbs:["get"]}\n' +
        '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}\n' +
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete"]}',
    );
  });

  test('namespaced grants count only in their namespace', () => {
    const { idx, guard } = setup();
    grant(idx, 'ns-admin', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], 'team');
    const role = {
      metadata: { namespace: 'team', name: 'r' },
      rules: [{ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }],
    };
    assert.equal(guard.checkRole({ user: alice, namespace: 'team' }, role), undefined);
    assert.ok(
      guard.checkRole({ user: alice, namespace: 'other' }, { ...role, metadata: { namespace: 'other', name: 'r' } }),
    );
    // and never for a ClusterRole
    assert.ok(guard.checkClusterRole({ user: alice, namespace: '' }, { metadata: { name: 'c' }, rules: role.rules }));
  });

  test('the escalate verb lets a user write rules beyond their own', () => {
    const { idx, guard } = setup();
    grant(idx, 'escalator', [{ verbs: ['escalate'], apiGroups: [G], resources: ['clusterroles'] }]);
    const big: ClusterRole = {
      metadata: { name: 'big' },
      rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
    };
    assert.equal(guard.checkClusterRole({ user: alice, namespace: '' }, big), undefined);
    // escalate on clusterroles says nothing about namespaced roles
    assert.ok(
      guard.checkRole({ user: alice, namespace: 'ns' }, { metadata: { namespace: 'ns', name: 'r' }, rules: big.rules }),
    );
  });

  test('an aggregationRule needs cluster-admin (or the escalate verb, which skips every check)', () => {
    const { idx, guard } = setup();
    grant(idx, 'much', [{ verbs: ['create', 'get', 'list', 'update'], apiGroups: ['*'], resources: ['*'] }]);
    const agg: ClusterRole = {
      metadata: { name: 'agg' },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] },
    };
    const err = guard.checkClusterRole({ user: alice, namespace: '' }, agg);
    assert.equal(
      err?.message,
      'clusterroles.rbac.authorization.k8s.io "agg" is forbidden: must have cluster-admin privileges to use the aggregationRule',
    );
    // changing only labels of an aggregated role is not touching the rule
    assert.equal(
      guard.checkClusterRole(
        { user: alice, namespace: '' },
        { ...agg, metadata: { name: 'agg', labels: { x: 'y' } } },
        agg,
      ),
      undefined,
    );
    grant(idx, 'escalate', [
      { verbs: ['escalate'], apiGroups: [G], resources: ['clusterroles'], resourceNames: ['agg'] },
    ]);
    assert.equal(guard.checkClusterRole({ user: alice, namespace: '' }, agg), undefined);
  });

  test('binding a role needs the bind verb on it or holding all its rules', () => {
    const { idx, guard } = setup();
    idx.upsert('ClusterRole', {
      metadata: { name: 'secret-reader' },
      rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }],
    });
    const binding = {
      metadata: { namespace: 'ns', name: 'give' },
      roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'secret-reader' },
      subjects: [{ kind: 'User', apiGroup: G, name: 'mallory' }],
    };
    const ctx = { user: alice, namespace: 'ns' };
    assert.equal(
      guard.checkRoleBinding(ctx, binding)?.message,
      'rolebindings.rbac.authorization.k8s.io "give" is forbidden: user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
    );
    // bind limited by resourceNames to another role does not help
    grant(idx, 'bind-other', [
      { verbs: ['bind'], apiGroups: [G], resources: ['clusterroles'], resourceNames: ['view'] },
    ]);
    assert.ok(guard.checkRoleBinding(ctx, binding));
    grant(
      idx,
      'bind-this',
      [{ verbs: ['bind'], apiGroups: [G], resources: ['clusterroles'], resourceNames: ['secret-reader'] }],
      'ns',
    );
    assert.equal(guard.checkRoleBinding(ctx, binding), undefined);
    // the namespaced bind grant does not extend to a cluster-wide binding
    assert.ok(
      guard.checkClusterRoleBinding({ user: alice, namespace: '' }, { ...binding, metadata: { name: 'give' } }),
    );
    // holding the rules is enough without bind
    grant(idx, 'reads-secrets', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }]);
    assert.equal(
      guard.checkClusterRoleBinding({ user: alice, namespace: '' }, { ...binding, metadata: { name: 'give' } }),
      undefined,
    );
  });

  test('binding a missing role is forbidden with the storage NotFound text', () => {
    const { guard } = setup();
    const err = guard.checkRoleBinding(
      { user: alice, namespace: 'ns' },
      { metadata: { namespace: 'ns', name: 'b' }, roleRef: { apiGroup: G, kind: 'Role', name: 'nope' }, subjects: [] },
    );
    assert.equal(
      err?.message,
      'rolebindings.rbac.authorization.k8s.io "b" is forbidden: roles.rbac.authorization.k8s.io "nope" not found',
    );
  });

  test('system:masters may grant anything; GC-only updates are never blocked', () => {
    const { guard } = setup();
    const root = { name: 'root', groups: ['system:masters'] };
    const big: ClusterRole = {
      metadata: { name: 'big' },
      rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
    };
    assert.equal(guard.checkClusterRole({ user: root, namespace: '' }, big), undefined);
    const withFinalizer: ClusterRole = { ...big, metadata: { name: 'big', finalizers: ['x'] } };
    assert.equal(guard.checkClusterRole({ user: alice, namespace: '' }, withFinalizer, big), undefined);
    const relabelled: ClusterRole = { ...big, metadata: { name: 'big', labels: { a: 'b' } } };
    assert.ok(guard.checkClusterRole({ user: alice, namespace: '' }, relabelled, big));
  });

  test('resolution errors are appended to the message', () => {
    const idx = new RuleIndex();
    idx.upsert('ClusterRoleBinding', {
      metadata: { name: 'dangling' },
      roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'gone' },
      subjects: [{ kind: 'User', apiGroup: G, name: 'alice' }],
    });
    const msg = confirmNoEscalation(idx, alice, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], '');
    assert.equal(
      msg,
      'user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["pods"], Verbs:["get"]}; resolution errors: [clusterroles.rbac.authorization.k8s.io "gone" not found]',
    );
  });
});
