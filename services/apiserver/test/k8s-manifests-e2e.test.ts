import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { kubeconfigCredentials } from './helpers/client';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { REPO_ROOT, startReplicaProcess, type ReplicaProcess } from './helpers/replica';

/**
 * infra/k8s rendered by the real kubectl's kustomize and dry-run applied
 * (--dry-run=server: every object through kapi's validation and admission, none
 * stored) against a real replica, with the Secrets the real pki-secret.sh prints.
 */

const K8S_DIR = path.join(REPO_ROOT, 'infra/k8s');

type Obj = Record<string, unknown> & { kind: string; metadata: { name: string; labels?: Record<string, string> } };
interface Container {
  name: string;
  args?: string[];
  ports?: Array<{ name: string; containerPort: number }>;
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  readinessProbe?: { httpGet?: { scheme?: string; path?: string; port?: string } };
  livenessProbe?: { httpGet?: { scheme?: string; path?: string; port?: string } };
  resources?: { requests?: Record<string, string> };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[] };
  };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type: string } };
  affinity?: { podAntiAffinity?: Record<string, unknown[]> };
  volumes?: Array<{ name: string; secret?: { secretName: string } }>;
}
interface Workload {
  spec: {
    replicas: number;
    serviceName?: string;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}

function parseDocs(text: string): Obj[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
}

function find<T>(objs: Obj[], kind: string, name: string): Obj & T {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind} ${name} is in the rendered manifests`);
  return o as Obj & T;
}

/** The value of `--name=value` in args. */
function flag(args: string[] | undefined, name: string): string | undefined {
  const prefix = `--${name}=`;
  return args?.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

function seconds(duration: string): number {
  const m = /^(\d+)s$/.exec(duration);
  assert.ok(m, `duration ${duration} in whole seconds`);
  return Number(m[1]);
}

/** A Pod with a workload's template, so PodSecurity's enforce level judges it as it would the pods it makes. */
function podFromTemplate(name: string, w: Workload): string {
  const spec: PodSpec = structuredClone(w.spec.template.spec);
  // a StatefulSet's claim templates become volumes of its pods
  const claimed = (w.spec as { volumeClaimTemplates?: Array<{ metadata: { name: string } }> }).volumeClaimTemplates;
  const volumes: Array<Record<string, unknown>> = spec.volumes ?? [];
  for (const c of claimed ?? []) volumes.push({ name: c.metadata.name, emptyDir: {} });
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'kapi', labels: { test: 'psa' } },
    spec: { ...spec, volumes },
  });
}

const PSA_WARNING = /Warning: would violate PodSecurity/;

describe('infra/k8s: kustomize and a server-side dry run against kapi', () => {
  let replica: ReplicaProcess;
  let kc: string;
  let dir: string;
  let rendered: Obj[];
  let secrets: Obj[];
  let overlay: string;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-k8s-'));
    const [started, render, script] = await Promise.all([
      startReplicaProcess(),
      kubectlOk('', ['kustomize', K8S_DIR]),
      // the very script the docs name, its PKI kept in the temporary dir
      promisify(execFile)(path.join(K8S_DIR, 'pki-secret.sh'), ['kapi.example.com'], {
        cwd: REPO_ROOT,
        env: { ...process.env, KAPI_PKI_OUT: path.join(dir, 'pki-out') },
      }),
    ]);
    replica = started;
    kc = replica.kubeconfig;
    rendered = parseDocs(render);
    secrets = parseDocs(script.stdout);
    // an overlay: the manifests as they are plus the script's Secrets, so one dry run covers all
    overlay = path.join(dir, 'overlay');
    mkdirSync(overlay);
    writeFileSync(path.join(overlay, 'secrets.yaml'), script.stdout);
    writeFileSync(
      path.join(overlay, 'kustomization.yaml'),
      `resources:\n  - ${path.relative(overlay, K8S_DIR)}\n  - secrets.yaml\n`,
    );
  });
  after(async () => {
    await replica?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('renders the namespace, both workloads, their Services and disruption budgets', () => {
    assert.deepEqual(rendered.map((o) => `${o.kind}/${o.metadata.name}`).sort(), [
      'Deployment/kapi',
      'Namespace/kapi',
      'PodDisruptionBudget/etcd',
      'PodDisruptionBudget/kapi',
      'Service/etcd',
      'Service/kapi',
      'StatefulSet/etcd',
    ]);
    const ns = find(rendered, 'Namespace', 'kapi');
    for (const mode of ['enforce', 'warn', 'audit']) {
      assert.equal(ns.metadata.labels?.[`pod-security.kubernetes.io/${mode}`], 'restricted', mode);
    }
    assert.deepEqual(
      secrets.map((s) => [s.kind, s.metadata.name, Object.keys(s.data as object).sort()]),
      [
        ['Secret', 'kapi-pki', ['admin.crt', 'admin.key', 'apiserver.crt', 'apiserver.key', 'ca.crt', 'ca.key']],
        ['Secret', 'kapi-service-account', ['sa.key', 'sa.pub']],
      ],
    );
  });

  test('the kapi Deployment: probes, preStop matching the shutdown delay, anti-affinity, non-root, requests', () => {
    const d = find<Workload>(rendered, 'Deployment', 'kapi');
    assert.ok(d.spec.replicas >= 2, 'several replicas');
    const pod = d.spec.template.spec;
    const [c] = pod.containers;
    assert.deepEqual(c.readinessProbe?.httpGet, { scheme: 'HTTPS', path: '/readyz', port: 'https' });
    assert.deepEqual(c.livenessProbe?.httpGet, { scheme: 'HTTPS', path: '/livez', port: 'https' });
    assert.deepEqual(c.ports, [{ name: 'https', containerPort: Number(flag(c.args, 'secure-port')) }]);
    const delay = seconds(flag(c.args, 'shutdown-delay-duration') ?? '');
    assert.ok(delay > 0);
    assert.equal(c.lifecycle?.preStop?.sleep?.seconds, delay, 'preStop sleeps as long as --shutdown-delay-duration');
    // preStop, then the delay, then up to 60 s for requests in flight must fit in the grace period
    assert.ok((pod.terminationGracePeriodSeconds ?? 30) > 2 * delay + 60, 'grace period covers the drain');
    const anti = pod.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution as
      Array<{ podAffinityTerm: { topologyKey: string; labelSelector: { matchLabels: object } } }> | undefined;
    assert.equal(anti?.[0].podAffinityTerm.topologyKey, 'kubernetes.io/hostname');
    assert.deepEqual(anti?.[0].podAffinityTerm.labelSelector.matchLabels, d.spec.selector.matchLabels);
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault');
    assert.deepEqual(c.securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    assert.ok(c.resources?.requests?.cpu && c.resources.requests.memory, 'cpu and memory requests');
    const pdb = find<{ spec: { maxUnavailable: number; selector: { matchLabels: object } } }>(
      rendered,
      'PodDisruptionBudget',
      'kapi',
    );
    assert.deepEqual(pdb.spec.selector.matchLabels, d.spec.selector.matchLabels);
    assert.ok(pdb.spec.maxUnavailable < d.spec.replicas);
  });

  test("every file the kapi flags name is a key of the Secret mounted there; etcd flags name the StatefulSet's members", () => {
    const d = find<Workload>(rendered, 'Deployment', 'kapi');
    const pod = d.spec.template.spec;
    const [c] = pod.containers;
    const fileFlags = [
      'tls-cert-file',
      'tls-private-key-file',
      'client-ca-file',
      'service-account-signing-key-file',
      'service-account-key-file',
    ];
    for (const f of fileFlags) {
      const file = flag(c.args, f);
      assert.ok(file, `--${f} is set`);
      const mount = c.volumeMounts?.find((m) => path.dirname(file) === m.mountPath);
      assert.ok(mount?.readOnly, `${file} is on a read-only mount`);
      const secretName = pod.volumes?.find((v) => v.name === mount.name)?.secret?.secretName;
      const secret = secrets.find((s) => s.metadata.name === secretName);
      assert.ok(secret, `--${f}: the volume is the Secret ${secretName} pki-secret.sh prints`);
      assert.ok(path.basename(file) in (secret.data as object), `${path.basename(file)} is a key of ${secretName}`);
    }
    const sts = find<Workload>(rendered, 'StatefulSet', 'etcd');
    assert.equal(sts.spec.replicas, 3);
    const headless = find<{ spec: { clusterIP: string } }>(rendered, 'Service', sts.spec.serviceName ?? '');
    assert.equal(headless.spec.clusterIP, 'None');
    const members = [0, 1, 2].map((i) => `http://etcd-${i}.${sts.spec.serviceName}.kapi.svc:2379`);
    assert.equal(flag(c.args, 'etcd-servers'), members.join(','));
    assert.equal(flag(c.args, 'storage-backend'), 'etcd3');
    const etcdPod = sts.spec.template.spec;
    assert.equal(etcdPod.securityContext?.runAsNonRoot, true);
    assert.equal(etcdPod.securityContext?.seccompProfile?.type, 'RuntimeDefault');
    assert.deepEqual(etcdPod.containers[0].securityContext?.capabilities, { drop: ['ALL'] });
    assert.ok(find(rendered, 'PodDisruptionBudget', 'etcd'));
  });

  test("the Deployment's kapi flags start a replica from the Secrets' files, writing nothing next to them", async () => {
    const d = find<Workload>(rendered, 'Deployment', 'kapi');
    const pod = d.spec.template.spec;
    const [c] = pod.containers;
    // each Secret volume becomes a directory holding its keys, as the kubelet mounts it
    const mounts = new Map<string, string>();
    for (const m of c.volumeMounts ?? []) {
      const secretName = pod.volumes?.find((v) => v.name === m.name)?.secret?.secretName;
      const secret = secrets.find((x) => x.metadata.name === secretName);
      if (!secret) continue;
      const local = path.join(dir, 'mounts', m.name);
      mkdirSync(local, { recursive: true });
      for (const [key, b64] of Object.entries(secret.data as Record<string, string>)) {
        writeFileSync(path.join(local, key), Buffer.from(b64, 'base64'), { mode: 0o440 });
      }
      mounts.set(m.mountPath, local);
    }
    const here = (a: string): string => {
      for (const [from, to] of mounts)
        if (a.includes(`=${from}/`) || a.endsWith(`=${from}`)) return a.replace(from, to);
      return a;
    };
    // loopback, a free port and the embedded store stand in for the pod network and etcd
    const podOnly =
      /^--(bind-address|secure-port|advertise-address|data-dir|storage-backend|etcd-servers|shutdown-delay-duration)=/;
    const args = (c.args ?? []).filter((a) => !podOnly.test(a)).map(here);
    assert.equal(args.length, 6, args.join(' '));
    const before = [...mounts.values()].map((m) => readdirSync(m).sort());
    const r = await startReplicaProcess({ args });
    try {
      assert.match(await kubectlOk(r.kubeconfig, ['get', '--raw', '/readyz']), /^ok/);
      // the admin client certificate from kapi-pki is a cluster admin
      assert.equal((await kubectlOk(r.kubeconfig, ['auth', 'can-i', '*', '*'])).trim(), 'yes');
      // tokens are signed with kapi-service-account's key: one minted here is accepted here
      const token = (await kubectlOk(r.kubeconfig, ['create', 'token', 'default', '-n', 'default'])).trim();
      // a kubeconfig with the token alone: a client certificate would authenticate first
      const creds = kubeconfigCredentials(r.kubeconfig);
      const tokenKc = path.join(dir, 'token.kubeconfig');
      writeFileSync(
        tokenKc,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            { name: 'c', cluster: { server: creds.server, 'certificate-authority-data': creds.ca.toString('base64') } },
          ],
          users: [{ name: 'sa', user: { token } }],
          contexts: [{ name: 'c', context: { cluster: 'c', user: 'sa' } }],
          'current-context': 'c',
        }),
      );
      const whoami = await kubectlOk(tokenKc, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
      assert.equal(whoami, 'system:serviceaccount:default:default');
    } finally {
      await r.cleanup();
    }
    assert.deepEqual(
      [...mounts.values()].map((m) => readdirSync(m).sort()),
      before,
      'no file was written into the Secret mounts',
    );
  });

  test('kubectl apply --dry-run=server -k accepts every object, with no PodSecurity warning, and stores none', async () => {
    // a dry run creates no namespace, so the objects in it need the real one first (as infra/README.md says)
    const ns = find(rendered, 'Namespace', 'kapi');
    await kubectlOk(kc, ['apply', '-f', '-'], JSON.stringify(ns));
    const r = await kubectl(kc, ['apply', '--dry-run=server', '-k', overlay]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'no warnings at all');
    const lines = r.stdout.trim().split('\n').sort();
    assert.deepEqual(lines, [
      'deployment.apps/kapi created (server dry run)',
      'namespace/kapi unchanged (server dry run)',
      'poddisruptionbudget.policy/etcd created (server dry run)',
      'poddisruptionbudget.policy/kapi created (server dry run)',
      'secret/kapi-pki created (server dry run)',
      'secret/kapi-service-account created (server dry run)',
      'service/etcd created (server dry run)',
      'service/kapi created (server dry run)',
      'statefulset.apps/etcd created (server dry run)',
    ]);
    const left = await kubectlOk(kc, ['get', 'all,secrets,pdb', '-n', 'kapi', '-o', 'name']);
    assert.deepEqual(
      left.split('\n').filter((l) => l && !l.includes('kube-root-ca') && !l.startsWith('secret/default')),
      [],
    );
  });

  test('the dry run validates: a broken copy of the Deployment is refused with upstream field paths', async () => {
    const d = structuredClone(find<Workload>(rendered, 'Deployment', 'kapi'));
    d.spec.template.spec.containers[0].readinessProbe = {};
    d.spec.template.metadata.labels = { other: 'x' };
    const r = await kubectl(kc, ['apply', '--dry-run=server', '-f', '-'], JSON.stringify(d));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The Deployment "kapi" is invalid/);
    assert.match(
      r.stderr,
      /spec\.template\.spec\.containers\[0\]\.readinessProbe: Required value: must specify a handler type/,
    );
    assert.match(
      r.stderr,
      /spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`/,
    );
  });

  test("PodSecurity restricted: the templates' pods are admitted where it is enforced, a weaker one is refused", async () => {
    const d = find<Workload>(rendered, 'Deployment', 'kapi');
    const sts = find<Workload>(rendered, 'StatefulSet', 'etcd');
    for (const [name, w] of [
      ['kapi-pod', d],
      ['etcd-pod', sts],
    ] as const) {
      const r = await kubectl(kc, ['create', '--dry-run=server', '-f', '-'], podFromTemplate(name, w));
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, PSA_WARNING);
    }
    // the same pod without its seccomp profile: enforce=restricted refuses it
    const weaker = structuredClone(d);
    delete weaker.spec.template.spec.securityContext?.seccompProfile;
    const refused = await kubectl(kc, ['create', '--dry-run=server', '-f', '-'], podFromTemplate('weak', weaker));
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /violates PodSecurity "restricted:latest": seccompProfile/);
    // and as a Deployment it is admitted with warn=restricted's warning
    const warned = await kubectl(kc, ['apply', '--dry-run=server', '-f', '-'], JSON.stringify(weaker));
    assert.equal(warned.code, 0, warned.stderr);
    assert.match(warned.stderr, PSA_WARNING);
  });
});
