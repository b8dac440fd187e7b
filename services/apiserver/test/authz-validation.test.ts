import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FieldError } from '../src/api/errors';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../src/generated/k8s.io.api.rbac.v1';
import { buildAuthorizer } from '../src/authz/modes';
import { NodeAuthorizer } from '../src/authz/node';
import { nodeRules } from '../src/authz/rbac/bootstrap-policy';
import { rbacClusterRoleBindingTable, rbacClusterRoleTable, rbacRoleBindingTable } from '../src/authz/rbac/tables';
import {
  defaultBinding,
  validateClusterRole,
  validateClusterRoleBinding,
  validateClusterRoleBindingUpdate,
  validateRole,
  validateRoleBinding,
  validateRoleBindingUpdate,
} from '../src/authz/rbac/validation';
import type { Attributes } from '../src/authz/types';

const G = 'rbac.authorization.k8s.io';
const brief = (errs: FieldError[]) => errs.map((e) => `${e.field}: ${e.message}`);

describe('validation', () => {
  const roleCases: Array<[string, Role, string[]]> = [
    [
      'valid, colon names allowed',
      {
        metadata: { namespace: 'ns', name: 'system:x' },
        rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
      },
      [],
    ],
    [
      'no verbs',
      { metadata: { namespace: 'ns', name: 'r' }, rules: [{ apiGroups: [''], resources: ['pods'] }] },
      ['rules[0].verbs: Required value: verbs must contain at least one value'],
    ],
    [
      'no groups or resources',
      { metadata: { namespace: 'ns', name: 'r' }, rules: [{ verbs: ['get'] }] },
      [
        'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
        'rules[0].resources: Required value: resource rules must supply at least one resource',
      ],
    ],
    [
      'urls in a namespaced role',
      { metadata: { namespace: 'ns', name: 'r' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/x'] }] },
      ['rules[0].nonResourceURLs: Invalid value: []string{"/x"}: namespaced rules cannot apply to non-resource URLs'],
    ],
    [
      'name with slash',
      { metadata: { namespace: 'ns', name: 'a/b' }, rules: [] },
      ['metadata.name: Invalid value: "a/b": may not contain \'/\''],
    ],
    ['no namespace', { metadata: { name: 'r' } }, ['metadata.namespace: Required value']],
  ];
  for (const [title, obj, want] of roleCases)
    test(`Role: ${title}`, () => assert.deepEqual(brief(validateRole(obj)), want));

  const clusterRoleCases: Array<[string, ClusterRole, string[]]> = [
    ['urls allowed', { metadata: { name: 'c' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }] }, []],
    [
      'urls mixed with resources',
      { metadata: { name: 'c' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'], resources: ['pods'] }] },
      [
        'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: rules cannot apply to both regular resources and non-resource URLs',
      ],
    ],
    [
      'empty aggregationRule',
      { metadata: { name: 'c' }, aggregationRule: {} },
      [
        'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
      ],
    ],
    [
      'namespace forbidden',
      { metadata: { name: 'c', namespace: 'ns' } },
      ['metadata.namespace: Forbidden: not allowed on this type'],
    ],
  ];
  for (const [title, obj, want] of clusterRoleCases)
    test(`ClusterRole: ${title}`, () => assert.deepEqual(brief(validateClusterRole(obj)), want));

  test('ClusterRole: bad selector operator is reported at its index', () => {
    const errs = validateClusterRole({
      metadata: { name: 'c' },
      aggregationRule: {
        clusterRoleSelectors: [{ matchLabels: { a: 'b' } }, { matchExpressions: [{ key: 'k', operator: 'Maybe' }] }],
      },
    });
    assert.ok(errs.length > 0);
    assert.ok(
      errs.every((e) => e.field.startsWith('aggregationRule.clusterRoleSelectors[1]')),
      JSON.stringify(errs),
    );
  });

  const binding = (over: Partial<RoleBinding>): RoleBinding => ({
    metadata: { namespace: 'ns', name: 'b' },
    roleRef: { apiGroup: G, kind: 'Role', name: 'r' },
    subjects: [],
    ...over,
  });
  const bindingCases: Array<[string, RoleBinding, string[]]> = [
    [
      'valid',
      binding({
        subjects: [
          { kind: 'ServiceAccount', name: 'sa' },
          { kind: 'User', apiGroup: G, name: 'u' },
        ],
      }),
      [],
    ],
    [
      'roleRef group',
      binding({ roleRef: { apiGroup: 'x', kind: 'Role', name: 'r' } }),
      ['roleRef.apiGroup: Unsupported value: "x": supported values: "rbac.authorization.k8s.io"'],
    ],
    [
      'roleRef kind',
      binding({ roleRef: { apiGroup: G, kind: 'Thing', name: 'r' } }),
      ['roleRef.kind: Unsupported value: "Thing": supported values: "Role", "ClusterRole"'],
    ],
    ['roleRef name', binding({ roleRef: { apiGroup: G, kind: 'Role', name: '' } }), ['roleRef.name: Required value']],
    [
      'subject kinds and groups',
      binding({
        subjects: [
          { kind: 'Robot', name: 'x' },
          { kind: 'User', name: 'u' },
          { kind: 'ServiceAccount', apiGroup: G, name: 'Bad_Name' },
          { kind: 'Group', apiGroup: G },
        ],
      }),
      [
        'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
        'subjects[1].apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io"',
        "subjects[2].name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        'subjects[2].apiGroup: Unsupported value: "rbac.authorization.k8s.io": supported values: ""',
        'subjects[3].name: Required value',
      ],
    ],
  ];
  for (const [title, obj, want] of bindingCases)
    test(`RoleBinding: ${title}`, () => assert.deepEqual(brief(validateRoleBinding(obj)), want));

  test('ClusterRoleBinding: only ClusterRole refs, service accounts need a namespace', () => {
    const crb: ClusterRoleBinding = {
      metadata: { name: 'b' },
      roleRef: { apiGroup: G, kind: 'Role', name: 'r' },
      subjects: [{ kind: 'ServiceAccount', name: 'sa' }],
    };
    assert.deepEqual(brief(validateClusterRoleBinding(crb)), [
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
      'subjects[0].namespace: Required value',
    ]);
  });

  test('roleRef is immutable', () => {
    const old = binding({ metadata: { namespace: 'ns', name: 'b', resourceVersion: '1' } });
    const changed = binding({
      metadata: { namespace: 'ns', name: 'b', resourceVersion: '1' },
      roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'view' },
    });
    assert.deepEqual(brief(validateRoleBindingUpdate(changed, old)), [
      'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"view"}: cannot change roleRef',
    ]);
    assert.deepEqual(validateRoleBindingUpdate(old, old), []);
    const crb: ClusterRoleBinding = {
      metadata: { name: 'c' },
      roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'a' },
    };
    assert.equal(
      validateClusterRoleBindingUpdate({ ...crb, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'b' } }, crb)
        .length,
      1,
    );
  });

  test('defaulting fills the RBAC group for users, groups and roleRef only', () => {
    const d = defaultBinding<RoleBinding>({
      roleRef: { kind: 'ClusterRole', name: 'x' },
      subjects: [
        { kind: 'User', name: 'u' },
        { kind: 'Group', name: 'g' },
        { kind: 'ServiceAccount', name: 's', namespace: 'n' },
      ],
    });
    assert.deepEqual(d.roleRef, { kind: 'ClusterRole', name: 'x', apiGroup: G });
    assert.deepEqual(
      d.subjects?.map((s) => s.apiGroup),
      [G, G, undefined],
    );
  });
});

