import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AppsV1Api, CoreV1Api, KubeConfig, Watch, type V1ConfigMap } from '@kubernetes/client-node';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

/** @kubernetes/client-node against a replica: typed calls, errors and a watch. */
describe('@kubernetes/client-node', () => {
  let replica: ReplicaProcess | undefined;
  let kc: KubeConfig;
  before(async () => {
    replica = await startReplicaProcess();
    kc = new KubeConfig();
    kc.loadFromFile(replica.kubeconfig);
  });
  after(async () => {
    await replica?.cleanup();
  });

  test('create, read, list with selector, patch, delete, NotFound', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'js' } } });
    const body: V1ConfigMap = { metadata: { name: 'jscm', labels: { lang: 'ts' } }, data: { a: '1' } };
    const created = await core.createNamespacedConfigMap({ namespace: 'js', body });
    assert.match(created.metadata?.resourceVersion ?? '', /^\d+$/);
    const got = await core.readNamespacedConfigMap({ name: 'jscm', namespace: 'js' });
    assert.deepEqual(got.data, { a: '1' });
    const list = await core.listNamespacedConfigMap({ namespace: 'js', labelSelector: 'lang=ts' });
    assert.deepEqual(
      list.items.map((i) => i.metadata?.name),
      ['jscm'],
    );
    await core.deleteNamespacedConfigMap({ name: 'jscm', namespace: 'js' });
    await assert.rejects(core.readNamespacedConfigMap({ name: 'jscm', namespace: 'js' }), (e: unknown) => {
      const err = e as { code?: number; body?: string };
      assert.equal(err.code, 404);
      assert.match(String(err.body), /"reason":"NotFound"/);
      return true;
    });
  });

  test('watch delivers ADDED, MODIFIED, DELETED', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const rv = (await core.listNamespacedConfigMap({ namespace: 'js' })).metadata?.resourceVersion;
    const events: string[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const req = await new Watch(kc).watch(
      '/api/v1/namespaces/js/configmaps',
      { resourceVersion: rv, allowWatchBookmarks: true },
      (type: string, obj: V1ConfigMap) => {
        if (obj.metadata?.name !== 'w') return;
        events.push(type);
        if (type === 'DELETED') done();
      },
      () => done(),
    );
    await core.createNamespacedConfigMap({ namespace: 'js', body: { metadata: { name: 'w' } } });
    await core.replaceNamespacedConfigMap({
      name: 'w',
      namespace: 'js',
      body: { metadata: { name: 'w' }, data: { x: 'y' } },
    });
    await core.deleteNamespacedConfigMap({ name: 'w', namespace: 'js' });
    await Promise.race([finished, new Promise((r) => setTimeout(r, 10_000))]);
    req.abort();
    assert.deepEqual(events, ['ADDED', 'MODIFIED', 'DELETED']);
  });

  test('deployments: defaults and the scale subresource', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const d = await apps.createNamespacedDeployment({
      namespace: 'js',
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] },
          },
        },
      },
    });
    assert.equal(d.spec?.template.spec?.containers[0].imagePullPolicy, 'IfNotPresent');
    assert.equal(d.spec?.revisionHistoryLimit, 10);
    const scale = await apps.readNamespacedDeploymentScale({ name: 'web', namespace: 'js' });
    assert.equal(scale.spec?.replicas, 1);
    assert.equal(scale.status?.selector, 'app=web');
  });
});
