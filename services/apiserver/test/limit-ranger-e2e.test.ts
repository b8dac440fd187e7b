import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

const LIMIT_RANGE = `apiVersion: v1
kind: LimitRange
metadata:
  name: bounds
spec:
  limits:
  - type: Container
    default:
      cpu: 500m
      memory: 256Mi
    defaultRequest:
      cpu: 100m
    max:
      cpu: "1"
  - type: PersistentVolumeClaim
    max:
      storage: 10Gi
`;

const BIG_POD = `apiVersion: v1
kind: Pod
metadata:
  name: big
spec:
  containers:
  - name: c
    image: busybox
    resources:
      limits:
        cpu: "2"
`;

const BIG_CLAIM = `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: huge
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 20Gi
`;

interface PodJson {
  metadata: { annotations?: Record<string, string> };
  spec: { containers: { resources?: Record<string, Record<string, string>> }[] };
}

describe('LimitRanger (real kubectl, real replica)', () => {
  let replica: ReplicaProcess;
  let kc: string;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-lr-e2e-'));
    replica = await startReplicaProcess();
    kc = replica.kubeconfig;
    await kubectlOk(kc, ['create', 'ns', 'lr']);
  });
  after(async () => {
    await replica?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('defaults a pod from kubectl run, refuses one over the max, refuses a claim over the max', async () => {
    const file = (name: string, text: string): string => {
      const p = path.join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    await kubectlOk(kc, ['create', '-n', 'lr', '-f', file('limitrange.yaml', LIMIT_RANGE)]);

    await kubectlOk(kc, ['run', 'web', '-n', 'lr', '--image=busybox']);
    const pod = JSON.parse(await kubectlOk(kc, ['get', 'pod', 'web', '-n', 'lr', '-o', 'json'])) as PodJson;
    assert.deepEqual(pod.spec.containers[0].resources, {
      limits: { cpu: '500m', memory: '256Mi' },
      requests: { cpu: '100m', memory: '256Mi' },
    });
    assert.equal(
      pod.metadata.annotations?.['kubernetes.io/limit-ranger'],
      'LimitRanger plugin set: cpu, memory request for container web; cpu, memory limit for container web',
    );

    const bigFile = file('big.yaml', BIG_POD);
    const refused = await kubectl(kc, ['create', '-n', 'lr', '-f', bigFile]);
    assert.notEqual(refused.code, 0);
    assert.equal(
      refused.stderr.trim(),
      `Error from server (Forbidden): error when creating "${bigFile}": pods "big" is forbidden: ` +
        'maximum cpu usage per Container is 1, but limit is 2',
    );

    const claimFile = file('claim.yaml', BIG_CLAIM);
    const claim = await kubectl(kc, ['create', '-n', 'lr', '-f', claimFile]);
    assert.notEqual(claim.code, 0);
    assert.equal(
      claim.stderr.trim(),
      `Error from server (Forbidden): error when creating "${claimFile}": persistentvolumeclaims "huge" is forbidden: ` +
        'maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi',
    );
  });
});
