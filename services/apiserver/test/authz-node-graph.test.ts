import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NodeGraphIndex, podReferences } from '../src/authz/node-graph';
import type { KubeObject } from '../src/api/object';

const pod = (name: string, node: string, spec: Record<string, unknown> = {}): KubeObject => ({
  metadata: { name, namespace: 'ns' },
  spec: { nodeName: node, containers: [{ name: 'c', image: 'i' }], ...spec },
});

test('what a pod uses, as the graph populator reads it', () => {
  const refs = podReferences(
    pod('p', 'n1', {
      serviceAccountName: 'sa',
      imagePullSecrets: [{ name: 'pull' }],
      initContainers: [{ name: 'i', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'env-s', key: 'k' } } }] }],
      containers: [{ name: 'c', envFrom: [{ configMapRef: { name: 'env-cm' } }] }],
      volumes: [
        { name: 'a', projected: { sources: [{ secret: { name: 'proj-s' } }, { configMap: { name: 'proj-cm' } }] } },
        { name: 'b', persistentVolumeClaim: { claimName: 'claim' } },
        { name: 'eph', ephemeral: { volumeClaimTemplate: { spec: {} } } },
        { name: 'csi', csi: { driver: 'd', nodePublishSecretRef: { name: 'csi-s' } } },
      ],
    }),
  ).sort();
  assert.deepEqual(refs, [
    'configmap/ns/env-cm',
    'configmap/ns/proj-cm',
    'pvc/ns/claim',
    'pvc/ns/p-eph',
    'secret/ns/csi-s',
    'secret/ns/env-s',
    'secret/ns/proj-s',
    'secret/ns/pull',
    'serviceaccount/ns/sa',
  ]);
});

test('edges last while any pod on the node holds them; PVs and their secrets through bound claims', () => {
  const g = new NodeGraphIndex();
  const vol = {
    volumes: [
      { name: 'v', secret: { secretName: 's' } },
      { name: 'c', persistentVolumeClaim: { claimName: 'data' } },
    ],
  };
  g.upsertPod(pod('a', 'n1', vol));
  g.upsertPod(pod('b', 'n1', vol));
  g.upsertPod(pod('unbound', '', { volumes: [{ name: 'v', secret: { secretName: 'other' } }] }));
  assert.ok(g.hasPathFrom('n1', 'secret', 'ns', 's'));
  assert.ok(!g.hasPathFrom('n2', 'secret', 'ns', 's'));
  assert.ok(!g.hasPathFrom('n1', 'secret', 'ns', 'other'), 'an unscheduled pod gives no node access');
  assert.ok(g.hasPathFrom('n1', 'pod', 'ns', 'a'));
  g.removePod('ns', 'a');
  assert.ok(g.hasPathFrom('n1', 'secret', 'ns', 's'), 'pod b still uses it');
  assert.ok(!g.hasPathFrom('n1', 'pod', 'ns', 'a'));
  g.upsertPV({
    metadata: { name: 'pv1' },
    spec: {
      claimRef: { namespace: 'ns', name: 'data' },
      csi: { driver: 'd', nodeStageSecretRef: { namespace: 'kube-system', name: 'stage' } },
    },
  });
  assert.ok(g.hasPathFrom('n1', 'pv', '', 'pv1'));
  assert.ok(g.hasPathFrom('n1', 'secret', 'kube-system', 'stage'));
  // rescheduling moves every edge
  g.upsertPod(pod('b', 'n2', vol));
  assert.ok(!g.hasPathFrom('n1', 'secret', 'ns', 's'));
  assert.ok(!g.hasPathFrom('n1', 'pv', '', 'pv1'));
  assert.ok(g.hasPathFrom('n2', 'pv', '', 'pv1'));
  g.upsertVolumeAttachment({ metadata: { name: 'va' }, spec: { nodeName: 'n2' } });
  assert.ok(g.hasPathFrom('n2', 'volumeattachment', '', 'va'));
  assert.ok(!g.hasPathFrom('n1', 'volumeattachment', '', 'va'));
});
