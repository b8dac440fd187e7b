import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient } from './helpers/client';
import { kubectl, kubectlOk, type KubectlResult } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Policies reach the plugin through an informer: poll (bounded) until a probe sees the change. */
async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function deployment(name: string, ns: string, replicas: number, labels: Record<string, string> = {}): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  });
}

function policy(name: string, spec: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] },
        ],
      },
      ...spec,
    },
  });
}

function binding(name: string, policyName: string, spec: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name },
    spec: { policyName, validationActions: ['Deny'], ...spec },
  });
}

describe('ValidatingAdmissionPolicy (real kubectl, real replica)', () => {
  let replica: ReplicaProcess;
  let kc: string;
  let client: ApiClient;

  before(async () => {
    replica = await startReplicaProcess();
    kc = replica.kubeconfig;
    client = new ApiClient(kc);
  });
  after(async () => {
    await replica?.cleanup();
  });

  const apply = (doc: string): Promise<string> => kubectlOk(kc, ['apply', '-f', '-'], doc);
  const dryRun = (doc: string): Promise<KubectlResult> => kubectl(kc, ['apply', '--dry-run=server', '-f', '-'], doc);
  const remove = async (kind: string, name: string): Promise<void> => {
    await kubectlOk(kc, ['delete', kind, name, '--ignore-not-found']);
  };

  it('denies a Deployment with more than 5 replicas and admits one with 3', async () => {
    await kubectlOk(kc, ['create', 'ns', 'vap-a']);
    await apply(
      policy('max-replicas', {
        validations: [{ expression: 'object.spec.replicas <= 5', message: 'replicas must be no greater than 5' }],
      }),
    );
    await apply(binding('max-replicas-binding', 'max-replicas'));
    await eventually('the policy to deny', async () => (await dryRun(deployment('big', 'vap-a', 6))).code !== 0);

    const denied = await kubectl(kc, ['apply', '-f', '-'], deployment('big', 'vap-a', 6));
    assert.notEqual(denied.code, 0);
    // kubectl renders a 422 with one field-less cause as upstream's kubectl does
    assert.match(
      denied.stderr,
      /The deployments "big" is invalid: : ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-binding' denied request: replicas must be no greater than 5/,
    );
    await apply(deployment('small', 'vap-a', 3));
    assert.equal(
      (await kubectlOk(kc, ['get', 'deploy', 'small', '-n', 'vap-a', '-o', 'name'])).trim(),
      'deployment.apps/small',
    );

    // the Status: reason Invalid (no reason set) gives 422, the message repeated as a cause
    const r = await client.request(
      'POST',
      '/apis/apps/v1/namespaces/vap-a/deployments',
      deployment('big2', 'vap-a', 9),
    );
    assert.equal(r.status, 422);
    const st = r.json<{
      reason: string;
      code: number;
      message: string;
      details: { causes: Array<{ message: string }> };
    }>();
    assert.equal(st.reason, 'Invalid');
    assert.equal(st.code, 422);
    assert.equal(
      st.message,
      `deployments.apps "big2" is forbidden: ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-binding' denied request: replicas must be no greater than 5`,
    );
    assert.equal(
      st.details.causes[0].message,
      "ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-binding' denied request: replicas must be no greater than 5",
    );

    // an update is judged too
    const scaled = await kubectl(kc, ['apply', '-f', '-'], deployment('small', 'vap-a', 7));
    assert.notEqual(scaled.code, 0);
    assert.match(scaled.stderr, /denied request: replicas must be no greater than 5/);

    // deleting the binding lifts the policy, within a bounded time
    await remove('validatingadmissionpolicybinding', 'max-replicas-binding');
    await eventually(
      'the policy to stop denying',
      async () => (await dryRun(deployment('big', 'vap-a', 6))).code === 0,
    );
    await remove('validatingadmissionpolicy', 'max-replicas');
  });

  it('Warn and Audit actions admit; Warn reaches kubectl as a warning with upstream text', async () => {
    await kubectlOk(kc, ['create', 'ns', 'vap-w']);
    await apply(
      policy('warn-replicas', { validations: [{ expression: 'object.spec.replicas <= 2', message: 'too many' }] }),
    );
    await apply(binding('warn-binding', 'warn-replicas', { validationActions: ['Warn', 'Audit'] }));
    await eventually('the warning', async () =>
      (await dryRun(deployment('w', 'vap-w', 4))).stderr.includes('too many'),
    );
    const r = await kubectl(kc, ['apply', '-f', '-'], deployment('w', 'vap-w', 4));
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /Warning: Validation failed for ValidatingAdmissionPolicy 'warn-replicas' with binding 'warn-binding': too many/,
    );
    const ok = await kubectl(kc, ['apply', '-f', '-'], deployment('w2', 'vap-w', 1));
    assert.equal(ok.code, 0);
    assert.doesNotMatch(ok.stderr, /Validation failed/);
    await remove('validatingadmissionpolicybinding', 'warn-binding');
    await remove('validatingadmissionpolicy', 'warn-replicas');
  });

  it('params from a ConfigMap, messageExpression and a namespace selector', async () => {
    await kubectlOk(kc, ['create', 'ns', 'vap-p']);
    await kubectlOk(kc, ['label', 'ns', 'vap-p', 'policy=strict']);
    await kubectlOk(kc, ['create', 'ns', 'vap-q']);
    await kubectlOk(kc, ['create', 'cm', 'limits', '-n', 'vap-p', '--from-literal=max=2']);
    await apply(
      policy('param-replicas', {
        paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
        variables: [{ name: 'max', expression: 'int(params.data.max)' }],
        validations: [
          {
            expression: 'object.spec.replicas <= variables.max',
            messageExpression:
              '"replicas " + string(object.spec.replicas) + " over " + params.data.max + " in " + namespaceObject.metadata.name',
            reason: 'Forbidden',
          },
        ],
      }),
    );
    await apply(
      binding('param-binding', 'param-replicas', {
        paramRef: { name: 'limits', parameterNotFoundAction: 'Deny' },
        matchResources: { namespaceSelector: { matchLabels: { policy: 'strict' } } },
      }),
    );
    await eventually('the param policy', async () => (await dryRun(deployment('d', 'vap-p', 3))).code !== 0);
    const denied = await kubectl(kc, ['apply', '-f', '-'], deployment('d', 'vap-p', 3));
    assert.match(denied.stderr, /denied request: replicas 3 over 2 in vap-p/);
    const r = await client.request('POST', '/apis/apps/v1/namespaces/vap-p/deployments', deployment('d', 'vap-p', 3));
    assert.equal(r.status, 403);
    assert.equal(r.json<{ reason: string }>().reason, 'Forbidden');
    await apply(deployment('d', 'vap-p', 2));
    // the namespace selector leaves other namespaces alone
    await apply(deployment('d', 'vap-q', 3));

    // the ConfigMap's value is read per request
    await kubectlOk(kc, [
      'create',
      'cm',
      'limits',
      '-n',
      'vap-p',
      '--from-literal=max=5',
      '--dry-run=client',
      '-o',
      'yaml',
    ]).then((doc) => apply(doc));
    await eventually('the new limit', async () => (await dryRun(deployment('d2', 'vap-p', 4))).code === 0);

    // parameterNotFoundAction Deny: a missing param refuses
    await kubectlOk(kc, ['delete', 'cm', 'limits', '-n', 'vap-p']);
    await eventually('the missing param', async () => (await dryRun(deployment('d3', 'vap-p', 1))).code !== 0);
    const missing = await kubectl(kc, ['apply', '-f', '-'], deployment('d3', 'vap-p', 1));
    assert.match(
      missing.stderr,
      /ValidatingAdmissionPolicy 'param-replicas' with binding 'param-binding' denied request: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction/,
    );
    await remove('validatingadmissionpolicybinding', 'param-binding');
    await remove('validatingadmissionpolicy', 'param-replicas');
  });

  it('evaluation errors follow failurePolicy; the cost limit is enforced with upstream text', async () => {
    await kubectlOk(kc, ['create', 'ns', 'vap-e']);
    await apply(
      policy('missing-field', {
        validations: [{ expression: 'object.spec.noSuchField > 1' }],
      }),
    );
    await apply(binding('missing-field-binding', 'missing-field'));
    await eventually('the failing policy', async () => (await dryRun(deployment('e', 'vap-e', 1))).code !== 0);
    const failed = await kubectl(kc, ['apply', '-f', '-'], deployment('e', 'vap-e', 1));
    assert.match(
      failed.stderr,
      /denied request: expression 'object.spec.noSuchField > 1' resulted in error: no such key: noSuchField/,
    );
    // failurePolicy Ignore admits
    await apply(
      policy('missing-field', {
        failurePolicy: 'Ignore',
        validations: [{ expression: 'object.spec.noSuchField > 1' }],
      }),
    );
    await eventually('Ignore to admit', async () => (await dryRun(deployment('e', 'vap-e', 1))).code === 0);
    await remove('validatingadmissionpolicybinding', 'missing-field-binding');
    await remove('validatingadmissionpolicy', 'missing-field');

    // 4 nested comprehensions over 40 labels: 40^4 iterations, past the per-call limit
    const labels = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v']));
    await apply(
      policy('expensive', {
        validations: [
          {
            expression:
              'object.metadata.labels.all(a, object.metadata.labels.all(b, object.metadata.labels.all(c, object.metadata.labels.all(d, a != "" && b != "" && c != "" && d != ""))))',
          },
        ],
      }),
    );
    await apply(binding('expensive-binding', 'expensive'));
    await eventually('the cost limit', async () => (await dryRun(deployment('x', 'vap-e', 1, labels))).code !== 0);
    const costly = await kubectl(kc, ['apply', '-f', '-'], deployment('x', 'vap-e', 1, labels));
    assert.match(costly.stderr, /resulted in error: operation cancelled: actual cost limit exceeded/);
    // the same policy is cheap on a small object
    await apply(deployment('y', 'vap-e', 1, { a: 'b' }));
    await remove('validatingadmissionpolicybinding', 'expensive-binding');
    await remove('validatingadmissionpolicy', 'expensive');
  });

  it('a policy whose expression does not compile is refused with the field path, libraries included', async () => {
    const r = await kubectl(
      kc,
      ['apply', '-f', '-'],
      policy('bad-expr', { validations: [{ expression: 'object.spec.replicas >' }] }),
    );
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /spec\.validations\[0\]\.expression: Invalid value: "object\.spec\.replicas >": compilation failed: /,
    );
    // the Kubernetes libraries are part of the environment policies are checked in
    await apply(
      policy('lib-expr', {
        validations: [{ expression: 'quantity("1Gi").isGreaterThan(quantity("1M")) && [1, 2].isSorted()' }],
      }),
    );
    await remove('validatingadmissionpolicy', 'lib-expr');
  });

  it('an expression that cannot be used at admission fails closed under Fail and is skipped under Ignore', async () => {
    await kubectlOk(kc, ['create', 'ns', 'vap-c']);
    // a string where a bool is required: the plugin cannot use it
    const bad = (failurePolicy: string): string =>
      policy('wrong-type', { failurePolicy, validations: [{ expression: '"not a bool"' }] });
    const created = await kubectl(kc, ['apply', '-f', '-'], bad('Fail'));
    if (created.code !== 0) {
      // refused when stored, as upstream does
      assert.match(created.stderr, /must evaluate to bool/);
      return;
    }
    await apply(binding('wrong-type-binding', 'wrong-type'));
    await eventually('the compile error to deny', async () => (await dryRun(deployment('c', 'vap-c', 1))).code !== 0);
    const r = await kubectl(kc, ['apply', '-f', '-'], deployment('c', 'vap-c', 1));
    assert.match(
      r.stderr,
      /ValidatingAdmissionPolicy 'wrong-type' with binding 'wrong-type-binding' denied request: compilation error: must evaluate to bool but got string/,
    );
    await apply(bad('Ignore'));
    await eventually('Ignore to admit', async () => (await dryRun(deployment('c', 'vap-c', 1))).code === 0);
    await remove('validatingadmissionpolicybinding', 'wrong-type-binding');
    await remove('validatingadmissionpolicy', 'wrong-type');
  });

  it('authorizer checks use the real authorizer for the requesting user', async () => {
    await kubectlOk(kc, ['create', 'ns', 'vap-z']);
    await kubectlOk(kc, [
      'create',
      'role',
      'deployer',
      '-n',
      'vap-z',
      '--verb=create,get,list',
      '--resource=deployments',
    ]);
    await kubectlOk(kc, ['create', 'rolebinding', 'deployer', '-n', 'vap-z', '--role=deployer', '--user=bob']);
    await apply(
      policy('can-delete', {
        validations: [
          {
            expression:
              'authorizer.group("apps").resource("deployments").namespace(object.metadata.namespace).check("delete").allowed()',
            messageExpression: '"user " + request.userInfo.username + " may not delete deployments"',
          },
          { expression: 'authorizer.requestResource.check("create").allowed()' },
        ],
      }),
    );
    await apply(binding('can-delete-binding', 'can-delete'));
    await eventually(
      'the authorizer policy',
      async () =>
        (await kubectl(kc, ['apply', '--dry-run=server', '--as=bob', '-f', '-'], deployment('z', 'vap-z', 1))).code !==
        0,
    );
    const bob = await kubectl(kc, ['apply', '--as=bob', '-f', '-'], deployment('z', 'vap-z', 1));
    assert.match(bob.stderr, /denied request: user bob may not delete deployments/);
    // the admin (system:masters) may delete: admitted
    await apply(deployment('z', 'vap-z', 1));
    await remove('validatingadmissionpolicybinding', 'can-delete-binding');
    await remove('validatingadmissionpolicy', 'can-delete');
  });
});
