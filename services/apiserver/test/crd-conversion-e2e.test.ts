import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { startEtcd, type RunningEtcd } from './helpers/etcd';
import { kubectl, kubectlOk, kubectlWatch } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';
import { startWebhookServer, type RawAnswer, type WebhookServer } from './helpers/webhook-server';

interface Review {
  apiVersion: string;
  request: { uid: string; desiredAPIVersion: string; objects: Array<Record<string, unknown>> };
}

/** v1 keeps spec.size, v2 calls it spec.dimension. */
function convertOne(o: Record<string, unknown>, desired: string): Record<string, unknown> {
  const spec = { ...((o.spec as Record<string, unknown> | undefined) ?? {}) };
  const [from, to] = desired.endsWith('/v2') ? ['size', 'dimension'] : ['dimension', 'size'];
  if (from in spec) {
    spec[to] = spec[from];
    delete spec[from];
  }
  return { ...o, apiVersion: desired, spec };
}

function convertReview(raw: string): RawAnswer {
  const review = JSON.parse(raw) as Review;
  const response = {
    uid: review.request.uid,
    result: { status: 'Success' },
    convertedObjects: review.request.objects.map((o) => convertOne(o, review.request.desiredAPIVersion)),
  };
  return { body: JSON.stringify({ apiVersion: review.apiVersion, kind: 'ConversionReview', response }) };
}

