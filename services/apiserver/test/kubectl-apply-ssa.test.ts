import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';
import { NGINX_DEPLOYMENT } from './kubectl-suite';

interface ManagedEntry {
  manager: string;
  operation: string;
  apiVersion: string;
  subresource?: string;
  fieldsV1: Record<string, unknown>;
}

describe('server-side apply and managedFields through kubectl', () => {
  let replica: ReplicaProcess | undefined;
  const kc = () => replica?.kubeconfig ?? '';
  const ok = (args: string[], stdin?: string) => kubectlOk(kc(), args, stdin);
  const run = (args: string[], stdin?: string) => kubectl(kc(), args, stdin);
  const managed = async (args: string[]): Promise<ManagedEntry[]> =>
    (
      parseYaml(await ok([...args, '-o', 'yaml', '--show-managed-fields'])) as {
        metadata: { managedFields: ManagedEntry[] };
      }
    ).metadata.managedFields;

  before(async () => {
    replica = await startReplicaProcess();
    await ok(['create', 'namespace', 'ssa']);
  });
  after(async () => {
    await replica?.cleanup();
  });

  test('apply --server-side records an Apply entry with upstream FieldsV1', async () => {
    assert.match(await ok(['apply', '--server-side', '-n', 'ssa', '-f', '-'], NGINX_DEPLOYMENT), /serverside-applied/);
    const entries = await managed(['get', 'deploy', 'nginx-deployment', '-n', 'ssa']);
    const apply = entries.find((e) => e.manager === 'kubectl' && e.operation === 'Apply');
    assert.ok(apply, JSON.stringify(entries));
    assert.equal(apply.apiVersion, 'apps/v1');
    const spec = apply.fieldsV1['f:spec'] as Record<string, Record<string, unknown>>;
    assert.ok('f:replicas' in spec);
    const containers = (
      (spec['f:template']['f:spec'] as Record<string, unknown>)['f:containers'] as Record<
        string,
        Record<string, unknown>
      >
    )['k:{"name":"nginx"}'];
    assert.ok(containers, 'containers keyed by name');
    assert.ok('k:{"containerPort":80,"protocol":"TCP"}' in (containers['f:ports'] as Record<string, unknown>));
  });

  test('a second manager conflicting is refused with 409, and --force-conflicts takes ownership', async () => {
    const other = NGINX_DEPLOYMENT.replace('replicas: 3', 'replicas: 5');
    const r = await run(['apply', '--server-side', '--field-manager=team-b', '-n', 'ssa', '-f', '-'], other);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Apply failed with 1 conflict: conflict with "kubectl": \.spec\.replicas/);
    assert.equal(await ok(['get', 'deploy', 'nginx-deployment', '-n', 'ssa', '-o', 'jsonpath={.spec.replicas}']), '3');
    await ok(['apply', '--server-side', '--field-manager=team-b', '--force-conflicts', '-n', 'ssa', '-f', '-'], other);
    assert.equal(await ok(['get', 'deploy', 'nginx-deployment', '-n', 'ssa', '-o', 'jsonpath={.spec.replicas}']), '5');
    const entries = await managed(['get', 'deploy', 'nginx-deployment', '-n', 'ssa']);
    const mine = entries.find((e) => e.manager === 'kubectl' && e.operation === 'Apply');
    const theirs = entries.find((e) => e.manager === 'team-b' && e.operation === 'Apply');
    assert.ok(theirs && 'f:replicas' in (theirs.fieldsV1['f:spec'] as object));
    assert.ok(mine && !('f:replicas' in (mine.fieldsV1['f:spec'] as object)), 'ownership moved to team-b');
  });

  test('updates record Update entries per manager; scale records its subresource', async () => {
    await ok(['label', 'deploy', 'nginx-deployment', '-n', 'ssa', 'team=a']);
    await ok(['scale', 'deploy', 'nginx-deployment', '-n', 'ssa', '--replicas=4']);
    const entries = await managed(['get', 'deploy', 'nginx-deployment', '-n', 'ssa']);
    const label = entries.find((e) => e.manager === 'kubectl-label' && e.operation === 'Update');
    assert.ok(label, JSON.stringify(entries.map((e) => e.manager)));
    assert.deepEqual(label.fieldsV1, { 'f:metadata': { 'f:labels': { '.': {}, 'f:team': {} } } });
    assert.ok(entries.some((e) => e.operation === 'Update' && e.subresource === 'scale'));
  });

  test('kubectl create records the kubectl-create manager', async () => {
    await ok(['create', 'configmap', 'made', '-n', 'ssa', '--from-literal=a=b']);
    const entries = await managed(['get', 'cm', 'made', '-n', 'ssa']);
    assert.equal(entries.length, 1);
    assert.equal(entries[0].manager, 'kubectl-create');
    assert.equal(entries[0].operation, 'Update');
    assert.deepEqual(entries[0].fieldsV1, { 'f:data': { '.': {}, 'f:a': {} } });
  });

  test('client-side apply then server-side apply migrates ownership as kubectl expects', async () => {
    const cm =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: migrated\n  namespace: ssa\ndata:\n  a: "1"\n  b: "2"\n';
    await ok(['apply', '-f', '-'], cm);
    await ok(['apply', '--server-side', '-f', '-'], cm.replace('  b: "2"\n', ''));
    const data = JSON.parse(await ok(['get', 'cm', 'migrated', '-n', 'ssa', '-o', 'jsonpath={.data}'])) as Record<
      string,
      string
    >;
    assert.deepEqual(data, { a: '1' }, 'dropping b from the applied config removes it after migration');
  });

  test('apply of a list item without its merge key is a 4xx, never a 500', async () => {
    const bad = NGINX_DEPLOYMENT.replace('      - name: nginx\n', '      - ').replace(
      'name: nginx-deployment',
      'name: broken',
    );
    const r = await run(['apply', '--server-side', '-n', 'ssa', '-f', '-'], bad);
    assert.notEqual(r.code, 0);
    assert.doesNotMatch(r.stderr, /InternalError|\(500\)/);
  });
});
