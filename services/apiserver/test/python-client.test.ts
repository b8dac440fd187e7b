import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, startReplicaProcess, type ReplicaProcess } from './helpers/replica';

interface PythonResult {
  created_rv: string;
  data: Record<string, string>;
  selected: string[];
  watch: Array<[string, string]>;
  after_delete: number;
  after_delete_reason: string;
  deployment: { replicas: number; pull: string; strategy: string };
  scaled: number;
}

/** The official Python client (Debian's python3-kubernetes, HTTP/1.1 + JSON) against a replica. */
describe('the Python client', () => {
  let replica: ReplicaProcess | undefined;
  before(async () => {
    replica = await startReplicaProcess();
  });
  after(async () => {
    await replica?.cleanup();
  });

  test('create, patch, get, label-select, watch, delete, deployments and scale', () => {
    const script = path.join(REPO_ROOT, 'services/apiserver/test/clients/python_client.py');
    const r = spawnSync('/usr/bin/python3', [script, replica?.kubeconfig ?? ''], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `python client failed:\n${r.stderr}\n${r.stdout}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as PythonResult;
    assert.match(out.created_rv, /^\d+$/);
    assert.deepEqual(out.data, { a: '1', b: '2' });
    assert.deepEqual(out.selected, ['pycm']);
    assert.deepEqual(
      out.watch.filter(([, name]) => name === 'pycm').map(([type]) => type),
      ['ADDED', 'MODIFIED', 'DELETED'],
    );
    assert.equal(out.after_delete, 404);
    assert.equal(out.after_delete_reason, 'NotFound');
    assert.deepEqual(out.deployment, { replicas: 2, pull: 'Always', strategy: 'RollingUpdate' });
    assert.equal(out.scaled, 4);
  });
});
