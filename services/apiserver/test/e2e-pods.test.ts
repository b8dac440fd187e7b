import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, describe, test } from 'node:test';
import { ApiClient, kubeconfigCredentials } from './helpers/client';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

type Json = Record<string, unknown>;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A request with a bearer token only (no client certificate), as a pod's process would send it. */
function withToken(kubeconfig: string, token: string, method: string, path: string, body?: object): Promise<number> {
  const { server, ca } = kubeconfigCredentials(kubeconfig);
  const payload = body ? Buffer.from(JSON.stringify(body)) : undefined;
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(path, server),
      {
        method,
        ca,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

// Pods, bindings, evictions, PDBs and pod templates through kubectl v1.32 against a real kapi.
describe('pods with kubectl', () => {
  let replica: ReplicaProcess | undefined;
  let api: ApiClient;
  const kc = (): string => replica?.kubeconfig ?? '';
  const ok = (args: string[], stdin?: string) => kubectlOk(kc(), args, stdin);
  const getJson = async (args: string[]): Promise<Json> => JSON.parse(await ok([...args, '-o', 'json'])) as Json;
  const setPodRunning = (name: string) =>
    ok([
      'patch',
      'pod',
      name,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({
        status: {
          phase: 'Running',
          podIPs: [{ ip: '10.1.0.7' }],
          podIP: '10.1.0.7',
          conditions: [{ type: 'Ready', status: 'True' }],
        },
      }),
    ]);
  const setBudget = (name: string, disruptionsAllowed: number) =>
    ok([
      'patch',
      'pdb',
      name,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({
        status: { observedGeneration: 1, disruptionsAllowed, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 },
      }),
    ]);
  const evict = (name: string) =>
    api.request('POST', `/api/v1/namespaces/default/pods/${name}/eviction`, {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name, namespace: 'default' },
    });

  before(async () => {
    replica = await startReplicaProcess();
    api = new ApiClient(replica.kubeconfig);
  });
  after(async () => {
    await replica?.cleanup();
  });

  test('kubectl run: the pod comes back with 1.32 defaults, Pending and BestEffort', async () => {
    await ok(['run', 'x', '--image=nginx']);
    const pod = await getJson(['get', 'pod', 'x']);
    const spec = pod.spec as Json;
    assert.equal(spec.restartPolicy, 'Always');
    assert.equal(spec.dnsPolicy, 'ClusterFirst');
    assert.equal(spec.schedulerName, 'default-scheduler');
    assert.equal(spec.terminationGracePeriodSeconds, 30);
    assert.equal(spec.enableServiceLinks, true);
    assert.deepEqual(spec.securityContext, {});
    const [c] = spec.containers as Json[];
    assert.equal(c.imagePullPolicy, 'Always');
    assert.equal(c.terminationMessagePath, '/dev/termination-log');
    assert.equal(c.terminationMessagePolicy, 'File');
    assert.deepEqual(pod.status, { phase: 'Pending', qosClass: 'BestEffort' });
    assert.deepEqual((pod.metadata as Json).labels, { run: 'x' });
    assert.match(await ok(['get', 'po']), /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nx\s+0\/1\s+Pending\s+0\s+\S+\n/);
  });

  test('binding: sets the node once with PodScheduled; a second one is a 409; get -o wide and field selectors', async () => {
    await ok(['run', 'y', '--image=nginx:1.27']);
    const binding = (node: string, kind = 'Node') =>
      JSON.stringify({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'x' }, target: { kind, name: node } });
    await ok(['create', '--raw', '/api/v1/namespaces/default/pods/x/binding', '-f', '-'], binding('node-1'));
    const pod = await getJson(['get', 'pod', 'x']);
    assert.equal((pod.spec as Json).nodeName, 'node-1');
    const scheduled = ((pod.status as Json).conditions as Json[]).find((c) => c.type === 'PodScheduled');
    assert.equal(scheduled?.status, 'True');
    const again = await kubectl(
      kc(),
      ['create', '--raw', '/api/v1/namespaces/default/pods/x/binding', '-f', '-'],
      binding('node-2'),
    );
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /Operation cannot be fulfilled on pods "x": pod x is already assigned to node "node-1"/);
    const raw = await api.request('POST', '/api/v1/namespaces/default/pods/y/binding', {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'y' },
      target: { kind: 'Pod', name: 'n' },
    });
    assert.equal(raw.status, 422);
    const status = raw.json();
    assert.equal(status.reason, 'Invalid');
    assert.deepEqual(
      ((status.details as Json).causes as Json[]).map((c) => `${String(c.reason)} ${String(c.field)}`),
      ['FieldValueNotSupported target.kind'],
    );

    const wide = await ok(['get', 'pods', '-o', 'wide']);
    assert.match(wide, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES\n/);
    assert.match(wide, /^x\s+0\/1\s+Pending\s+0\s+\S+\s+<none>\s+node-1\s+<none>\s+<none>$/m);
    assert.match(wide, /^y\s+0\/1\s+Pending\s+0\s+\S+\s+<none>\s+<none>\s+<none>\s+<none>$/m);
    const onNode = await ok(['get', 'pods', '--field-selector', 'spec.nodeName=node-1', '-o', 'name']);
    assert.equal(onNode, 'pod/x\n');
    await setPodRunning('y');
    assert.equal(await ok(['get', 'pods', '--field-selector', 'status.phase=Running', '-o', 'name']), 'pod/y\n');
    assert.equal(await ok(['get', 'pods', '--field-selector', 'status.phase=Pending', '-o', 'name']), 'pod/x\n');
    assert.equal(await ok(['get', 'pods', '--field-selector', 'status.podIP=10.1.0.7', '-o', 'name']), 'pod/y\n');
    const bad = await kubectl(kc(), ['get', 'pods', '--field-selector', 'spec.image=nginx']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /field label not supported: spec.image/);
  });

  test('the legacy bindings resource binds the pod its Binding names; anything but create is refused', async () => {
    await ok(['create', 'namespace', 'legacy-binding']);
    await ok(['run', 'b', '--image=nginx:1.27', '-n', 'legacy-binding']);
    const body = (name: string, node: string) => ({
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name },
      target: { kind: 'Node', name: node },
    });
    const r = await api.request('POST', '/api/v1/namespaces/legacy-binding/bindings', body('b', 'node-9'));
    assert.equal(r.status, 201);
    assert.equal(r.json().status, 'Success');
    const pod = await getJson(['get', 'pod', 'b', '-n', 'legacy-binding']);
    assert.equal((pod.spec as Json).nodeName, 'node-9');
    const again = await api.request('POST', '/api/v1/namespaces/legacy-binding/bindings', body('b', 'node-8'));
    assert.equal(again.status, 409);
    const missing = await api.request('POST', '/api/v1/namespaces/legacy-binding/bindings', body('nope', 'node-8'));
    assert.equal(missing.status, 404);
    assert.equal(missing.json().message, 'pods "nope" not found');
    const list = await api.request('GET', '/api/v1/namespaces/legacy-binding/bindings');
    assert.equal(list.status, 405);
  });

  test('updates: images may change, anything else is Forbidden with upstream message; status writes keep the spec', async () => {
    await ok(['set', 'image', 'pod/y', 'y=nginx:1.28']);
    assert.equal((((await getJson(['get', 'pod', 'y'])).spec as Json).containers as Json[])[0].image, 'nginx:1.28');
    const res = await kubectl(kc(), ['patch', 'pod', 'y', '--type=merge', '-p', '{"spec":{"restartPolicy":"Never"}}']);
    assert.notEqual(res.code, 0);
    assert.match(
      res.stderr,
      /spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/,
    );
    // a status write may not move the spec
    await ok([
      'patch',
      'pod',
      'y',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"spec":{"nodeName":"z"},"status":{"phase":"Running"}}',
    ]);
    assert.equal(((await getJson(['get', 'pod', 'y'])).spec as Json).nodeName, undefined);
  });

  test('kubectl debug adds an ephemeral container through pods/ephemeralcontainers', async () => {
    await ok(['debug', 'x', '--image=busybox', '--container=dbg']);
    const spec = (await getJson(['get', 'pod', 'x'])).spec as Json;
    const [ec] = spec.ephemeralContainers as Json[];
    assert.equal(ec.name, 'dbg');
    assert.equal(ec.image, 'busybox');
    assert.equal(ec.terminationMessagePolicy, 'File');
    // removing it again is refused
    const removed = await api.request(
      'PATCH',
      '/api/v1/namespaces/default/pods/x/ephemeralcontainers',
      { spec: { ephemeralContainers: [] } },
      { 'content-type': 'application/merge-patch+json' },
    );
    assert.equal(removed.status, 422);
    assert.match(String(removed.json().message), /existing ephemeral containers "dbg" may not be removed/);
    // server-side apply through the subresource adds one too, and owns it as that subresource
    const applied = await api.request(
      'PATCH',
      '/api/v1/namespaces/default/pods/x/ephemeralcontainers?fieldManager=debugger',
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'x', labels: { evil: 'yes' } },
        spec: { ephemeralContainers: [{ name: 'dbg2', image: 'busybox' }] },
      },
      { 'content-type': 'application/apply-patch+yaml' },
    );
    assert.equal(applied.status, 200, applied.body.toString());
    const after = (await api.request('GET', '/api/v1/namespaces/default/pods/x')).json();
    const names = ((after.spec as Json).ephemeralContainers as Json[]).map((c) => c.name);
    assert.deepEqual(names, ['dbg', 'dbg2']);
    // only the ephemeral containers part is taken: the labels are unchanged
    assert.equal(((after.metadata as Json).labels as Json).evil, undefined);
    const entry = ((after.metadata as Json).managedFields as Json[]).find((m) => m.manager === 'debugger');
    assert.equal(entry?.operation, 'Apply');
    assert.equal(entry?.subresource, 'ephemeralcontainers');
  });

  test('a scheduled pod is deleted gracefully (Terminating) until a grace-0 delete; an unscheduled one at once', async () => {
    await ok(['delete', 'pod', 'x', '--wait=false']);
    const pod = await getJson(['get', 'pod', 'x']);
    const meta = pod.metadata as Json;
    assert.equal(meta.deletionGracePeriodSeconds, 30);
    assert.ok(Date.parse(String(meta.deletionTimestamp)) > Date.now() + 20_000);
    assert.match(await ok(['get', 'pod', 'x']), /^x\s+0\/1\s+Terminating\s/m);
    // writes to a terminating pod do not remove it before its grace period's owner does
    await ok(['label', 'pod', 'x', 'seen=yes']);
    assert.equal((await getJson(['get', 'pod', 'x'])).kind, 'Pod');
    await ok(['delete', 'pod', 'x', '--grace-period=0', '--force']);
    assert.match((await kubectl(kc(), ['get', 'pod', 'x'])).stderr, /pods "x" not found/);
    // a policy/v1beta1 Eviction is taken too; a Pending pod goes without a budget check
    await ok(['run', 'old-client', '--image=nginx']);
    const r = await api.request('POST', '/api/v1/namespaces/default/pods/old-client/eviction', {
      apiVersion: 'policy/v1beta1',
      kind: 'Eviction',
      metadata: { name: 'old-client' },
    });
    assert.equal(r.status, 201, r.body.toString());
    assert.match((await kubectl(kc(), ['get', 'pod', 'old-client'])).stderr, /not found/);
  });

  test('PDB: kubectl create pdb; eviction is 429 at 0 disruptions allowed, allowed at 1 and recorded', async () => {
    await ok(['create', 'pdb', 'web', '--selector=app=web', '--min-available=1']);
    assert.match(
      await ok(['get', 'pdb']),
      /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\nweb\s+1\s+N\/A\s+0\s+\S+\n/,
    );
    await ok(['run', 'web-1', '--image=nginx', '--labels=app=web']);
    // a Pending pod is evicted without asking the budget, so make it a running, ready one
    await setPodRunning('web-1');
    // the budget's controller has not seen generation 1 yet
    const early = await evict('web-1');
    assert.equal(early.status, 429);
    assert.equal(early.headers['retry-after'], '10');
    assert.deepEqual((early.json().details as Json).causes, [
      { reason: 'DisruptionBudget', message: 'The disruption budget web is still being processed by the server.' },
    ]);
    await setBudget('web', 0);
    const refused = await evict('web-1');
    assert.equal(refused.status, 429);
    const status = refused.json();
    assert.equal(status.reason, 'TooManyRequests');
    assert.equal(status.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.deepEqual((status.details as Json).causes, [
      { reason: 'DisruptionBudget', message: 'The disruption budget web needs 1 healthy pods and has 1 currently' },
    ]);
    const viaKubectl = await kubectl(
      kc(),
      ['create', '--raw', '/api/v1/namespaces/default/pods/web-1/eviction', '-f', '-'],
      JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-1' } }),
    );
    assert.notEqual(viaKubectl.code, 0);
    assert.match(viaKubectl.stderr, /Cannot evict pod as it would violate the pod's disruption budget/);
    assert.equal((await getJson(['get', 'pod', 'web-1'])).kind, 'Pod');

    await setBudget('web', 1);
    const allowed = await evict('web-1');
    assert.equal(allowed.status, 201, allowed.body.toString());
    assert.deepEqual(allowed.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    const gone = await kubectl(kc(), ['get', 'pod', 'web-1']);
    assert.match(gone.stderr, /pods "web-1" not found/);
    const pdb = await getJson(['get', 'pdb', 'web']);
    const pdbStatus = pdb.status as Json;
    assert.equal(pdbStatus.disruptionsAllowed, 0);
    assert.ok((pdbStatus.disruptedPods as Json)['web-1']);
  });

  test('eviction: two budgets over one pod is upstream 500; an unknown pod is 404', async () => {
    await ok(['run', 'two', '--image=nginx', '--labels=app=two']);
    await setPodRunning('two');
    await ok(['create', 'pdb', 'two-a', '--selector=app=two', '--max-unavailable=1']);
    await ok(['create', 'pdb', 'two-b', '--selector=app=two', '--min-available=50%']);
    const r = await evict('two');
    assert.equal(r.status, 500);
    assert.match(String(r.json().message), /This pod has more than one PodDisruptionBudget/);
    assert.equal((await evict('missing')).status, 404);
    const both = await kubectl(kc(), [
      'create',
      'pdb',
      'bad',
      '--selector=a=b',
      '--min-available=1',
      '--max-unavailable=1',
    ]);
    assert.notEqual(both.code, 0);
  });

  test('podtemplates are served and their template validated', async () => {
    await ok(
      ['create', '-f', '-'],
      'apiVersion: v1\nkind: PodTemplate\nmetadata: {name: t}\ntemplate:\n  metadata: {labels: {a: b}}\n  spec: {containers: [{name: c, image: nginx}]}\n',
    );
    assert.match(await ok(['get', 'podtemplates']), /^NAME\s+CONTAINERS\s+IMAGES\s+POD LABELS\nt\s+c\s+nginx\s+a=b\n/);
    const bad = await kubectl(
      kc(),
      ['create', '-f', '-'],
      'apiVersion: v1\nkind: PodTemplate\nmetadata: {name: u}\ntemplate:\n  spec: {containers: [{name: c}]}\n',
    );
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /template.spec.containers\[0\].image: Required value/);
  });

  test('kubectl explain pod.spec.containers', async () => {
    const out = await ok(['explain', 'pod.spec.containers']);
    assert.match(out, /KIND:\s+Pod/);
    assert.match(out, /FIELD: containers <\[\]Container>/);
    assert.match(out, /^\s+image\s+<string>/m);
    assert.match(out, /^\s+imagePullPolicy\s+<string>/m);
  });

  test('a token bound to a pod authenticates while the pod lives, 401 after it is deleted', async () => {
    await ok(['create', 'serviceaccount', 'sa']);
    await ok(['run', 'p', '--image=nginx']);
    const uid = String(((await getJson(['get', 'pod', 'p'])).metadata as Json).uid);
    const token = (
      await ok([
        'create',
        'token',
        'sa',
        '--bound-object-kind',
        'Pod',
        '--bound-object-name',
        'p',
        '--bound-object-uid',
        uid,
      ])
    ).trim();
    const review = { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' };
    const path = '/apis/authentication.k8s.io/v1/selfsubjectreviews';
    assert.equal(await withToken(kc(), token, 'POST', path, review), 201);
    await ok(['delete', 'pod', 'p']);
    let code = 0;
    for (let i = 0; i < 150 && code !== 401; i++) {
      code = await withToken(kc(), token, 'POST', path, review);
      if (code !== 401) await sleep(100);
    }
    assert.equal(code, 401);
  });
});
