import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

const WEBHOOKS = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: demo
webhooks:
- name: demo.example.com
  clientConfig:
    service: {namespace: default, name: hook}
  rules:
  - operations: [CREATE]
    apiGroups: [""]
    apiVersions: [v1]
    resources: [configmaps]
  sideEffects: None
  admissionReviewVersions: [v1]
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: demo
webhooks:
- name: a.demo.example.com
  clientConfig: {url: "https://hooks.example.com/mutate"}
  sideEffects: NoneOnDryRun
  admissionReviewVersions: [v1, v1beta1]
- name: b.demo.example.com
  clientConfig: {url: "https://hooks.example.com/other"}
  sideEffects: None
  admissionReviewVersions: [v1]
`;

const POLICY = (expression: string): string => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replicas-limit
spec:
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [deployments]
  validations:
  - expression: ${JSON.stringify(expression)}
`;

const BINDING = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: replicas-limit-binding
spec:
  policyName: replicas-limit
  validationActions: [Deny]
  paramRef: {name: limits, namespace: default}
`;

const FLOWCONTROL = `apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: PriorityLevelConfiguration
metadata:
  name: batch
spec:
  type: Limited
  limited:
    limitResponse:
      type: Queue
      queuing: {}
---
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: FlowSchema
metadata:
  name: batch-jobs
spec:
  priorityLevelConfiguration: {name: batch}
  distinguisherMethod: {type: ByUser}
  rules:
  - subjects:
    - kind: Group
      group: {name: batch-users}
    resourceRules:
    - verbs: ["*"]
      apiGroups: ["*"]
      resources: ["*"]
      namespaces: ["*"]
