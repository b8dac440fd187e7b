import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ServiceIPAllocator, ServiceIPRange } from '../src/registry/services/ipallocator';
import { NodePortAllocator } from '../src/registry/services/portallocator';
import { loadSchemaSet } from '../src/schema/load';
import { openStorage } from '../src/storage/factory';
import { storageCodecFor } from '../src/storage/protobuf-codec';
import { ApiClient } from './helpers/client';
import { startEtcd, type RunningEtcd } from './helpers/etcd';
import { kubectl, kubectlOk } from './helpers/kubectl';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

const RANGE = new ServiceIPRange('10.96.0.0/12');

function inRange(ip: string): boolean {
  return RANGE.offsetOf(ip) !== undefined;
}

describe('Services through kubectl (one replica)', () => {
  let replica: ReplicaProcess;
  let kc: string;
  const k = (...args: string[]): Promise<string> => kubectlOk(kc, args);
  const jp = (what: string, path: string): Promise<string> => k('get', what, '-o', `jsonpath=${path}`);

  before(async () => {
    replica = await startReplicaProcess();
    kc = replica.kubeconfig;
  });
  after(async () => {
    await replica.cleanup();
  });

  test('create service clusterip gets a ClusterIP in range, defaults as upstream', async () => {
    await k('create', 'service', 'clusterip', 'my-svc', '--tcp=80:8080');
    const svc = JSON.parse(await k('get', 'svc', 'my-svc', '-o', 'json')) as {
      spec: Record<string, unknown>;
      status: unknown;
    };
    const ip = String(svc.spec.clusterIP);
    assert.ok(inRange(ip), ip);
    assert.notEqual(ip, '10.96.0.1');
    assert.deepEqual(svc.spec.clusterIPs, [ip]);
    assert.deepEqual(svc.spec.ipFamilies, ['IPv4']);
    assert.equal(svc.spec.ipFamilyPolicy, 'SingleStack');
    assert.equal(svc.spec.sessionAffinity, 'None');
    assert.equal(svc.spec.internalTrafficPolicy, 'Cluster');
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.deepEqual(svc.spec.ports, [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }]);
    assert.deepEqual(svc.status, { loadBalancer: {} });
  });

  test('kubectl get svc shows the upstream columns', async () => {
    const out = await k('get', 'svc', 'my-svc');
    const [header, row] = out.trim().split('\n');
    assert.deepEqual(header.split(/\s+/), ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    const cells = row.split(/\s+/);
    assert.equal(cells[0], 'my-svc');
    assert.equal(cells[1], 'ClusterIP');
    assert.ok(inRange(cells[2]));
    assert.equal(cells[3], '<none>');
    assert.equal(cells[4], '80/TCP');
    const wide = await k('get', 'svc', 'my-svc', '-o', 'wide');
    assert.match(wide.split('\n')[0], /SELECTOR$/);
    assert.match(wide.split('\n')[1], /app=my-svc$/);
    // the system's default/kubernetes Service holds the first address
    assert.equal(await jp('svc/kubernetes', '{.spec.clusterIP}'), '10.96.0.1');
  });

  test('create service nodeport gets a node port in 30000-32767', async () => {
    await k('create', 'service', 'nodeport', 'np', '--tcp=80:8080');
    const port = Number(await jp('svc/np', '{.spec.ports[0].nodePort}'));
    assert.ok(port >= 30000 && port <= 32767, String(port));
    assert.equal(await jp('svc/np', '{.spec.externalTrafficPolicy}'), 'Cluster');
    const row = (await k('get', 'svc', 'np', '--no-headers')).trim().split(/\s+/);
    assert.equal(row[4], `80:${port}/TCP`);
  });

  test('headless service: clusterIP None, nothing allocated', async () => {
    await k('create', 'service', 'clusterip', 'hl', '--clusterip=None');
    assert.equal(await jp('svc/hl', '{.spec.clusterIP}'), 'None');
    assert.equal(await jp('svc/hl', '{.spec.clusterIPs[0]}'), 'None');
    const row = (await k('get', 'svc', 'hl', '--no-headers')).trim().split(/\s+/);
    assert.equal(row[2], 'None');
    // headless without selector: RequireDualStack, both families listed (upstream, single-stack cluster)
    const doc = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'hl-nosel' },
      spec: { clusterIP: 'None', ports: [{ port: 80 }] },
    });
    await kubectlOk(kc, ['create', '-f', '-'], doc);
    assert.equal(await jp('svc/hl-nosel', '{.spec.ipFamilyPolicy}'), 'RequireDualStack');
    assert.equal(await jp('svc/hl-nosel', '{.spec.ipFamilies}'), '["IPv4","IPv6"]');
  });

  test('requested ClusterIP honoured; taken or out of range refused; delete frees it', async () => {
    await k('create', 'service', 'clusterip', 'req', '--clusterip=10.96.100.100', '--tcp=80');
    assert.equal(await jp('svc/req', '{.spec.clusterIP}'), '10.96.100.100');
    const taken = await kubectl(kc, [
      'create',
      'service',
      'clusterip',
      'req2',
      '--clusterip=10.96.100.100',
      '--tcp=80',
    ]);
    assert.notEqual(taken.code, 0);
    assert.match(
      taken.stderr,
      /Service "req2" is invalid: spec\.clusterIPs: Invalid value: \[\]string\{"10\.96\.100\.100"\}: failed to allocate IP 10\.96\.100\.100: provided IP is already allocated/,
    );
    const out = await kubectl(kc, ['create', 'service', 'clusterip', 'far', '--clusterip=1.2.3.4', '--tcp=80']);
    assert.notEqual(out.code, 0);
    assert.match(
      out.stderr,
      /the provided IP \(1\.2\.3\.4\) is not in the valid range\. The range of valid IPs is 10\.96\.0\.0\/12/,
    );
    // dry run checks without allocating
    const dry = await kubectl(kc, [
      'create',
      'service',
      'clusterip',
      'req3',
      '--clusterip=10.96.100.100',
      '--tcp=80',
      '--dry-run=server',
    ]);
    assert.notEqual(dry.code, 0);
    await k('create', 'service', 'clusterip', 'dry', '--clusterip=10.96.100.101', '--tcp=80', '--dry-run=server');
    await k('delete', 'svc', 'req');
    await k('create', 'service', 'clusterip', 'req2', '--clusterip=10.96.100.100', '--tcp=80');
    assert.equal(await jp('svc/req2', '{.spec.clusterIP}'), '10.96.100.100');
    // the dry-run request did not keep its address
    await k('create', 'service', 'clusterip', 'dry', '--clusterip=10.96.100.101', '--tcp=80');
  });

  test('requested node port honoured, taken refused, freed by a type change', async () => {
    const svc = (name: string, type: string): string =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name },
        spec: { type, selector: { app: name }, ports: [{ port: 80, nodePort: 30080 }] },
      });
    await kubectlOk(kc, ['create', '-f', '-'], svc('np1', 'NodePort'));
    assert.equal(await jp('svc/np1', '{.spec.ports[0].nodePort}'), '30080');
    const taken = await kubectl(kc, ['create', '-f', '-'], svc('np2', 'NodePort'));
    assert.notEqual(taken.code, 0);
    assert.match(taken.stderr, /spec\.ports\[0\]\.nodePort: Invalid value: 30080: provided port is already allocated/);
    const far = await kubectl(kc, ['create', '-f', '-'], svc('np3', 'NodePort').replace('30080', '40000'));
    assert.match(
      far.stderr,
      /spec\.ports\[0\]\.nodePort: Invalid value: 40000: provided port is not in the valid range\. The range of valid ports is 30000-32767/,
    );
    // NodePort -> ClusterIP drops the node port and frees it
    await k('patch', 'svc', 'np1', '-p', '{"spec":{"type":"ClusterIP"}}');
    assert.equal(await jp('svc/np1', '{.spec.ports[0].nodePort}'), '');
    await kubectlOk(kc, ['create', '-f', '-'], svc('np2', 'NodePort'));
    assert.equal(await jp('svc/np2', '{.spec.ports[0].nodePort}'), '30080');
    // the ClusterIP cannot change
    const ip = await jp('svc/np1', '{.spec.clusterIP}');
    const change = await kubectl(kc, [
      'patch',
      'svc',
      'np1',
      '-p',
      '{"spec":{"clusterIP":"10.96.5.5","clusterIPs":["10.96.5.5"]}}',
    ]);
    assert.notEqual(change.code, 0);
    assert.match(
      change.stderr,
      /spec\.clusterIPs\[0\]: Invalid value: \[\]string\{"10\.96\.5\.5"\}: may not change once set/,
    );
    // a replace without clusterIP keeps it (patchAllocatedValues)
    const current = JSON.parse(await k('get', 'svc', 'np1', '-o', 'json')) as { spec: Record<string, unknown> };
    delete current.spec.clusterIP;
    delete current.spec.clusterIPs;
    await kubectlOk(kc, ['replace', '-f', '-'], JSON.stringify(current));
    assert.equal(await jp('svc/np1', '{.spec.clusterIP}'), ip);
  });

  test('validation: ports required, names required for several ports, ExternalName', async () => {
    const bad = await kubectl(
      kc,
      ['create', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'noports' }, spec: {} }),
    );
    assert.match(bad.stderr, /spec\.ports: Required value/);
    const two = await kubectl(
      kc,
      ['create', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'two' },
        spec: { ports: [{ port: 80 }, { port: 81, name: 'b' }, { port: 70000, name: 'b' }] },
      }),
    );
    assert.match(two.stderr, /spec\.ports\[0\]\.name: Required value/);
    assert.match(two.stderr, /spec\.ports\[2\]\.name: Duplicate value: "b"/);
    assert.match(two.stderr, /spec\.ports\[2\]\.port: Invalid value: 70000: must be between 1 and 65535, inclusive/);
    await k('create', 'service', 'externalname', 'ext', '--external-name=db.example.com');
    const row = (await k('get', 'svc', 'ext', '--no-headers')).trim().split(/\s+/);
    assert.deepEqual(row.slice(1, 5), ['ExternalName', '<none>', 'db.example.com', '<none>']);
    const badName = await kubectl(kc, ['create', 'service', 'externalname', 'ext2', '--external-name=Not_A_Name']);
    assert.notEqual(badName.code, 0);
  });

  test('Endpoints, EndpointSlices and ServiceAccounts: tables and validation', async () => {
    const eps = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'my-svc' },
      subsets: [{ addresses: [{ ip: '10.1.0.1' }, { ip: '10.1.0.2' }], ports: [{ port: 8080 }] }],
    };
    await kubectlOk(kc, ['create', '-f', '-'], JSON.stringify(eps));
    const row = (await k('get', 'ep', 'my-svc', '--no-headers')).trim().split(/\s+/);
    assert.equal(row[1], '10.1.0.1:8080,10.1.0.2:8080');
    const loop = await kubectl(
      kc,
      ['create', '-f', '-'],
      JSON.stringify({ ...eps, metadata: { name: 'loop' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }] }] }),
    );
    assert.match(
      loop.stderr,
      /subsets\[0\]\.addresses\[0\]\.ip: Invalid value: "127\.0\.0\.1": may not be in the loopback range \(127\.0\.0\.0\/8, ::1\/128\)/,
    );
    const slice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'my-svc-abc', labels: { 'kubernetes.io/service-name': 'my-svc' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.1.0.1'] }, { addresses: ['10.1.0.2'] }],
      ports: [{ port: 8080 }],
    };
    await kubectlOk(kc, ['create', '-f', '-'], JSON.stringify(slice));
    const sliceOut = await k('get', 'endpointslices', 'my-svc-abc');
    const [h, r] = sliceOut.trim().split('\n');
    assert.deepEqual(h.split(/\s+/), ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE']);
    assert.deepEqual(r.split(/\s+/).slice(0, 4), ['my-svc-abc', 'IPv4', '8080', '10.1.0.1,10.1.0.2']);
    assert.equal(await jp('endpointslice/my-svc-abc', '{.ports[0].protocol}'), 'TCP');
    const badSlice = await kubectl(
      kc,
      ['create', '-f', '-'],
      JSON.stringify({ ...slice, metadata: { name: 'bad' }, addressType: 'IPv5', endpoints: [{ addresses: [] }] }),
    );
    assert.match(badSlice.stderr, /addressType: Unsupported value: "IPv5"/);
    assert.match(badSlice.stderr, /endpoints\[0\]\.addresses: Required value: must contain at least 1 address/);
    await k('create', 'serviceaccount', 'builder');
    const sa = (await k('get', 'sa', 'builder')).trim().split('\n');
    assert.deepEqual(sa[0].split(/\s+/), ['NAME', 'SECRETS', 'AGE']);
    assert.deepEqual(sa[1].split(/\s+/).slice(0, 2), ['builder', '0']);
    // short names and the "all" category
    const all = await k('get', 'all');
    assert.match(all, /service\/my-svc/);
  });
});