describe('tables', () => {
  const now = Date.parse('2024-01-01T01:00:00Z');
  test('roles show Created At as RFC 3339', () => {
    assert.deepEqual(
      rbacClusterRoleTable.columns.map((c) => [c.name, c.type, c.format]),
      [
        ['Name', 'string', 'name'],
        ['Created At', 'date', ''],
      ],
    );
    assert.deepEqual(
      rbacClusterRoleTable.cells({ metadata: { name: 'x', creationTimestamp: '2024-01-01T00:00:00Z' } }, now),
      ['x', '2024-01-01T00:00:00Z'],
    );
  });
  test('bindings show role, age and subjects (wide columns priority 1)', () => {
    assert.deepEqual(
      rbacRoleBindingTable.columns.map((c) => [c.name, c.priority]),
      [
        ['Name', 0],
        ['Role', 0],
        ['Age', 0],
        ['Users', 1],
        ['Groups', 1],
        ['ServiceAccounts', 1],
      ],
    );
    assert.equal(rbacClusterRoleBindingTable.columns[3].description, 'Users in the clusterRoleBinding');
    const cells = rbacRoleBindingTable.cells(
      {
        metadata: { name: 'b', creationTimestamp: '2024-01-01T00:00:00Z' },
        roleRef: { kind: 'ClusterRole', name: 'view' },
        subjects: [
          { kind: 'User', name: 'a' },
          { kind: 'User', name: 'b' },
          { kind: 'Group', name: 'g' },
          { kind: 'ServiceAccount', name: 's', namespace: 'n' },
        ],
      },
      now,
    );
    assert.deepEqual(cells, ['b', 'ClusterRole/view', '60m', 'a, b', 'g', 'n/s']);
  });
});

