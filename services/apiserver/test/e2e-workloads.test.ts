import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

type Json = Record<string, unknown>;

const REPLICA_SET = `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
`;

// Jobs, CronJobs, ReplicaSets and StatefulSets through kubectl v1.32 against a real kapi:
// upstream's defaults, generated Job selector and labels, scale, get all, and refusals.
describe('workload kinds with kubectl', () => {
  let replica: ReplicaProcess | undefined;
  const ok = (args: string[], stdin?: string) => kubectlOk(replica?.kubeconfig ?? '', args, stdin);
  before(async () => {
    replica = await startReplicaProcess();
  });
  after(async () => {
    await replica?.cleanup();
  });

  test('server-side apply through /status sets status only: spec neither changes nor conflicts', async () => {
    await ok(['create', '-f', '-'], REPLICA_SET.replace('name: web}', 'name: status-apply}'));
    const applied = `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: status-apply, labels: {forged: "yes"}}
spec: {replicas: 9}
status: {replicas: 2, observedGeneration: 1}
`;
    await ok(['apply', '--server-side', '--subresource=status', '--field-manager=rs-controller', '-f', '-'], applied);
    const rs = JSON.parse(await ok(['get', 'rs', 'status-apply', '-o', 'json', '--show-managed-fields'])) as {
      metadata: { labels?: Record<string, string>; managedFields: Array<{ manager: string; fieldsV1: Json }> };
      spec: { replicas: number };
      status: { replicas: number };
    };
    assert.equal(rs.spec.replicas, 2);
    assert.equal(rs.status.replicas, 2);
    assert.equal(rs.metadata.labels?.forged, undefined);
    const mine = rs.metadata.managedFields.find((m) => m.manager === 'rs-controller');
    assert.deepEqual(Object.keys(mine?.fieldsV1 ?? {}), ['f:status']);
  });

  test('kubectl create job: upstream defaults, generated selector and template labels', async () => {
    await ok(['create', 'job', 'pi', '--image=perl', '--', 'perl', '-e', 'print 1']);
    const job = JSON.parse(await ok(['get', 'job', 'pi', '-o', 'json'])) as Json;
    const spec = job.spec as Json;
    assert.equal(spec.backoffLimit, 6);
    assert.equal(spec.completions, 1);
    assert.equal(spec.parallelism, 1);
    assert.equal(spec.completionMode, 'NonIndexed');
    assert.equal(spec.suspend, false);
    const uid = (job.metadata as Json).uid as string;
    assert.deepEqual(spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
    const labels = ((spec.template as Json).metadata as Json).labels as Json;
    assert.equal(labels['job-name'], 'pi');
    assert.equal(labels['batch.kubernetes.io/job-name'], 'pi');
    assert.equal(labels['controller-uid'], uid);
    const tspec = (spec.template as Json).spec as Json;
    assert.equal(tspec.restartPolicy, 'Never');
    // the template is immutable on a Job that is not suspended
    const res = await kubectl(replica?.kubeconfig ?? '', [
      'patch',
      'job',
      'pi',
      '--type=merge',
      '-p',
      '{"spec":{"template":{"spec":{"activeDeadlineSeconds":5}}}}',
    ]);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /spec\.template: Invalid value: .*field is immutable/);
  });

  test('kubectl create cronjob, then a job from it; a bad schedule is refused', async () => {
    await ok(['create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/5 * * * *']);
    const cj = JSON.parse(await ok(['get', 'cronjob', 'tick', '-o', 'json'])) as Json;
    const spec = cj.spec as Json;
    assert.equal(spec.concurrencyPolicy, 'Allow');
    assert.equal(spec.successfulJobsHistoryLimit, 3);
    assert.equal(spec.failedJobsHistoryLimit, 1);
    assert.equal(spec.suspend, false);
    await ok(['create', 'job', 'tick-now', '--from=cronjob/tick']);
    assert.match(await ok(['get', 'jobs']), /^tick-now\s/m);
    const bad = await kubectl(replica?.kubeconfig ?? '', [
      'create',
      'cronjob',
      'bad',
      '--image=busybox',
      '--schedule=61 * * * *',
    ]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /spec\.schedule: Invalid value: "61 \* \* \* \*"/);
  });

  test('a ReplicaSet scales through kubectl and shows in get all with the other workloads', async () => {
    await ok(['apply', '-f', '-'], REPLICA_SET);
    await ok(['scale', 'rs', 'web', '--replicas=4']);
    const rs = JSON.parse(await ok(['get', 'rs', 'web', '-o', 'json'])) as Json;
    assert.equal((rs.spec as Json).replicas, 4);
    assert.equal((rs.metadata as Json).generation, 2);
    const all = await ok(['get', 'all']);
    assert.match(all, /^replicaset\.apps\/web\s+4\s+0\s+0\s/m);
    assert.match(all, /^job\.batch\/pi\s/m);
    assert.match(all, /^cronjob\.batch\/tick\s+\*\/5 \* \* \* \*/m);
    assert.match(await ok(['get', 'rs', 'web', '-o', 'wide']), /CONTAINERS\s+IMAGES\s+SELECTOR/);
  });

  test('a StatefulSet gets upstream defaults and refuses a selector change', async () => {
    await ok(
      ['apply', '-f', '-'],
      REPLICA_SET.replace('kind: ReplicaSet', 'kind: StatefulSet').replace('name: web}', 'name: db}'),
    );
    const sts = JSON.parse(await ok(['get', 'sts', 'db', '-o', 'json'])) as Json;
    const spec = sts.spec as Json;
    assert.equal(spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    const res = await kubectl(replica?.kubeconfig ?? '', [
      'patch',
      'sts',
      'db',
      '--type=merge',
      '-p',
      '{"spec":{"podManagementPolicy":"Parallel"}}',
    ]);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /Forbidden: updates to statefulset spec for fields other than/);
  });
});
