import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';
import { NGINX_DEPLOYMENT } from './kubectl-suite';

/** kubectl verbs that talk only to the API server, as the API machinery issue lists them. */
describe('kubectl API machinery end to end', () => {
  let replica: ReplicaProcess | undefined;
  const kc = () => replica?.kubeconfig ?? '';
  const ok = (args: string[], stdin?: string) => kubectlOk(kc(), args, stdin);
  const run = (args: string[], stdin?: string) => kubectl(kc(), args, stdin);

  before(async () => {
    replica = await startReplicaProcess();
    await ok(['create', 'namespace', 'mach']);
  });
  after(async () => {
    await replica?.cleanup();
  });

  test('apply twice: second run is unchanged; a changed manifest is configured', async () => {
    assert.match(await ok(['apply', '-n', 'mach', '-f', '-'], NGINX_DEPLOYMENT), /created/);
    assert.match(await ok(['apply', '-n', 'mach', '-f', '-'], NGINX_DEPLOYMENT), /unchanged/);
    const changed = NGINX_DEPLOYMENT.replace('image: nginx:1.14.2', 'image: nginx:1.16.1');
    assert.match(await ok(['apply', '-n', 'mach', '-f', '-'], changed), /configured/);
    const img = await ok([
      'get',
      'deploy',
      'nginx-deployment',
      '-n',
      'mach',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image} {.metadata.generation}',
    ]);
    assert.equal(img, 'nginx:1.16.1 2');
  });

  test('diff shows a pending change and changes nothing', async () => {
    const changed = NGINX_DEPLOYMENT.replace('replicas: 3', 'replicas: 4').replace(
      'image: nginx:1.14.2',
      'image: nginx:1.16.1',
    );
    const r = await run(['diff', '-n', 'mach', '-f', '-'], changed);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /-\s+replicas: 3/);
    assert.match(r.stdout, /\+\s+replicas: 4/);
    assert.equal(await ok(['get', 'deploy', 'nginx-deployment', '-n', 'mach', '-o', 'jsonpath={.spec.replicas}']), '3');
  });

  test('patch of each type, label, annotate', async () => {
    await ok(['create', 'configmap', 'p', '-n', 'mach', '--from-literal=a=1']);
    await ok([
      'patch',
      'cm',
      'p',
      '-n',
      'mach',
      '--type=json',
      '-p',
      '[{"op":"test","path":"/data/a","value":"1"},{"op":"add","path":"/data/b","value":"2"}]',
    ]);
    await ok(['patch', 'cm', 'p', '-n', 'mach', '--type=merge', '-p', '{"data":{"a":null,"c":"3"}}']);
    await ok([
      'patch',
      'deploy',
      'nginx-deployment',
      '-n',
      'mach',
      '--type=strategic',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox"}]}}}}',
    ]);
    const failedTest = await run([
      'patch',
      'cm',
      'p',
      '-n',
      'mach',
      '--type=json',
      '-p',
      '[{"op":"test","path":"/data/b","value":"nope"}]',
    ]);
    assert.notEqual(failedTest.code, 0);
    await ok(['label', 'cm', 'p', '-n', 'mach', 'tier=web']);
    await ok(['annotate', 'cm', 'p', '-n', 'mach', 'note=hello']);
    const cm = JSON.parse(await ok(['get', 'cm', 'p', '-n', 'mach', '-o', 'json'])) as {
      data: Record<string, string>;
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
    };
    assert.deepEqual(cm.data, { b: '2', c: '3' });
    assert.equal(cm.metadata.labels.tier, 'web');
    assert.equal(cm.metadata.annotations.note, 'hello');
    const names = await ok([
      'get',
      'deploy',
      'nginx-deployment',
      '-n',
      'mach',
      '-o',
      'jsonpath={.spec.template.spec.containers[*].name}',
    ]);
    assert.deepEqual(names.split(' ').sort(), ['nginx', 'sidecar']);
  });

  test('scale updates spec.replicas through the scale subresource', async () => {
    assert.match(await ok(['scale', 'deploy', 'nginx-deployment', '-n', 'mach', '--replicas=7']), /scaled/);
    assert.equal(await ok(['get', 'deploy', 'nginx-deployment', '-n', 'mach', '-o', 'jsonpath={.spec.replicas}']), '7');
    const stale = await run([
      'scale',
      'deploy',
      'nginx-deployment',
      '-n',
      'mach',
      '--replicas=2',
      '--resource-version=1',
    ]);
    assert.notEqual(stale.code, 0);
    assert.match(stale.stderr, /resource version|Conflict|modified/);
  });

  test('explain deployment.spec.template', async () => {
    const out = await ok(['explain', 'deployment.spec.template']);
    assert.match(out, /KIND:\s+Deployment/);
    assert.match(out, /FIELD: template <PodTemplateSpec>/);
    assert.match(out, /spec\s+<PodSpec>/);
  });

  test('replace with a stale resourceVersion is a Conflict', async () => {
    const obj = JSON.parse(await ok(['get', 'cm', 'p', '-n', 'mach', '-o', 'json'])) as {
      data: Record<string, string>;
    };
    await ok(['label', 'cm', 'p', '-n', 'mach', 'bump=1']);
    obj.data.z = 'stale';
    const r = await run(['replace', '-f', '-'], JSON.stringify(obj));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Conflict/);
  });

  test('--dry-run=server for create, apply and delete persists nothing', async () => {
    const doc = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dry\n  namespace: mach\ndata:\n  a: b\n';
    assert.match(await ok(['create', '--dry-run=server', '-f', '-'], doc), /created \(server dry run\)/);
    assert.match(await ok(['apply', '--dry-run=server', '-f', '-'], doc), /created \(server dry run\)/);
    assert.notEqual((await run(['get', 'cm', 'dry', '-n', 'mach'])).code, 0);
    assert.match(await ok(['delete', 'cm', 'p', '-n', 'mach', '--dry-run=server']), /deleted \(server dry run\)/);
    assert.equal((await run(['get', 'cm', 'p', '-n', 'mach'])).code, 0);
    const invalid = await run(['create', '--dry-run=server', '-f', '-'], doc.replace('name: dry', 'name: Not_Valid'));
    assert.notEqual(invalid.code, 0, 'dry run still validates');
    assert.match(invalid.stderr, /Invalid/);
  });

  test('apply --prune with a label selector deletes what left the manifest', async () => {
    const cm = (name: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: mach\n  labels:\n    app: pruned\n`;
    await ok(
      ['apply', '-l', 'app=pruned', '--prune', '--prune-allowlist=core/v1/ConfigMap', '-f', '-'],
      [cm('keep1'), cm('drop1')].join('---\n'),
    );
    const out = await ok(
      ['apply', '-l', 'app=pruned', '--prune', '--prune-allowlist=core/v1/ConfigMap', '-f', '-'],
      cm('keep1'),
    );
    assert.match(out, /configmap\/drop1 pruned/);
    assert.notEqual((await run(['get', 'cm', 'drop1', '-n', 'mach'])).code, 0);
    assert.equal((await run(['get', 'cm', 'keep1', '-n', 'mach'])).code, 0);
  });

  test('delete --cascade=foreground keeps the owner with its finalizer until blocking dependents are gone', async () => {
    const uid = await ok(['get', 'deploy', 'nginx-deployment', '-n', 'mach', '-o', 'jsonpath={.metadata.uid}']);
    // a dependent that blocks its owner's deletion and is itself held by a finalizer
    const dependent = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'dependent',
        namespace: 'mach',
        finalizers: ['example.com/hold'],
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'Deployment', name: 'nginx-deployment', uid, blockOwnerDeletion: true },
        ],
      },
    };
    await ok(['create', '-f', '-'], JSON.stringify(dependent));
    await ok(['delete', 'deploy', 'nginx-deployment', '-n', 'mach', '--cascade=foreground', '--wait=false']);
    await new Promise((r) => setTimeout(r, 1500));
    const got = JSON.parse(await ok(['get', 'deploy', 'nginx-deployment', '-n', 'mach', '-o', 'json'])) as {
      metadata: { finalizers: string[]; deletionTimestamp: string };
    };
    assert.deepEqual(got.metadata.finalizers, ['foregroundDeletion']);
    assert.ok(got.metadata.deletionTimestamp);
    // releasing the dependent lets the collector finish: dependent deleted, then the owner
    await ok([
      'patch',
      'cm',
      'dependent',
      '-n',
      'mach',
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/metadata/finalizers"}]',
    ]);
    await ok(['wait', '--for=delete', 'deploy/nginx-deployment', '-n', 'mach', '--timeout=30s']);
    assert.notEqual((await run(['get', 'cm', 'dependent', '-n', 'mach'])).code, 0);
  });

  test('finalizers hold an object until removed; wait --for=delete returns then', async () => {
    await ok(
      ['apply', '-f', '-'],
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: held\n  namespace: mach\n  finalizers:\n  - example.com/hold\n',
    );
    await ok(['delete', 'cm', 'held', '-n', 'mach', '--wait=false']);
    const ts = await ok(['get', 'cm', 'held', '-n', 'mach', '-o', 'jsonpath={.metadata.deletionTimestamp}']);
    assert.ok(ts.length > 0);
    const waiting = run(['wait', '--for=delete', 'cm/held', '-n', 'mach', '--timeout=30s']);
    await new Promise((r) => setTimeout(r, 500));
    await ok(['patch', 'cm', 'held', '-n', 'mach', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    const w = await waiting;
    assert.equal(w.code, 0, w.stderr);
  });

  test('namespace deletion moves it to Terminating and removes its content', async () => {
    await ok(['create', 'namespace', 'doomed']);
    await ok(['create', 'configmap', 'inside', '-n', 'doomed']);
    await ok(['delete', 'namespace', 'doomed', '--wait=false']);
    const phase = await ok(['get', 'namespace', 'doomed', '-o', 'jsonpath={.status.phase}']).catch(() => 'gone');
    assert.ok(phase === 'Terminating' || phase === 'gone');
    await ok(['wait', '--for=delete', 'namespace/doomed', '--timeout=30s']);
    const r = await run(['create', 'configmap', 'late', '-n', 'doomed']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /not found/);
  });

  test('deletecollection with a label selector', async () => {
    for (const n of ['dc1', 'dc2', 'dc3']) await ok(['create', 'configmap', n, '-n', 'mach']);
    await ok(['label', 'cm', 'dc1', 'dc2', '-n', 'mach', 'batch=x']);
    await ok(['delete', 'cm', '-n', 'mach', '-l', 'batch=x']);
    const names = await ok(['get', 'cm', '-n', 'mach', '-o', 'name']);
    assert.doesNotMatch(names, /dc1|dc2/);
    assert.match(names, /dc3/);
  });
});
