import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiClient } from './helpers/client';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

/** A pod manifest; `privileged` makes the one container privileged. */
function podYaml(
  name: string,
  ns: string,
  opts: { privileged?: boolean; runtimeClass?: string; compliant?: boolean } = {},
): string {
  const spec: Record<string, unknown> = {
    containers: [
      {
        name,
        image: 'busybox',
        securityContext: opts.compliant
          ? { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }
          : opts.privileged
            ? { privileged: true }
            : undefined,
      },
    ],
  };
  if (opts.compliant) spec.securityContext = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
  if (opts.runtimeClass) spec.runtimeClassName = opts.runtimeClass;
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec });
}

const RESTRICTED_DETAIL = (c: string): string =>
  `privileged (container "${c}" must not set securityContext.privileged=true), ` +
  `allowPrivilegeEscalation != false (container "${c}" must set securityContext.allowPrivilegeEscalation=false), ` +
  `unrestricted capabilities (container "${c}" must set securityContext.capabilities.drop=["ALL"]), ` +
  `runAsNonRoot != true (pod or container "${c}" must set securityContext.runAsNonRoot=true), ` +
  `seccompProfile (pod or container "${c}" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`;

describe('PodSecurity admission (real kubectl, real replica)', () => {
  let replica: ReplicaProcess;
  let kc: string;
  let client: ApiClient;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-psa-'));
    // the PodSecurity configuration in a file of its own, named relative to the admission configuration
    writeFileSync(
      path.join(dir, 'pod-security.yaml'),
      [
        'apiVersion: pod-security.admission.config.k8s.io/v1',
        'kind: PodSecurityConfiguration',
        'defaults:',
        '  enforce: privileged',
        '  enforce-version: latest',
        'exemptions:',
        '  usernames: ["trusted-deployer"]',
        '  runtimeClasses: ["kata"]',
        '  namespaces: ["exempt-ns"]',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(dir, 'admission.yaml'),
      'apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  path: pod-security.yaml\n',
    );
    replica = await startReplicaProcess({
      // privileged pods reach PodSecurity only where the cluster allows them at all (kubeadm sets this)
      args: [`--admission-control-config-file=${path.join(dir, 'admission.yaml')}`, '--allow-privileged=true'],
    });
    kc = replica.kubeconfig;
    client = new ApiClient(kc);
  });
  after(async () => {
    await replica?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('enforce=restricted refuses a privileged pod with upstream text and accepts a compliant one', async () => {
    await kubectlOk(kc, ['create', 'ns', 'locked']);
    await kubectlOk(kc, ['label', 'ns', 'locked', 'pod-security.kubernetes.io/enforce=restricted']);
    const refused = await kubectl(kc, ['apply', '-f', '-'], podYaml('priv', 'locked', { privileged: true }));
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      new RegExp(
        `Error from server \\(Forbidden\\): error when creating "STDIN": pods "priv" is forbidden: violates PodSecurity "restricted:latest": ${RESTRICTED_DETAIL('priv').replace(/[()[\]"!=.]/g, '\\$&')}`,
      ),
    );
    const raw = await client.request(
      'POST',
      '/api/v1/namespaces/locked/pods',
      podYaml('priv2', 'locked', { privileged: true }),
      {
        'content-type': 'application/json',
      },
    );
    assert.equal(raw.status, 403);
    const status = raw.json<{
      kind: string;
      reason: string;
      code: number;
      details: Record<string, unknown>;
      message: string;
    }>();
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'Forbidden');
    assert.deepEqual(status.details, { name: 'priv2', kind: 'pods' });
    assert.equal(
      status.message,
      `pods "priv2" is forbidden: violates PodSecurity "restricted:latest": ${RESTRICTED_DETAIL('priv2')}`,
    );

    const ok = await kubectl(kc, ['apply', '-f', '-'], podYaml('good', 'locked', { compliant: true }));
    assert.equal(ok.code, 0, ok.stderr);
    assert.doesNotMatch(ok.stderr, /Warning/);
    assert.equal((await kubectlOk(kc, ['get', 'pod', 'good', '-n', 'locked', '-o', 'name'])).trim(), 'pod/good');
    // a server-side dry run is judged the same way
    const dry = await kubectl(
      kc,
      ['apply', '--dry-run=server', '-f', '-'],
      podYaml('priv3', 'locked', { privileged: true }),
    );
    assert.match(dry.stderr, /pods "priv3" is forbidden: violates PodSecurity "restricted:latest"/);
  });

  it('warn=baseline gives kubectl a warning on a Deployment with hostNetwork, and creates it', async () => {
    await kubectlOk(kc, ['create', 'ns', 'warned']);
    await kubectlOk(kc, [
      'label',
      'ns',
      'warned',
      'pod-security.kubernetes.io/warn=baseline',
      'pod-security.kubernetes.io/enforce=restricted',
    ]);
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'warned' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { hostNetwork: true, containers: [{ name: 'web', image: 'nginx' }] },
        },
      },
    };
    const r = await kubectl(kc, ['apply', '-f', '-'], JSON.stringify(deployment));
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /Warning: would violate PodSecurity "baseline:latest": host namespaces \(hostNetwork=true\)/,
    );
    assert.match(r.stdout, /deployment.apps\/web created/);
    // the template is not enforced; a pod with the same spec is
    const p = await kubectl(kc, [
      'run',
      'hn',
      '-n',
      'warned',
      '--image=nginx',
      '--overrides={"spec":{"hostNetwork":true}}',
    ]);
    assert.match(
      p.stderr,
      /pods "hn" is forbidden: violates PodSecurity "restricted:latest": host namespaces \(hostNetwork=true\)/,
    );
  });

  it('exemptions from the admission configuration file', async () => {
    await kubectlOk(kc, ['create', 'ns', 'exempt-ns']);
    const label = await kubectl(kc, ['label', 'ns', 'exempt-ns', 'pod-security.kubernetes.io/enforce=restricted']);
    assert.equal(label.code, 0, label.stderr);
    assert.match(
      label.stderr,
      /Warning: namespace "exempt-ns" is exempt from Pod Security, and the policy \(enforce=restricted:latest\) will be ignored/,
    );
    const inExempt = await kubectl(kc, ['apply', '-f', '-'], podYaml('priv', 'exempt-ns', { privileged: true }));
    assert.equal(inExempt.code, 0, inExempt.stderr);

    // the RuntimeClass admission plugin refuses pods naming a class that does not exist
    for (const [name, handler] of [
      ['kata', 'kata'],
      ['gvisor', 'runsc'],
    ]) {
      const rc = { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name }, handler };
      await kubectlOk(kc, ['apply', '-f', '-'], JSON.stringify(rc));
    }
    const kata = await kubectl(
      kc,
      ['apply', '-f', '-'],
      podYaml('kata', 'locked', { privileged: true, runtimeClass: 'kata' }),
    );
    assert.equal(kata.code, 0, kata.stderr);
    const other = await kubectl(
      kc,
      ['apply', '-f', '-'],
      podYaml('gvisor', 'locked', { privileged: true, runtimeClass: 'gvisor' }),
    );
    assert.match(other.stderr, /pods "gvisor" is forbidden: violates PodSecurity/);

    const asTrusted = await kubectl(
      kc,
      ['apply', '--as=trusted-deployer', '--as-group=system:masters', '-f', '-'],
      podYaml('trusted', 'locked', { privileged: true }),
    );
    assert.equal(asTrusted.code, 0, asTrusted.stderr);
    const asOther = await kubectl(
      kc,
      ['apply', '--as=someone-else', '--as-group=system:masters', '-f', '-'],
      podYaml('untrusted', 'locked', { privileged: true }),
    );
    assert.match(asOther.stderr, /pods "untrusted" is forbidden: violates PodSecurity "restricted:latest"/);
  });

  it('labelling a namespace with running violating pods warns about them', async () => {
    await kubectlOk(kc, ['create', 'ns', 'legacy']);
    for (const n of ['p1', 'p2']) await kubectlOk(kc, ['apply', '-f', '-'], podYaml(n, 'legacy', { privileged: true }));
    await kubectlOk(kc, ['apply', '-f', '-'], podYaml('fine', 'legacy'));
    const r = await kubectl(kc, ['label', 'ns', 'legacy', 'pod-security.kubernetes.io/enforce=baseline']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /Warning: existing pods in namespace "legacy" violate the new PodSecurity enforce level "baseline:latest"\n/,
    );
    assert.match(r.stderr, /Warning: p1 \(and 1 other pod\): privileged\n/);
    assert.match(r.stdout, /namespace\/legacy labeled/);
    // the running pods stay; relaxing the level says nothing
    assert.match(await kubectlOk(kc, ['get', 'pods', '-n', 'legacy', '-o', 'name']), /pod\/p1/);
    const relax = await kubectl(kc, [
      'label',
      '--overwrite',
      'ns',
      'legacy',
      'pod-security.kubernetes.io/enforce=privileged',
    ]);
    assert.doesNotMatch(relax.stderr, /Warning/);
  });

  it('invalid namespace labels are 422 Invalid', async () => {
    const create = await kubectl(
      kc,
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'typo', labels: { 'pod-security.kubernetes.io/enforce': 'strict' } },
      }),
    );
    assert.notEqual(create.code, 0);
    assert.match(
      create.stderr,
      /The Namespace "typo" is invalid: metadata.labels\[pod-security.kubernetes.io\/enforce\]: Invalid value: "strict": must be one of privileged, baseline, restricted/,
    );
    await kubectlOk(kc, ['create', 'ns', 'versions']);
    const version = await kubectl(kc, ['label', 'ns', 'versions', 'pod-security.kubernetes.io/enforce-version=1.32']);
    assert.match(
      version.stderr,
      /The Namespace "versions" is invalid: metadata.labels\[pod-security.kubernetes.io\/enforce-version\]: Invalid value: "1.32": must be "latest" or "v1.x"/,
    );
    const raw = await client.request(
      'PATCH',
      '/api/v1/namespaces/versions',
      { metadata: { labels: { 'pod-security.kubernetes.io/warn': 'x' } } },
      {
        'content-type': 'application/merge-patch+json',
      },
    );
    assert.equal(raw.status, 422);
    const s = raw.json<{ reason: string; details: { kind: string; name: string; causes: unknown[] } }>();
    assert.equal(s.reason, 'Invalid');
    assert.deepEqual(s.details, {
      name: 'versions',
      kind: 'Namespace',
      causes: [
        {
          reason: 'FieldValueInvalid',
          message: 'Invalid value: "x": must be one of privileged, baseline, restricted',
          field: 'metadata.labels[pod-security.kubernetes.io/warn]',
        },
      ],
    });
  });

  it('hostile pod bodies in an enforcing namespace get a Status, and the replica lives', async () => {
    const bodies: object[] = [
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'h1' }, spec: { containers: 'x' } },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'h2' },
        spec: { containers: [{ name: 'c', image: 'i', securityContext: { capabilities: { add: 7 } } }] },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'h3', annotations: { 'container.apparmor.security.beta.kubernetes.io/c': 'unconfined' } },
        spec: { containers: [{ name: 'c', image: 'i' }], volumes: [{ name: 'v' }] },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'h4' },
        spec: {
          securityContext: { sysctls: [{}] },
          containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 1, hostPort: -1 }] }],
        },
      },
    ];
    for (const b of bodies) {
      const r = await client.request('POST', '/api/v1/namespaces/locked/pods', b);
      assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${r.body.toString()}`);
      assert.equal(r.json<{ kind: string }>().kind, 'Status');
    }
    assert.equal((await client.request('GET', '/readyz')).status, 200);
  });
});