`;

describe('admission registration and flow control with kubectl', () => {
  let replica: ReplicaProcess | undefined;
  const kc = (): string => replica?.kubeconfig ?? '';
  const json = async <T>(args: string[]): Promise<T> => JSON.parse(await kubectlOk(kc(), args)) as T;
  before(async () => {
    replica = await startReplicaProcess();
  });
  after(async () => {
    await replica?.cleanup();
  });

  test('webhook configurations apply and read back with upstream defaults', async () => {
    await kubectlOk(kc(), ['apply', '-f', '-'], WEBHOOKS);
    const v = await json<{ webhooks: object[] }>(['get', 'validatingwebhookconfiguration', 'demo', '-o', 'json']);
    assert.deepEqual(v.webhooks[0], {
      name: 'demo.example.com',
      clientConfig: { service: { namespace: 'default', name: 'hook', port: 443 } },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'], scope: '*' }],
      failurePolicy: 'Fail',
      matchPolicy: 'Equivalent',
      namespaceSelector: {},
      objectSelector: {},
      sideEffects: 'None',
      timeoutSeconds: 10,
      admissionReviewVersions: ['v1'],
    });
    const m = await json<{ webhooks: Array<Record<string, unknown>> }>([
      'get',
      'mutatingwebhookconfiguration',
      'demo',
      '-o',
      'json',
    ]);
    assert.equal(m.webhooks[0].reinvocationPolicy, 'Never');
    assert.match(
      await kubectlOk(kc(), ['get', 'mutatingwebhookconfigurations']),
      /^NAME\s+WEBHOOKS\s+AGE\ndemo\s+2\s+\S+$/m,
    );
  });

  test('webhook configuration validation: duplicate names, url xor service, sideEffects', async () => {
    const bad = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: bad}
webhooks:
- name: same.example.com
  clientConfig: {url: "https://a.example.com", service: {namespace: default, name: x}}
  admissionReviewVersions: [v1]
- name: same.example.com
  clientConfig: {url: "http://a.example.com"}
  sideEffects: Some
  admissionReviewVersions: [v1]
`;
    const r = await kubectl(kc(), ['create', '-f', '-'], bad);
    assert.notEqual(r.code, 0);
    for (const line of [
      /webhooks\[0\]\.clientConfig: Required value: exactly one of url or service is required/,
      /webhooks\[0\]\.sideEffects: Required value: must specify one of None, NoneOnDryRun/,
      /webhooks\[1\]\.name: Duplicate value: "same\.example\.com"/,
      /webhooks\[1\]\.clientConfig\.url: Invalid value: "http:\/\/a\.example\.com": 'https' is the only allowed URL scheme/,
      /webhooks\[1\]\.sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"/,
    ]) {
      assert.match(r.stderr, line);
    }
  });

  test('a ValidatingAdmissionPolicy whose CEL does not compile is refused with the field path', async () => {
    const r = await kubectl(kc(), ['create', '-f', '-'], POLICY('object.spec.replicas <= '));
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /spec\.validations\[0\]\.expression: Invalid value: "object\.spec\.replicas <= ": compilation failed: /,
    );
    const unknown = await kubectl(kc(), ['create', '-f', '-'], POLICY('nosuchvar.x > 1'));
    assert.match(unknown.stderr, /spec\.validations\[0\]\.expression: Invalid value: .*compilation failed/);
  });

  test('a valid policy and binding round-trip with defaults and show in tables', async () => {
    await kubectlOk(kc(), ['apply', '-f', '-'], POLICY('object.spec.replicas <= int(params.data.max)'));
    await kubectlOk(kc(), ['apply', '-f', '-'], BINDING);
    const p = await json<{ spec: Record<string, unknown>; metadata: { generation: number } }>([
      'get',
      'validatingadmissionpolicy',
      'replicas-limit',
      '-o',
      'json',
    ]);
    assert.equal(p.spec.failurePolicy, 'Fail');
    assert.deepEqual(p.spec.matchConstraints, {
      resourceRules: [
        {
          apiGroups: ['apps'],
          apiVersions: ['v1'],
          operations: ['CREATE', 'UPDATE'],
          resources: ['deployments'],
          scope: '*',
        },
      ],
      matchPolicy: 'Equivalent',
      namespaceSelector: {},
      objectSelector: {},
    });
    assert.equal(p.metadata.generation, 1);
    const b = await json<{ spec: { paramRef: Record<string, unknown> } }>([
      'get',
      'validatingadmissionpolicybinding',
      'replicas-limit-binding',
      '-o',
      'json',
    ]);
    assert.equal(b.spec.paramRef.parameterNotFoundAction, 'Deny');
    assert.match(
      await kubectlOk(kc(), ['get', 'validatingadmissionpolicies']),
      /^NAME\s+VALIDATIONS\s+PARAMKIND\s+AGE\nreplicas-limit\s+1\s+v1\/ConfigMap\s+\S+$/m,
    );
    assert.match(
      await kubectlOk(kc(), ['get', 'validatingadmissionpolicybindings']),
      /^NAME\s+POLICYNAME\s+PARAMREF\s+AGE\nreplicas-limit-binding\s+replicas-limit\s+default\/limits\s+\S+$/m,
    );
    const badBinding = await kubectl(
      kc(),
      ['create', '-f', '-'],
      BINDING.replace('replicas-limit-binding', 'b2').replace('[Deny]', '[Deny, Warn]'),
    );
    assert.match(badBinding.stderr, /spec\.validationActions: Invalid value: .*must not contain both Deny and Warn/);
  });

  test('flow control objects round-trip with v1 defaults and show in tables', async () => {
    await kubectlOk(kc(), ['apply', '-f', '-'], FLOWCONTROL);
    const pl = await json<{ spec: object }>(['get', 'prioritylevelconfiguration', 'batch', '-o', 'json']);
    assert.deepEqual(pl.spec, {
      type: 'Limited',
      limited: {
        nominalConcurrencyShares: 30,
        lendablePercent: 0,
        limitResponse: { type: 'Queue', queuing: { queues: 64, handSize: 8, queueLengthLimit: 50 } },
      },
    });
    const fs = await json<{ spec: { matchingPrecedence: number } }>(['get', 'flowschema', 'batch-jobs', '-o', 'json']);
    assert.equal(fs.spec.matchingPrecedence, 1000);
    assert.match(
      await kubectlOk(kc(), ['get', 'prioritylevelconfigurations', 'batch']),
      /^NAME\s+TYPE\s+NOMINALCONCURRENCYSHARES\s+QUEUES\s+HANDSIZE\s+QUEUELENGTHLIMIT\s+AGE\nbatch\s+Limited\s+30\s+64\s+8\s+50\s+\S+$/m,
    );
    assert.match(
      await kubectlOk(kc(), ['get', 'flowschemas', 'batch-jobs']),
      // the APF controller sets the Dangling condition shortly after the write ("?" until then)
      /^NAME\s+PRIORITYLEVEL\s+MATCHINGPRECEDENCE\s+DISTINGUISHERMETHOD\s+AGE\s+MISSINGPL\nbatch-jobs\s+batch\s+1000\s+ByUser\s+\S+\s+(\?|False)$/m,
    );
    const bad = await kubectl(
      kc(),
      ['create', '-f', '-'],
      FLOWCONTROL.split('---')[0]
        .replace('name: batch', 'name: bad')
        .replace('queuing: {}', 'queuing: {queues: 4, handSize: 9}'),
    );
    assert.match(
      bad.stderr,
      /spec\.limited\.limitResponse\.queuing\.handSize: Invalid value: 9: should not be greater than queues \(4\)/,
    );
  });
});