describe('Node authorizer', () => {
  const node = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
  const graph = {
    hasPathFrom: (n: string, v: string, ns: string, name: string) =>
      n === 'n1' && v === 'secret' && ns === 'ns' && name === 'mine',
  };
  const authz = new NodeAuthorizer(nodeRules(), graph);
  const ask = (over: Partial<Attributes>) =>
    authz.authorize({
      user: node,
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
    });
  const cases: Array<[string, Partial<Attributes>, string, string]> = [
    ['secret of its pod', { resource: 'secrets', namespace: 'ns', name: 'mine' }, 'allow', ''],
    [
      'other secret',
      { resource: 'secrets', namespace: 'ns', name: 'theirs' },
      'noOpinion',
      "no relationship found between node 'n1' and this object",
    ],
    ['list secrets', { verb: 'list', resource: 'secrets', namespace: 'ns' }, 'noOpinion', 'No Object name found'],
    [
      'delete secret',
      { verb: 'delete', resource: 'secrets', namespace: 'ns', name: 'mine' },
      'noOpinion',
      'can only read resources of this type',
    ],
    [
      'own lease',
      { verb: 'update', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', name: 'n1' },
      'allow',
      '',
    ],
    [
      "another node's lease",
      { verb: 'update', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', name: 'n2' },
      'noOpinion',
      'can only access node lease with the same name as the requesting node',
    ],
    [
      'lease elsewhere',
      { verb: 'get', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'default', name: 'n1' },
      'noOpinion',
      'can only access leases in the "kube-node-lease" system namespace',
    ],
    ['create events via static rules', { verb: 'create', resource: 'events', namespace: 'ns' }, 'allow', ''],
    [
      'patch node status via static rules',
      { verb: 'patch', resource: 'nodes', subresource: 'status', name: 'n1' },
      'allow',
      '',
    ],
    ['delete namespaces', { verb: 'delete', resource: 'namespaces', name: 'ns' }, 'noOpinion', ''],
    [
      'token for unrelated SA',
      { verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: 'ns', name: 'x' },
      'noOpinion',
      "no relationship found between node 'n1' and this object",
    ],
  ];
  for (const [title, over, decision, reason] of cases) {
    test(title, () => assert.deepEqual(ask(over), { decision, reason }));
  }
  test('only node identities are considered', () => {
    assert.deepEqual(ask({ user: { name: 'system:node:n1', groups: [] }, resource: 'events', verb: 'create' }), {
      decision: 'noOpinion',
      reason: '',
    });
    assert.deepEqual(
      ask({ user: { name: 'system:node:', groups: ['system:nodes'] }, resource: 'events', verb: 'create' }),
      {
        decision: 'noOpinion',
        reason: 'unknown node for user "system:node:"',
      },
    );
  });
  test('in the chain, the node reason reaches the 403', () => {
    const chain = buildAuthorizer(['Node'], { nodeGraph: graph });
    assert.deepEqual(
      chain.authorize({
        user: node,
        verb: 'delete',
        isResourceRequest: true,
        path: '',
        apiGroup: '',
        apiVersion: 'v1',
        resource: 'secrets',
        subresource: '',
        namespace: 'ns',
        name: 'mine',
      }),
      {
        decision: 'deny',
        reason: 'can only read resources of this type',
      },
    );
  });
});
