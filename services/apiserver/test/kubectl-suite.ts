import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { kubectl, kubectlOk, kubectlWatch } from './helpers/kubectl';

export const NGINX_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports:
        - containerPort: 80
`;

/**
 * The kubectl end-to-end checks of the foundation issue, run unchanged against
 * a replica on each storage backend.
 */
export function kubectlSuite(kubeconfig: () => string): void {
  const k = (args: string[], stdin?: string) => kubectl(kubeconfig(), args, stdin);
  const ok = (args: string[], stdin?: string) => kubectlOk(kubeconfig(), args, stdin);

  test('system namespaces exist', async () => {
    const out = await ok(['get', 'namespaces', '-o', 'name']);
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      assert.match(out, new RegExp(`^namespace/${ns}$`, 'm'));
    }
  });

  test('readyz verbose lists checks', async () => {
    const out = await ok(['get', '--raw', '/readyz?verbose']);
    assert.match(out, /\[\+\]etcd ok/);
    assert.match(out, /readyz check passed/);
  });

  test('api-resources lists the served resources', async () => {
    const out = await ok(['api-resources']);
    for (const line of [
      /^configmaps\s+cm\s+v1\s+true\s+ConfigMap$/m,
      /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m,
      /^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease$/m,
      /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m,
    ]) {
      assert.match(out, line);
    }
  });

  test('namespace create, get, apply, delete', async () => {
    await ok(['create', 'namespace', 'e2e-ns']);
    const got = JSON.parse(await ok(['get', 'namespace', 'e2e-ns', '-o', 'json'])) as {
      status: { phase: string };
      metadata: { labels: Record<string, string> };
    };
    assert.equal(got.status.phase, 'Active');
    assert.equal(got.metadata.labels['kubernetes.io/metadata.name'], 'e2e-ns');
    const applied = await ok(['apply', '-f', '-'], 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: e2e-applied\n');
    assert.match(applied, /namespace\/e2e-applied created/);
    await ok(['delete', 'namespace', 'e2e-applied', '--timeout=60s']);
    const gone = await k(['get', 'namespace', 'e2e-applied']);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /NotFound|not found/);
  });

  test('configmap from literal (protobuf body) and secret generic', async () => {
    await ok(['create', 'configmap', 'lit', '--from-literal=a=1', '--from-literal=b=two', '-n', 'e2e-ns']);
    const cm = JSON.parse(await ok(['get', 'cm', 'lit', '-n', 'e2e-ns', '-o', 'json'])) as {
      data: Record<string, string>;
    };
    assert.deepEqual(cm.data, { a: '1', b: 'two' });
    await ok(['create', 'secret', 'generic', 's1', '--from-literal=password=hunter2', '-n', 'e2e-ns']);
    const s = JSON.parse(await ok(['get', 'secret', 's1', '-n', 'e2e-ns', '-o', 'json'])) as {
      type: string;
      data: Record<string, string>;
    };
    assert.equal(s.type, 'Opaque');
    assert.equal(Buffer.from(s.data.password, 'base64').toString(), 'hunter2');
    const table = await ok(['get', 'secret', 's1', '-n', 'e2e-ns']);
    assert.match(table, /^NAME\s+TYPE\s+DATA\s+AGE$/m);
    assert.match(table, /^s1\s+Opaque\s+1\s+\d+s$/m);
  });

  test('configmap apply creates, re-apply is unchanged, delete removes', async () => {
    const doc = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: e2e-ns\ndata:\n  k: v\n';
    assert.match(await ok(['apply', '-f', '-'], doc), /configmap\/applied created/);
    assert.match(await ok(['apply', '-f', '-'], doc), /configmap\/applied unchanged/);
    const table = await ok(['get', 'cm', 'applied', '-n', 'e2e-ns']);
    assert.match(table, /^NAME\s+DATA\s+AGE$/m);
    assert.match(table, /^applied\s+1\s+/m);
    assert.match(await ok(['delete', 'cm', 'applied', '-n', 'e2e-ns']), /configmap "applied" deleted/);
  });

  test('nginx deployment: create, defaults in -o yaml, table, delete', async () => {
    assert.match(
      await ok(['create', '-f', '-', '-n', 'e2e-ns'], NGINX_DEPLOYMENT),
      /deployment.apps\/nginx-deployment created/,
    );
    const y = parseYaml(await ok(['get', 'deploy', 'nginx-deployment', '-n', 'e2e-ns', '-o', 'yaml'])) as {
      metadata: { generation: number };
      spec: {
        replicas: number;
        revisionHistoryLimit: number;
        progressDeadlineSeconds: number;
        strategy: { type: string; rollingUpdate: { maxSurge: string; maxUnavailable: string } };
        template: {
          spec: {
            restartPolicy: string;
            dnsPolicy: string;
            schedulerName: string;
            terminationGracePeriodSeconds: number;
            securityContext: object;
            containers: Array<Record<string, unknown>>;
          };
        };
      };
    };
    assert.equal(y.metadata.generation, 1);
    assert.equal(y.spec.replicas, 3);
    assert.equal(y.spec.revisionHistoryLimit, 10);
    assert.equal(y.spec.progressDeadlineSeconds, 600);
    assert.deepEqual(y.spec.strategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
    });
    const pod = y.spec.template.spec;
    assert.equal(pod.restartPolicy, 'Always');
    assert.equal(pod.dnsPolicy, 'ClusterFirst');
    assert.equal(pod.schedulerName, 'default-scheduler');
    assert.equal(pod.terminationGracePeriodSeconds, 30);
    assert.deepEqual(pod.securityContext, {});
    const c = pod.containers[0];
    assert.equal(c.imagePullPolicy, 'IfNotPresent');
    assert.equal(c.terminationMessagePath, '/dev/termination-log');
    assert.equal(c.terminationMessagePolicy, 'File');
    assert.deepEqual(c.ports, [{ containerPort: 80, protocol: 'TCP' }]);
    const table = await ok(['get', 'deploy', '-n', 'e2e-ns', '-o', 'wide']);
    assert.match(table, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/m);
    assert.match(table, /^nginx-deployment\s+0\/3\s+0\s+0\s+\S+\s+nginx\s+nginx:1\.14\.2\s+app=nginx$/m);
    assert.match(
      await ok(['apply', '-f', '-', '-n', 'e2e-ns'], NGINX_DEPLOYMENT),
      /deployment.apps\/nginx-deployment (configured|unchanged)/,
    );
    assert.match(
      await ok(['delete', 'deploy', 'nginx-deployment', '-n', 'e2e-ns']),
      /deployment.apps "nginx-deployment" deleted/,
    );
  });

  test('missing object is NotFound', async () => {
    const r = await k(['get', 'cm', 'does-not-exist', '-n', 'e2e-ns']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Error from server \(NotFound\): configmaps "does-not-exist" not found/);
  });

  test('stale update is a Conflict', async () => {
    await ok(['create', 'configmap', 'cas', '--from-literal=v=1', '-n', 'e2e-ns']);
    const stale = JSON.parse(await ok(['get', 'cm', 'cas', '-n', 'e2e-ns', '-o', 'json'])) as {
      data: Record<string, string>;
    };
    await ok(['patch', 'cm', 'cas', '-n', 'e2e-ns', '--type=merge', '-p', '{"data":{"v":"2"}}']);
    stale.data.v = '3';
    const r = await k(['replace', '-f', '-'], JSON.stringify(stale));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Conflict/);
    assert.match(r.stderr, /the object has been modified/);
  });

  test('get -w sees ADDED, MODIFIED, DELETED', async () => {
    await ok(['create', 'namespace', 'e2e-watch']);
    const w = kubectlWatch(kubeconfig(), ['get', 'cm', '-n', 'e2e-watch', '-w', '--output-watch-events']);
    try {
      await new Promise((r) => setTimeout(r, 1500));
      await ok(['create', 'configmap', 'w1', '--from-literal=a=1', '-n', 'e2e-watch']);
      await w.waitFor((o) => /ADDED\s+w1/.test(o));
      await ok(['patch', 'cm', 'w1', '-n', 'e2e-watch', '--type=merge', '-p', '{"data":{"a":"2"}}']);
      await w.waitFor((o) => /MODIFIED\s+w1/.test(o));
      await ok(['delete', 'cm', 'w1', '-n', 'e2e-watch']);
      await w.waitFor((o) => /DELETED\s+w1/.test(o));
    } finally {
      w.stop();
    }
  });

  test('get --chunk-size=10 over 100 configmaps', async () => {
    await ok(['create', 'namespace', 'e2e-chunks']);
    const docs = Array.from(
      { length: 100 },
      (_, i) =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c-${String(i).padStart(3, '0')}\n  namespace: e2e-chunks\ndata:\n  i: "${i}"\n`,
    );
    await ok(['create', '-f', '-'], docs.join('---\n'));
    const out = await ok(['get', 'cm', '-n', 'e2e-chunks', '--chunk-size=10', '-o', 'name', '-v=6']);
    const names = out.split('\n').filter((l) => l.startsWith('configmap/c-'));
    assert.equal(names.length, 100);
    assert.equal(new Set(names).size, 100);
    const table = await ok(['get', 'cm', '-n', 'e2e-chunks', '--chunk-size=10', '--no-headers']);
    assert.equal(table.split('\n').filter((l) => l.startsWith('c-')).length, 100);
  });

  test('invalid name is Invalid with a field path', async () => {
    const r = await k(['create', 'configmap', 'Bad_Name', '-n', 'e2e-ns']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Invalid/);
    assert.match(r.stderr, /metadata.name/);
  });
}
