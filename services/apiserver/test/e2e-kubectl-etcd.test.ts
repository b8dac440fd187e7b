import { after, before, describe } from 'node:test';
import { startEtcd, type RunningEtcd } from './helpers/etcd';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';
import { kubectlSuite } from './kubectl-suite';

describe('kubectl against a replica on etcd', () => {
  let etcd: RunningEtcd | undefined;
  let replica: ReplicaProcess | undefined;
  before(async () => {
    etcd = await startEtcd();
    replica = await startReplicaProcess({ args: ['--storage-backend=etcd3', `--etcd-servers=${etcd.endpoint}`] });
  });
  after(async () => {
    await replica?.cleanup();
    await etcd?.stop();
  });
  kubectlSuite(() => replica?.kubeconfig ?? '');
});
