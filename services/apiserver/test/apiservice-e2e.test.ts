import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.aggr.example.com
spec:
  group: aggr.example.com
  scope: Namespaced
  names: {plural: widgets, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
`;

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface ApiServiceJson {
  metadata: { labels?: Record<string, string> };
  spec: { groupPriorityMinimum: number; versionPriority: number; service?: unknown };
  status: { conditions?: Array<{ type: string; status: string; reason: string; message: string }> };
}

describe('APIServices (real kubectl, one replica)', () => {
  let replica: ReplicaProcess;
  let kc: string;

  before(async () => {
    replica = await startReplicaProcess();
    kc = replica.kubeconfig;
  });
  after(async () => {
    await replica?.cleanup();
  });

  it('lists a Local, available APIService for every built-in group/version', async () => {
    // /readyz holds until every built-in APIService is registered and available, as upstream's
    // autoregister-completion check: once ready, the table is whole
    const verbose = await until('/readyz', async () => {
      const out = await kubectlOk(kc, ['get', '--raw', '/readyz?verbose']);
      return /readyz check passed/.test(out) ? out : undefined;
    });
    assert.match(verbose, /^\[\+\]autoregister-completion ok$/m);
    const table = await kubectlOk(kc, ['get', 'apiservices']);
    assert.match(table, /^NAME\s+SERVICE\s+AVAILABLE\s+AGE$/m);
    for (const name of ['v1.', 'v1.apps', 'v1.apiregistration.k8s.io', 'v2.autoscaling', 'v1.apiextensions.k8s.io'])
      assert.match(table, new RegExp(`^${name.replace(/\./g, '\\.')}\\s+Local\\s+True\\s`, 'm'), table);
    const core = JSON.parse(await kubectlOk(kc, ['get', 'apiservice', 'v1.', '-o', 'json'])) as ApiServiceJson;
    assert.equal(core.metadata.labels?.['kube-aggregator.kubernetes.io/automanaged'], 'onstart');
    assert.deepEqual([core.spec.groupPriorityMinimum, core.spec.versionPriority], [18000, 1]);
    const available = core.status.conditions?.find((c) => c.type === 'Available');
    assert.deepEqual(
      [available?.status, available?.reason, available?.message],
      ['True', 'Local', 'Local APIServices are always available'],
    );
  });

  it('registers a CRD group/version and removes it with the CRD', async () => {
    await kubectlOk(kc, ['apply', '-f', '-'], CRD);
    const svc = await until('the CRD APIService', async () => {
      const r = await kubectl(kc, ['get', 'apiservice', 'v1.aggr.example.com', '-o', 'json']);
      return r.code === 0 ? (JSON.parse(r.stdout) as ApiServiceJson) : undefined;
    });
    assert.equal(svc.metadata.labels?.['kube-aggregator.kubernetes.io/automanaged'], 'true');
    assert.deepEqual([svc.spec.groupPriorityMinimum, svc.spec.versionPriority], [1000, 100]);
    assert.match(await kubectlOk(kc, ['get', 'apiservices']), /^v1\.aggr\.example\.com\s+Local\s+True\s/m);

    await kubectlOk(kc, ['delete', 'crd', 'widgets.aggr.example.com']);
    await until('the CRD APIService to go', async () => {
      const r = await kubectl(kc, ['get', 'apiservice', 'v1.aggr.example.com']);
      return r.code !== 0 && /NotFound/.test(r.stderr) ? true : undefined;
    });
  });

  it('refuses an APIService whose name is not version.group', async () => {
    const bad = `apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: wrong}
spec: {group: x.example.com, version: v1, groupPriorityMinimum: 100, versionPriority: 10}
`;
    const r = await kubectl(kc, ['create', '-f', '-'], bad);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /metadata.name: Invalid value: "wrong": must be `spec.version\+"."\+spec.group`: "v1.x.example.com"/,
    );
  });
});
