import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { admissionConfigFile, parseAdmissionConfig } from '../src/admission/admission-config';
import {
  newRecorder,
  type AdmissionAttributes,
  type AdmissionOperation,
  type AdmissionPlugin,
} from '../src/admission/interface';
import type { AdmissionDeps } from '../src/admission/plugins/deps';
import { podSecurity } from '../src/admission/plugins/pod-security';
import { parsePodSecurityConfiguration } from '../src/admission/pod-security/configuration';
import { existingPodWarnings } from '../src/admission/pod-security/existing-pods';
import { policyToEvaluate, DEFAULT_POLICY, LATEST } from '../src/admission/pod-security/levels';
import { StatusError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import type { ServerOptions } from '../src/options';
import type { StoreTable } from '../src/registry/store-table';

/** Namespaces and pods held in memory behind the two store methods the plugin reads. */
class FakeCluster {
  namespaces = new Map<string, KubeObject>();
  pods: KubeObject[] = [];

  table(): StoreTable {
    const namespaces = {
      get: async (_ns: string, name: string): Promise<KubeObject> => {
        const n = this.namespaces.get(name);
        if (!n) throw new StatusError(404, 'NotFound', `namespaces "${name}" not found`);
        return n;
      },
    };
    const pods = {
      list: async (ns: string): Promise<KubeObject> => ({
        items: this.pods.filter((p) => p.metadata?.namespace === ns),
      }),
    };
    return {
      store: (_g: string, _v: string, r: string) => (r === 'namespaces' ? namespaces : r === 'pods' ? pods : undefined),
    } as unknown as StoreTable;
  }

  ns(name: string, labels: Record<string, string> = {}): void {
    this.namespaces.set(name, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  }
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'psa-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function plugin(cluster: FakeCluster, configYaml?: string): AdmissionPlugin {
  let file = '';
  if (configYaml) {
    file = path.join(tmp, `config-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, configYaml);
  }
  const deps = {
    table: cluster.table(),
    opts: { admissionControlConfigFile: file } as ServerOptions,
    log: () => undefined,
  } as unknown as AdmissionDeps;
  return podSecurity(deps);
}

interface Req {
  op?: AdmissionOperation;
  group?: string;
  resource: string;
  kind: string;
  subresource?: string;
  namespace: string;
  name?: string;
  object: KubeObject;
  oldObject?: KubeObject;
  user?: string;
}

function attrs(r: Req): AdmissionAttributes {
  return {
    operation: r.op ?? 'CREATE',
    kind: { group: r.group ?? '', version: 'v1', kind: r.kind },
    resource: { group: r.group ?? '', version: 'v1', resource: r.resource },
    subresource: r.subresource ?? '',
    namespace: r.namespace,
    name: r.name ?? r.object.metadata?.name ?? '',
    object: r.object,
    oldObject: r.oldObject,
    userInfo: { name: r.user ?? 'alice', groups: ['system:authenticated'] },
    dryRun: false,
    recorder: newRecorder(),
  };
}

async function run(p: AdmissionPlugin, a: AdmissionAttributes): Promise<StatusError | undefined> {
  try {
    await p.validate?.(a);
    return undefined;
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
}

function pod(
  name: string,
  ns: string,
  spec: Record<string, unknown>,
  extraMeta: Record<string, unknown> = {},
): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, ...extraMeta }, spec };
}

const privilegedSpec = { containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] };
const restrictedSpec = {
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [
    {
      name: 'c',
      image: 'busybox',
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    },
  ],
};
const RESTRICTED_PRIVILEGED_DETAIL =
  'privileged (container "c" must not set securityContext.privileged=true), ' +
  'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
  'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
  'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
  'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

describe('PodSecurity admission plugin', () => {
  it('without labels or configuration everything is privileged: no refusal, no warning', async () => {
    const cluster = new FakeCluster();
    cluster.ns('plain');
    const a = attrs({ resource: 'pods', kind: 'Pod', namespace: 'plain', object: pod('x', 'plain', privilegedSpec) });
    assert.equal(await run(plugin(cluster), a), undefined);
    assert.deepEqual(a.recorder.warnings, []);
    assert.deepEqual(a.recorder.auditAnnotations, { 'pod-security.kubernetes.io/enforce-policy': 'privileged:latest' });
  });

  it('enforce=restricted refuses a privileged pod with upstream text and records the policy', async () => {
    const cluster = new FakeCluster();
    cluster.ns('r', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    const a = attrs({ resource: 'pods', kind: 'Pod', namespace: 'r', object: pod('x', 'r', privilegedSpec) });
    const err = await run(plugin(cluster), a);
    assert.ok(err);
    assert.equal(err.code, 403);
    assert.equal(err.reason, 'Forbidden');
    assert.equal(
      err.message,
      `pods "x" is forbidden: violates PodSecurity "restricted:latest": ${RESTRICTED_PRIVILEGED_DETAIL}`,
    );
    assert.deepEqual(err.details, { name: 'x', kind: 'pods' });
    assert.equal(a.recorder.auditAnnotations['pod-security.kubernetes.io/enforce-policy'], 'restricted:latest');
    assert.deepEqual(a.recorder.warnings, [], 'a refused request gets no warning');
  });

  it('enforce with a version label names it; a compliant pod passes', async () => {
    const cluster = new FakeCluster();
    cluster.ns('r', {
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/enforce-version': 'v1.30',
    });
    const p = plugin(cluster);
    const bad = attrs({
      resource: 'pods',
      kind: 'Pod',
      namespace: 'r',
      object: pod('x', 'r', { hostNetwork: true, containers: [{ name: 'c' }] }),
    });
    assert.equal(
      (await run(p, bad))?.message,
      'pods "x" is forbidden: violates PodSecurity "baseline:v1.30": host namespaces (hostNetwork=true)',
    );
    const good = attrs({ resource: 'pods', kind: 'Pod', namespace: 'r', object: pod('y', 'r', restrictedSpec) });
    assert.equal(await run(p, good), undefined);
    assert.equal(good.recorder.auditAnnotations['pod-security.kubernetes.io/enforce-policy'], 'baseline:v1.30');
  });

  it('a generated name is what the refusal names', async () => {
    const cluster = new FakeCluster();
    cluster.ns('r', { 'pod-security.kubernetes.io/enforce': 'baseline' });
    const a = attrs({
      resource: 'pods',
      kind: 'Pod',
      namespace: 'r',
      name: '',
      object: pod('web-abcde', 'r', { hostPID: true, containers: [{ name: 'c' }] }),
    });
    assert.match(
      (await run(plugin(cluster), a))?.message ?? '',
      /^pods "web-abcde" is forbidden: violates PodSecurity "baseline:latest": host namespaces \(hostPID=true\)$/,
    );
  });

  it('warn and audit record without refusing', async () => {
    const cluster = new FakeCluster();
    cluster.ns('w', {
      'pod-security.kubernetes.io/warn': 'baseline',
      'pod-security.kubernetes.io/audit': 'restricted',
    });
    const a = attrs({ resource: 'pods', kind: 'Pod', namespace: 'w', object: pod('x', 'w', privilegedSpec) });
    assert.equal(await run(plugin(cluster), a), undefined);
    assert.deepEqual(a.recorder.warnings, [
      'would violate PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)',
    ]);
    assert.deepEqual(a.recorder.auditAnnotations, {
      'pod-security.kubernetes.io/enforce-policy': 'privileged:latest',
      'pod-security.kubernetes.io/audit-violations': `would violate PodSecurity "restricted:latest": ${RESTRICTED_PRIVILEGED_DETAIL}`,
    });
  });

  it('pod controllers are warned and audited about their template, never refused', async () => {
    const cluster = new FakeCluster();
    cluster.ns('c', {
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/warn': 'baseline',
      'pod-security.kubernetes.io/audit': 'baseline',
    });
    const p = plugin(cluster);
    const template = { metadata: { labels: { app: 'x' } }, spec: { hostNetwork: true, containers: [{ name: 'c' }] } };
    const controllers: Array<{ group: string; resource: string; kind: string; object: KubeObject }> = [
      {
        group: 'apps',
        resource: 'deployments',
        kind: 'Deployment',
        object: { metadata: { name: 'd' }, spec: { template } },
      },
      {
        group: 'apps',
        resource: 'replicasets',
        kind: 'ReplicaSet',
        object: { metadata: { name: 'd' }, spec: { template } },
      },
      {
        group: 'apps',
        resource: 'statefulsets',
        kind: 'StatefulSet',
        object: { metadata: { name: 'd' }, spec: { template } },
      },
      {
        group: 'apps',
        resource: 'daemonsets',
        kind: 'DaemonSet',
        object: { metadata: { name: 'd' }, spec: { template } },
      },
      { group: 'batch', resource: 'jobs', kind: 'Job', object: { metadata: { name: 'd' }, spec: { template } } },
      {
        group: 'batch',
        resource: 'cronjobs',
        kind: 'CronJob',
        object: { metadata: { name: 'd' }, spec: { jobTemplate: { spec: { template } } } },
      },
      {
        group: '',
        resource: 'replicationcontrollers',
        kind: 'ReplicationController',
        object: { metadata: { name: 'd' }, spec: { template } },
      },
      { group: '', resource: 'podtemplates', kind: 'PodTemplate', object: { metadata: { name: 'd' }, template } },
    ];
    for (const ctl of controllers) {
      const a = attrs({ ...ctl, namespace: 'c' });
      assert.equal(await run(p, a), undefined, ctl.resource);
      const text = 'would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true)';
      assert.deepEqual(a.recorder.warnings, [text], ctl.resource);
      assert.deepEqual(
        a.recorder.auditAnnotations,
        { 'pod-security.kubernetes.io/audit-violations': text },
        ctl.resource,
      );
    }
    const scale = attrs({ ...controllers[0], subresource: 'scale', namespace: 'c', op: 'UPDATE' });
    await run(p, scale);
    assert.deepEqual(scale.recorder.warnings, [], 'subresources of controllers are not checked');
    const noTemplate = attrs({
      group: '',
      resource: 'replicationcontrollers',
      kind: 'ReplicationController',
      namespace: 'c',
      object: { metadata: { name: 'r' }, spec: {} },
    });
    await run(p, noTemplate);
    assert.deepEqual(noTemplate.recorder.warnings, []);
  });

  it('only significant pod updates are checked; status and other subresources never', async () => {
    const cluster = new FakeCluster();
    cluster.ns('r', { 'pod-security.kubernetes.io/enforce': 'baseline' });
    const p = plugin(cluster);
    const old = pod('x', 'r', { hostPID: true, containers: [{ name: 'c', image: 'a' }] });
    const labelled = pod('x', 'r', { hostPID: true, containers: [{ name: 'c', image: 'a' }] }, { labels: { l: 'v' } });
    assert.equal(
      await run(
        p,
        attrs({ op: 'UPDATE', resource: 'pods', kind: 'Pod', namespace: 'r', object: labelled, oldObject: old }),
      ),
      undefined,
    );
    const reimaged = pod('x', 'r', { hostPID: true, containers: [{ name: 'c', image: 'b' }] });
    assert.equal(
      (
        await run(
          p,
          attrs({ op: 'UPDATE', resource: 'pods', kind: 'Pod', namespace: 'r', object: reimaged, oldObject: old }),
        )
      )?.code,
      403,
    );
    const withDebug = pod('x', 'r', {
      containers: [{ name: 'c', image: 'a' }],
      ephemeralContainers: [{ name: 'd', image: 'x', securityContext: { privileged: true } }],
    });
    const ephemeral = await run(
      p,
      attrs({
        op: 'UPDATE',
        resource: 'pods',
        kind: 'Pod',
        subresource: 'ephemeralcontainers',
        namespace: 'r',
        object: withDebug,
        oldObject: pod('x', 'r', { containers: [{ name: 'c', image: 'a' }] }),
      }),
    );
    assert.equal(
      ephemeral?.message,
      'pods "x" is forbidden: violates PodSecurity "baseline:latest": privileged (container "d" must not set securityContext.privileged=true)',
    );
    for (const sub of ['status', 'binding', 'eviction']) {
      assert.equal(
        await run(
          p,
          attrs({
            op: 'UPDATE',
            resource: 'pods',
            kind: 'Pod',
            subresource: sub,
            namespace: 'r',
            object: reimaged,
            oldObject: old,
          }),
        ),
        undefined,
        sub,
      );
    }
  });

  it('invalid namespace labels are 422 Invalid on create, and on update only when they change', async () => {
    const cluster = new FakeCluster();
    const p = plugin(cluster);
    const ns = (labels: Record<string, string>): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'n', labels },
    });
    const bad = ns({
      'pod-security.kubernetes.io/enforce': 'bogus',
      'pod-security.kubernetes.io/warn-version': 'v2.0',
    });
    const err = await run(p, attrs({ resource: 'namespaces', kind: 'Namespace', namespace: '', object: bad }));
    assert.equal(err?.code, 422);
    assert.equal(err?.reason, 'Invalid');
    assert.equal(
      err?.message,
      'Namespace "n" is invalid: [metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "bogus": must be one of privileged, baseline, restricted, metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "v2.0": must be "latest" or "v1.x"]',
    );
    assert.deepEqual(err?.details?.causes?.[0], {
      reason: 'FieldValueInvalid',
      message: 'Invalid value: "bogus": must be one of privileged, baseline, restricted',
      field: 'metadata.labels[pod-security.kubernetes.io/enforce]',
    });
    // an unrelated change to a namespace that already had the bad labels goes through
    const relabelled = ns({
      'pod-security.kubernetes.io/enforce': 'bogus',
      'pod-security.kubernetes.io/warn-version': 'v2.0',
      other: 'x',
    });
    assert.equal(
      await run(
        p,
        attrs({
          op: 'UPDATE',
          resource: 'namespaces',
          kind: 'Namespace',
          namespace: '',
          object: relabelled,
          oldObject: bad,
        }),
      ),
      undefined,
    );
    const worse = ns({ 'pod-security.kubernetes.io/enforce': 'bogus2' });
    assert.equal(
      (
        await run(
          p,
          attrs({
            op: 'UPDATE',
            resource: 'namespaces',
            kind: 'Namespace',
            namespace: '',
            object: worse,
            oldObject: bad,
          }),
        )
      )?.code,
      422,
    );
  });

  it('an invalid enforce label on a namespace enforces restricted and audits the error', async () => {
    const cluster = new FakeCluster();
    cluster.ns('bad', { 'pod-security.kubernetes.io/enforce': 'nope' });
    const a = attrs({ resource: 'pods', kind: 'Pod', namespace: 'bad', object: pod('x', 'bad', restrictedSpec) });
    assert.equal(await run(plugin(cluster), a), undefined);
    assert.equal(
      a.recorder.auditAnnotations['pod-security.kubernetes.io/error'],
      'Failed to parse policy: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "nope": must be one of privileged, baseline, restricted',
    );
    assert.equal(a.recorder.auditAnnotations['pod-security.kubernetes.io/enforce-policy'], 'restricted:latest');
  });

  it('tightening enforce warns about existing pods, grouped and counted', async () => {
    const cluster = new FakeCluster();
    cluster.ns('app');
    const owner = (uid: string) => ({
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid, controller: true }],
    });
    cluster.pods = [
      pod('web-2', 'app', { hostNetwork: true, containers: [{ name: 'c' }] }, owner('u1')),
      pod('web-1', 'app', { hostNetwork: true, containers: [{ name: 'c' }] }, owner('u1')),
      pod('db', 'app', { containers: [{ name: 'c', securityContext: { privileged: true } }] }),
      pod('ok', 'app', { containers: [{ name: 'c' }] }),
      pod('elsewhere', 'other', { hostPID: true, containers: [{ name: 'c' }] }),
    ];
    const p = plugin(cluster);
    const before: KubeObject = { kind: 'Namespace', metadata: { name: 'app' } };
    const afterNs: KubeObject = {
      kind: 'Namespace',
      metadata: { name: 'app', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } },
    };
    const a = attrs({
      op: 'UPDATE',
      resource: 'namespaces',
      kind: 'Namespace',
      namespace: '',
      name: 'app',
      object: afterNs,
      oldObject: before,
    });
    assert.equal(await run(p, a), undefined);
    assert.deepEqual(a.recorder.warnings, [
      'existing pods in namespace "app" violate the new PodSecurity enforce level "baseline:latest"',
      'db: privileged',
      'web-1 (and 1 other pod): host namespaces',
    ]);
    // relaxing, or relabelling without changing enforce, does not look at pods
    const relaxed = attrs({
      op: 'UPDATE',
      resource: 'namespaces',
      kind: 'Namespace',
      namespace: '',
      name: 'app',
      object: before,
      oldObject: afterNs,
    });
    await run(p, relaxed);
    assert.deepEqual(relaxed.recorder.warnings, []);
  });

  it('the pod check is bounded by count and time', () => {
    const pods = Array.from({ length: 5 }, (_, i) => pod(`p${i}`, 'n', { hostIPC: true, containers: [{ name: 'c' }] }));
    const enforce = { level: 'baseline' as const, version: LATEST };
    assert.deepEqual(existingPodWarnings('n', enforce, pods, { maxPods: 2, exemptRuntimeClass: () => false }), [
      'new PodSecurity enforce level only checked against the first 2 of 5 existing pods',
      'existing pods in namespace "n" violate the new PodSecurity enforce level "baseline:latest"',
      'p0 (and 1 other pod): host namespaces',
    ]);
    let t = 0;
    const slow = existingPodWarnings('n', enforce, pods, {
      timeoutMs: 1000,
      now: () => (t += 1100),
      exemptRuntimeClass: () => false,
    });
    assert.equal(slow[0], 'new PodSecurity enforce level only checked against the first 1 of 5 existing pods');
    assert.equal(slow[2], 'p0: host namespaces');
  });

  it('exemptions from the admission configuration file: namespaces, users, runtime classes', async () => {
    const cluster = new FakeCluster();
    for (const n of ['kube-system', 'team']) cluster.ns(n, { 'pod-security.kubernetes.io/enforce': 'restricted' });
    const p = plugin(
      cluster,
      [
        'apiVersion: apiserver.config.k8s.io/v1',
        'kind: AdmissionConfiguration',
        'plugins:',
        '- name: PodSecurity',
        '  configuration:',
        '    apiVersion: pod-security.admission.config.k8s.io/v1',
        '    kind: PodSecurityConfiguration',
        '    defaults:',
        '      enforce: baseline',
        '      warn: restricted',
        '    exemptions:',
        '      usernames: ["system:serviceaccount:kube-system:replicaset-controller"]',
        '      runtimeClasses: ["kata"]',
        '      namespaces: ["kube-system"]',
      ].join('\n'),
    );
    const ns = attrs({
      resource: 'pods',
      kind: 'Pod',
      namespace: 'kube-system',
      object: pod('x', 'kube-system', privilegedSpec),
    });
    assert.equal(await run(p, ns), undefined);
    assert.deepEqual(ns.recorder.auditAnnotations, { 'pod-security.kubernetes.io/exempt': 'namespace' });
    const user = attrs({
      resource: 'pods',
      kind: 'Pod',
      namespace: 'team',
      object: pod('x', 'team', privilegedSpec),
      user: 'system:serviceaccount:kube-system:replicaset-controller',
    });
    assert.equal(await run(p, user), undefined);
    assert.deepEqual(user.recorder.auditAnnotations, { 'pod-security.kubernetes.io/exempt': 'user' });
    const rc = attrs({
      resource: 'pods',
      kind: 'Pod',
      namespace: 'team',
      object: pod('x', 'team', { ...privilegedSpec, runtimeClassName: 'kata' }),
    });
    assert.equal(await run(p, rc), undefined);
    assert.deepEqual(rc.recorder.auditAnnotations, { 'pod-security.kubernetes.io/exempt': 'runtimeClass' });
    assert.equal(
      (
        await run(
          p,
          attrs({ resource: 'pods', kind: 'Pod', namespace: 'team', object: pod('x', 'team', privilegedSpec) }),
        )
      )?.code,
      403,
    );
    // the configured defaults apply to an unlabelled namespace
    cluster.ns('fresh');
    const fresh = attrs({
      resource: 'pods',
      kind: 'Pod',
      namespace: 'fresh',
      object: pod('x', 'fresh', privilegedSpec),
    });
    assert.match((await run(p, fresh))?.message ?? '', /violates PodSecurity "baseline:latest": privileged/);
    const compliant = attrs({
      resource: 'pods',
      kind: 'Pod',
      namespace: 'fresh',
      object: pod('y', 'fresh', { containers: [{ name: 'c' }] }),
    });
    assert.equal(await run(p, compliant), undefined);
    assert.equal(compliant.recorder.warnings.length, 1);
    assert.match(
      compliant.recorder.warnings[0],
      /^would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false/,
    );
    // labelling an exempt namespace stricter than the defaults says the labels are ignored
    const label = attrs({
      op: 'UPDATE',
      resource: 'namespaces',
      kind: 'Namespace',
      namespace: '',
      name: 'kube-system',
      object: { metadata: { name: 'kube-system', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
      oldObject: { metadata: { name: 'kube-system' } },
    });
    await run(p, label);
    assert.deepEqual(label.recorder.warnings, [
      'namespace "kube-system" is exempt from Pod Security, and the policy (enforce=restricted:latest) will be ignored',
    ]);
  });

  it('a broken configuration stops the plugin from being built', () => {
    const cluster = new FakeCluster();
    const head =
      'apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  configuration:\n';
    assert.throws(
      () =>
        plugin(
          cluster,
          `${head}    apiVersion: pod-security.admission.config.k8s.io/v1\n    kind: PodSecurityConfiguration\n    defaults:\n      enforce: strict\n`,
        ),
      /PodSecurity invalid: defaults.enforce: Invalid value: "strict": must be one of privileged, baseline, restricted/,
    );
    assert.throws(
      () => plugin(cluster, `${head}    apiVersion: v1\n    kind: ConfigMap\n`),
      /PodSecurityConfiguration/,
    );
    assert.throws(() => plugin(cluster, 'kind: [unclosed'), /unable to read admission control configuration/);
  });
});

describe('admission configuration file', () => {
  it('reads inline configurations and ones in files relative to it', () => {
    const dir = mkdtempSync(path.join(tmp, 'cfg-'));
    writeFileSync(
      path.join(dir, 'psa.yaml'),
      'apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\ndefaults:\n  audit: restricted\n',
    );
    writeFileSync(
      path.join(dir, 'admission.yaml'),
      'apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  path: psa.yaml\n- name: EventRateLimit\n  configuration: {kind: Configuration}\n',
    );
    const cfg = admissionConfigFile(path.join(dir, 'admission.yaml'));
    assert.equal(parsePodSecurityConfiguration(cfg.pluginConfig('PodSecurity')).defaults.audit.level, 'restricted');
    assert.deepEqual(cfg.pluginConfig('EventRateLimit'), { kind: 'Configuration' });
    assert.equal(cfg.pluginConfig('ResourceQuota'), undefined);
    assert.equal(admissionConfigFile('').pluginConfig('PodSecurity'), undefined);
  });

  it('refuses other kinds and malformed plugin lists', () => {
    const read = (): string => '';
    assert.throws(
      () => parseAdmissionConfig('kind: Other\napiVersion: v1\n', 'f', read),
      /expected kind AdmissionConfiguration/,
    );
    assert.throws(
      () =>
        parseAdmissionConfig(
          'apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins: 3\n',
          'f',
          read,
        ),
      /plugins must be a list/,
    );
    assert.throws(
      () =>
        parseAdmissionConfig(
          'apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins: [{}]\n',
          'f',
          read,
        ),
      /needs a name/,
    );
  });
});

describe('namespace labels to policy', () => {
  it('labels override defaults per mode; invalid audit and warn fail open', () => {
    const { policy, errors } = policyToEvaluate(
      {
        'pod-security.kubernetes.io/audit': 'x',
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/warn-version': 'v1.25',
      },
      DEFAULT_POLICY,
    );
    assert.equal(policy.audit.level, 'privileged');
    assert.deepEqual(policy.warn, { level: 'restricted', version: { latest: false, minor: 25 } });
    assert.equal(errors.length, 1);
    for (const v of ['v1', 'v1.01', '1.25', 'v2.1', 'v1.-1', 'Latest']) {
      assert.equal(
        policyToEvaluate({ 'pod-security.kubernetes.io/enforce-version': v }, DEFAULT_POLICY).errors.length,
        1,
        v,
      );
    }
  });
});