describe('200 Services created at once through three replicas on one etcd', () => {
  let etcd: RunningEtcd;
  const replicas: ReplicaProcess[] = [];
  before(async () => {
    etcd = await startEtcd();
    for (let i = 0; i < 3; i++) {
      replicas.push(
        await startReplicaProcess({ args: ['--storage-backend=etcd3', `--etcd-servers=${etcd.endpoint}`] }),
      );
    }
  });
  after(async () => {
    for (const r of replicas) await r.cleanup();
    await etcd.stop();
  });

  test('get 200 distinct ClusterIPs; deleting them frees every address', async () => {
    const clients = replicas.map((r) => new ApiClient(r.kubeconfig));
    try {
      const N = 200;
      const created = await Promise.all(
        Array.from({ length: N }, async (_, i) => {
          const res = await clients[i % 3].request('POST', '/api/v1/namespaces/default/services', {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: `svc-${i}` },
            spec: { selector: { app: `a${i}` }, ports: [{ port: 80 }], type: i % 10 === 0 ? 'NodePort' : 'ClusterIP' },
          });
          assert.equal(res.status, 201, res.body.toString());
          return res.json<{ spec: { clusterIP: string; ports: Array<{ nodePort?: number }> } }>().spec;
        }),
      );
      const ips = created.map((s) => s.clusterIP);
      assert.equal(new Set(ips).size, N);
      for (const ip of ips) assert.ok(inRange(ip) && ip !== '10.96.0.1', ip);
      const nodePorts = created.filter((s) => s.ports[0].nodePort).map((s) => s.ports[0].nodePort);
      assert.equal(nodePorts.length, 20);
      assert.equal(new Set(nodePorts).size, 20);

      const opened = await openStorage(
        { backend: 'etcd3', etcdServers: [etcd.endpoint], compactionIntervalMs: 0 },
        storageCodecFor('application/vnd.kubernetes.protobuf', loadSchemaSet()),
      );
      try {
        const bitmap = new ServiceIPAllocator(opened.storage, '/registry', '10.96.0.0/12');
        const ports = new NodePortAllocator(opened.storage, '/registry', '30000-32767');
        const allocated = new Set(await bitmap.allocated());
        for (const ip of ips) assert.ok(allocated.has(ip), ip);

        await Promise.all(
          Array.from({ length: N }, async (_, i) => {
            const res = await clients[(i + 1) % 3].request('DELETE', `/api/v1/namespaces/default/services/svc-${i}`);
            assert.equal(res.status, 200, res.body.toString());
          }),
        );
        // only the reserved first address (default/kubernetes) may remain
        const left = (await bitmap.allocated()).filter((ip) => ip !== '10.96.0.1');
        assert.deepEqual(left, []);
        assert.deepEqual(await ports.allocated(), []);
      } finally {
        await opened.storage.close();
      }
    } finally {
      for (const c of clients) c.close();
    }
  });
});
