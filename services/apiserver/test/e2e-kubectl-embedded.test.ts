import { after, before, describe } from 'node:test';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';
import { kubectlSuite } from './kubectl-suite';

describe('kubectl against a replica on the embedded store', () => {
  let replica: ReplicaProcess | undefined;
  before(async () => {
    replica = await startReplicaProcess();
  });
  after(async () => {
    await replica?.cleanup();
  });
  kubectlSuite(() => replica?.kubeconfig ?? '');
});
