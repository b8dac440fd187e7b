import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { KubeObject } from '../src/api/object';
import type * as v2 from '../src/generated/k8s.io.api.autoscaling.v2';
import type * as v1 from '../src/generated/k8s.io.api.autoscaling.v1';
import { hpaV1ToV2, hpaV2ToV1 } from '../src/registry/conversion/hpa-v1';
import { jsonStorageCodec } from '../src/storage/codec';
import { convertingStorage, type VersionConversion } from '../src/storage/converting-storage';
import { EmbeddedBackend } from '../src/storage/embedded-backend';
import { createStore } from '../src/storage/store';

const hpaV1: VersionConversion = {
  toStored: (o) => hpaV1ToV2(o as v1.HorizontalPodAutoscaler) as KubeObject,
  toServed: (o) => hpaV2ToV1(o as v2.HorizontalPodAutoscaler) as KubeObject,
};

const KEY = '/registry/horizontalpodautoscalers/default/web';

test('a v1 view of v2 storage: writes land as v2, reads and watch events come back as v1', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kapi-convstore-'));
  const backend = await EmbeddedBackend.open({ dataDir, compactionIntervalMs: 0 });
  try {
    const stored = createStore(backend, jsonStorageCodec);
    const served = convertingStorage(stored, hpaV1);
    const w = await served.watch('/registry/horizontalpodautoscalers/default/', { resourceVersion: '0' });
    const it = w[Symbol.asyncIterator]();

    await served.create(KEY, {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: 'default' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 5, targetCPUUtilizationPercentage: 60 },
    });
    const raw = (await stored.get(KEY)) as v2.HorizontalPodAutoscaler;
    assert.equal(raw.apiVersion, 'autoscaling/v2');
    assert.deepEqual(raw.spec?.metrics, [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
    ]);

    // A v2 writer adds behaviour v1 cannot show; the v1 reader sees it in its annotation.
    await stored.guaranteedUpdate(KEY, undefined, (cur) => ({
      ...cur,
      spec: { ...(cur.spec as object), behavior: { scaleUp: { stabilizationWindowSeconds: 0 } } },
    }));
    const got = (await served.get(KEY)) as v1.HorizontalPodAutoscaler;
    assert.equal(got.apiVersion, 'autoscaling/v1');
    assert.equal(got.spec?.targetCPUUtilizationPercentage, 60);
    assert.equal(
      got.metadata?.annotations?.['autoscaling.alpha.kubernetes.io/behavior'],
      '{"scaleUp":{"stabilizationWindowSeconds":0}}',
    );

    // An update through v1 keeps the v2-only behavior.
    await served.guaranteedUpdate(KEY, undefined, (cur) => ({
      ...cur,
      spec: { ...(cur.spec as object), maxReplicas: 7 },
    }));
    const after = (await stored.get(KEY)) as v2.HorizontalPodAutoscaler;
    assert.equal(after.spec?.maxReplicas, 7);
    assert.deepEqual(after.spec?.behavior, { scaleUp: { stabilizationWindowSeconds: 0 } });
    assert.equal(after.metadata?.annotations, undefined);

    const events: string[] = [];
    for (let i = 0; i < 3; i++) {
      const e = (await it.next()).value as { type: string; object: KubeObject };
      events.push(`${e.type} ${e.object.apiVersion}`);
    }
    assert.deepEqual(events, ['ADDED autoscaling/v1', 'MODIFIED autoscaling/v1', 'MODIFIED autoscaling/v1']);
    w.stop();

    const listed = await served.list('/registry/horizontalpodautoscalers/', {
      predicate: (o) => (o as v1.HorizontalPodAutoscaler).spec?.targetCPUUtilizationPercentage === 60,
    });
    assert.deepEqual(
      listed.items.map((o) => o.apiVersion),
      ['autoscaling/v1'],
    );
  } finally {
    await backend.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