const crdYaml = (url: string, caBundle: string): string => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, kind: Widget}
  conversion:
    strategy: Webhook
    webhook:
      conversionReviewVersions: [v1]
      clientConfig:
        url: ${url}
        caBundle: ${caBundle}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: string}}}
  - name: v2
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {dimension: {type: string}}}
`;

const v2Widget = (name: string, dimension: string): string =>
  JSON.stringify({
    apiVersion: 'example.com/v2',
    kind: 'Widget',
    metadata: { name, namespace: 'default' },
    spec: { dimension },
  });

interface Widget {
  apiVersion: string;
  metadata: { name: string };
  spec: Record<string, unknown>;
}

describe('CRD webhook conversion (real replica on etcd, real kubectl, loopback HTTPS webhook)', () => {
  let etcd: RunningEtcd;
  let replica: ReplicaProcess;
  let webhook: WebhookServer;
  let kv: Etcd3;
  let kc: string;
  let reviews: Review[] = [];
  let down = false;

  before(async () => {
    webhook = await startWebhookServer({
      '/convert': (_r, raw) => {
        reviews.push(JSON.parse(raw) as Review);
        return down ? { status: 503, body: 'webhook is down' } : convertReview(raw);
      },
    });
    etcd = await startEtcd();
    replica = await startReplicaProcess({ args: ['--storage-backend=etcd3', `--etcd-servers=${etcd.endpoint}`] });
    kc = replica.kubeconfig;
    kv = new Etcd3({ hosts: etcd.endpoint });
    await kubectlOk(kc, ['apply', '-f', '-'], crdYaml(webhook.url('/convert'), webhook.caBundle));
    await kubectlOk(kc, ['wait', '--for', 'condition=established', 'crd/widgets.example.com', '--timeout=20s']);
    // discovery and the router follow the definition within moments
    for (let i = 0; i < 100; i++) {
      if ((await kubectl(kc, ['get', 'widgets.v2.example.com'])).code === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(async () => {
    kv?.close();
    await replica?.cleanup();
    await etcd?.stop();
    await webhook?.close();
  });

  it('kubectl apply of a v2 object stores it at v1, converted by the webhook', async () => {
    reviews = [];
    assert.match(await kubectlOk(kc, ['apply', '-f', '-'], v2Widget('w1', 'large')), /widget.example.com\/w1 created/);
    const raw = await kv.get('/registry/example.com/widgets/default/w1').string();
    assert.ok(raw, 'stored in etcd');
    const stored = JSON.parse(raw) as Widget;
    assert.equal(stored.apiVersion, 'example.com/v1');
    assert.deepEqual(stored.spec, { size: 'large' });
    assert.ok(reviews.some((r) => r.request.desiredAPIVersion === 'example.com/v1'));
    assert.ok(reviews.every((r) => r.apiVersion === 'apiextensions.k8s.io/v1'));
    // the storage version reads back without calling the webhook
    reviews = [];
    const v1 = JSON.parse(await kubectlOk(kc, ['get', 'widgets.v1.example.com', 'w1', '-o', 'json'])) as Widget;
    assert.deepEqual([v1.apiVersion, v1.spec], ['example.com/v1', { size: 'large' }]);
    assert.equal(reviews.length, 0);
  });

  it('server-side apply in v2 is converted to v1 for storage', async () => {
    await kubectlOk(kc, ['apply', '--server-side', '-f', '-'], v2Widget('w4', 'huge'));
    const stored = JSON.parse((await kv.get('/registry/example.com/widgets/default/w4').string()) ?? '{}') as Widget;
    assert.deepEqual([stored.apiVersion, stored.spec], ['example.com/v1', { size: 'huge' }]);
    const got = JSON.parse(await kubectlOk(kc, ['get', 'widgets.v2.example.com', 'w4', '-o', 'json'])) as Widget;
    assert.deepEqual(got.spec, { dimension: 'huge' });
    await kubectlOk(kc, ['delete', 'widgets.v2.example.com', 'w4']);
  });

  it('kubectl get in v2 converts, a list in one review', async () => {
    await kubectlOk(kc, ['apply', '-f', '-'], v2Widget('w2', 'small'));
    reviews = [];
    const one = JSON.parse(await kubectlOk(kc, ['get', 'widgets.v2.example.com', 'w1', '-o', 'json'])) as Widget;
    assert.deepEqual([one.apiVersion, one.spec], ['example.com/v2', { dimension: 'large' }]);
    reviews = [];
    const list = JSON.parse(await kubectlOk(kc, ['get', 'widgets.v2.example.com', '-o', 'json'])) as {
      items: Widget[];
    };
    assert.deepEqual(
      list.items.map((w) => [w.metadata.name, w.apiVersion, w.spec.dimension]),
      [
        ['w1', 'example.com/v2', 'large'],
        ['w2', 'example.com/v2', 'small'],
      ],
    );
    assert.equal(reviews.length, 1);
    assert.equal(reviews[0].request.objects.length, 2);
    assert.equal(reviews[0].request.desiredAPIVersion, 'example.com/v2');
  });

  it('a watch in v2 receives converted events', async () => {
    const w = kubectlWatch(kc, ['get', 'widgets.v2.example.com', '--watch-only', '-o', 'json']);
    try {
      await new Promise((r) => setTimeout(r, 500));
      await kubectlOk(kc, ['apply', '-f', '-'], v2Widget('w3', 'medium'));
      const out = await w.waitFor((o) => o.includes('"w3"'));
      assert.match(out, /"apiVersion": "example.com\/v2"/);
      assert.match(out, /"dimension": "medium"/);
      assert.doesNotMatch(out, /"size"/);
    } finally {
      w.stop();
    }
  });

  it('with the webhook down, reads in v2 fail with upstream error', async () => {
    down = true;
    try {
      const r = await kubectl(kc, ['get', 'widgets.v2.example.com', 'w1']);
      assert.notEqual(r.code, 0);
      assert.match(
        r.stderr,
        /Error from server \(InternalError\): Internal error occurred: conversion webhook for example.com\/v1, Kind=Widget failed: the server is currently unable to handle the request\n/,
      );
      // the storage version needs no webhook
      assert.equal((await kubectl(kc, ['get', 'widgets.v1.example.com', 'w1'])).code, 0);
      const write = await kubectl(kc, ['apply', '-f', '-'], v2Widget('w9', 'tiny'));
      assert.notEqual(write.code, 0);
      assert.match(
        write.stderr,
        /Internal error occurred: conversion webhook for example.com\/v2, Kind=Widget failed: /,
      );
    } finally {
      down = false;
    }
  });

  it('status.storedVersions follows the storage version; a stored version cannot be removed from spec', async () => {
    const crd = JSON.parse(await kubectlOk(kc, ['get', 'crd', 'widgets.example.com', '-o', 'json'])) as {
      status: { storedVersions: string[] };
    };
    assert.deepEqual(crd.status.storedVersions, ['v1']);
    await kubectlOk(kc, [
      'patch',
      'crd',
      'widgets.example.com',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/versions/0/storage","value":false},{"op":"replace","path":"/spec/versions/1/storage","value":true}]',
    ]);
    const after = JSON.parse(await kubectlOk(kc, ['get', 'crd', 'widgets.example.com', '-o', 'json'])) as {
      status: { storedVersions: string[] };
    };
    assert.deepEqual(after.status.storedVersions, ['v1', 'v2']);
    const r = await kubectl(kc, [
      'patch',
      'crd',
      'widgets.example.com',
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/spec/versions/0"}]',
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /status.storedVersions\[0\]: Invalid value: "v1": must appear in spec.versions/);
  });
});
