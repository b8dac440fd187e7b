import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { KubeObject } from '../src/api/object';
import { Bitmap } from '../src/registry/services/bitmap';
import { ServiceIPAllocator, ServiceIPRange } from '../src/registry/services/ipallocator';
import { NodePortAllocator, NodePortRange } from '../src/registry/services/portallocator';
import { repairAllocators } from '../src/registry/services/repair';
import { loadSchemaSet } from '../src/schema/load';
import { openStorage, type OpenedStorage } from '../src/storage/factory';
import { storageCodecFor } from '../src/storage/protobuf-codec';
import { startEtcd, type RunningEtcd } from './helpers/etcd';

const codec = storageCodecFor('application/vnd.kubernetes.protobuf', loadSchemaSet());
const RANGE = '10.96.0.0/12';
const PORTS = '30000-32767';

describe('bitmap', () => {
  test('big-endian shortest form, bit i = offset i (upstream big.Int.Bytes)', () => {
    const bm = new Bitmap(20);
    assert.equal(bm.toBigEndian().length, 0);
    bm.set(0);
    assert.deepEqual([...bm.toBigEndian()], [0x01]);
    bm.set(9);
    assert.deepEqual([...bm.toBigEndian()], [0x02, 0x01]);
    const back = Bitmap.fromBigEndian(20, bm.toBigEndian());
    assert.deepEqual(back.offsets(), [0, 9]);
    assert.equal(back.count(), 2);
  });

  test('findFree wraps inside its window and skips reserved offsets', () => {
    const bm = new Bitmap(16);
    for (let i = 4; i < 16; i++) bm.set(i);
    assert.equal(bm.findFree(4, 16, 10), undefined);
    assert.equal(bm.findFree(0, 4, 3), 3);
    assert.equal(
      bm.findFree(0, 4, 0, (o) => o === 0),
      1,
    );
  });
});

describe('ranges', () => {
  test('service CIDR: offset 0 is network+1, broadcast excluded, first IP reserved from dynamic use', () => {
    const r = new ServiceIPRange('10.96.0.0/12');
    assert.equal(r.cidr, '10.96.0.0/12');
    assert.equal(r.size, 2 ** 20 - 2);
    assert.equal(r.firstIP, '10.96.0.1');
    assert.equal(r.offsetOf('10.96.0.0'), undefined);
    assert.equal(r.offsetOf('10.111.255.255'), undefined);
    assert.equal(r.offsetOf('10.111.255.254'), 2 ** 20 - 3);
    assert.equal(r.offsetOf('10.112.0.1'), undefined);
    assert.equal(r.spec.dynamicStart, 256);
    assert.ok(r.spec.reserved.has(0));
    const small = new ServiceIPRange('192.168.0.0/28');
    assert.equal(small.size, 14);
    assert.equal(small.spec.dynamicStart, 0);
    const v6 = new ServiceIPRange('fd00:10:96::/112');
    assert.equal(v6.familyName, 'IPv6');
    assert.equal(v6.firstIP, 'fd00:10:96::1');
    assert.equal(v6.size, 65535);
  });

  test('node port range: 30000-32767, dynamic allocation from offset 86', () => {
    const r = new NodePortRange(PORTS);
    assert.equal(r.text, '30000-32767');
    assert.equal(r.size, 2768);
    assert.equal(r.spec.dynamicStart, 86);
    assert.equal(r.offsetOf(29999), undefined);
    assert.equal(r.offsetOf(32767), 2767);
  });
});

/** The allocator behaviour every backend must show. */
function allocatorSuite(name: string, open: () => Promise<OpenedStorage>): void {
  describe(`allocators over ${name}`, () => {
    let opened: OpenedStorage;
    let prefix: string;
    let n = 0;
    before(async () => {
      opened = await open();
    });
    after(async () => {
      await opened.storage.close();
    });
    const fresh = (): string => {
      prefix = `/registry-test-${process.pid}-${n++}`;
      return prefix;
    };

    test('dynamic ClusterIPs are distinct, in range, never the reserved first address; release frees', async () => {
      const p = fresh();
      const a = new ServiceIPAllocator(opened.storage, p, RANGE);
      const results = await Promise.all(Array.from({ length: 50 }, () => a.allocate([''])));
      const ips = results.map(([r]) => {
        assert.ok(r.ok);
        return r.ip;
      });
      assert.equal(new Set(ips).size, 50);
      for (const ip of ips) {
        const off = a.range.offsetOf(ip);
        assert.ok(off !== undefined && off >= 256, `${ip} in the dynamic part of the range`);
      }
      const stored = await opened.storage.get(`${p}/ranges/serviceips`);
      assert.equal(stored?.kind, 'RangeAllocation');
      assert.equal(stored?.range, '10.96.0.0/12');
      assert.equal((await a.allocated()).length, 50);
      await a.release(ips);
      assert.deepEqual(await a.allocated(), []);
    });

    test('requested ClusterIP honoured, taken or out of range refused with upstream messages', async () => {
      const p = fresh();
      const a = new ServiceIPAllocator(opened.storage, p, RANGE);
      assert.deepEqual(await a.allocate(['10.96.0.1']), [{ ok: true, ip: '10.96.0.1' }]);
      assert.deepEqual(await a.allocate(['10.96.0.1']), [
        { ok: false, ip: '10.96.0.1', message: 'provided IP is already allocated' },
      ]);
      assert.deepEqual(await a.allocate(['1.2.3.4']), [
        {
          ok: false,
          ip: '1.2.3.4',
          message: 'the provided IP (1.2.3.4) is not in the valid range. The range of valid IPs is 10.96.0.0/12',
        },
      ]);
      // dry run: checks, allocates nothing
      const [dry] = await a.allocate(['10.100.0.7'], true);
      assert.ok(dry.ok);
      assert.deepEqual(await a.allocated(), ['10.96.0.1']);
      await a.release(['10.96.0.1']);
      assert.deepEqual(await a.allocate(['10.96.0.1']), [{ ok: true, ip: '10.96.0.1' }]);
    });

    test('a tiny range fills up and says so', async () => {
      const p = fresh();
      const a = new ServiceIPAllocator(opened.storage, p, '192.168.7.0/29');
      // 6 usable addresses, the first reserved: 5 dynamic
      const got = await a.allocate(['', '', '', '', '', '']);
      assert.equal(got.filter((r) => r.ok).length, 5);
      assert.deepEqual(got[5], { ok: false, ip: '', message: 'range is full', full: true });
    });

    test('node ports: requested, taken, out of range, dynamic', async () => {
      const p = fresh();
      const a = new NodePortAllocator(opened.storage, p, PORTS);
      const res = await a.allocate([30080, 30080, 40000, 0]);
      assert.deepEqual(res[0], { ok: true, port: 30080 });
      assert.deepEqual(res[1], { ok: false, port: 30080, message: 'provided port is already allocated' });
      assert.deepEqual(res[2], {
        ok: false,
        port: 40000,
        message: 'provided port is not in the valid range. The range of valid ports is 30000-32767',
      });
      assert.ok(res[3].ok && res[3].port >= 30086 && res[3].port <= 32767);
      const stored = await opened.storage.get(`${p}/ranges/servicenodeports`);
      assert.equal(stored?.range, '30000-32767');
    });

    test('a changed range keeps the allocations that still fit', async () => {
      const p = fresh();
      const a = new ServiceIPAllocator(opened.storage, p, '10.0.0.0/24');
      await a.allocate(['10.0.0.10', '10.0.0.200']);
      const b = new ServiceIPAllocator(opened.storage, p, '10.0.0.0/25');
      assert.deepEqual(await b.allocated(), ['10.0.0.10']);
      assert.deepEqual(await b.allocate(['10.0.0.10']), [
        { ok: false, ip: '10.0.0.10', message: 'provided IP is already allocated' },
      ]);
    });

    test('repairAllocators rebuilds both bitmaps from the Services; leaks freed after the grace runs', async () => {
      const p = fresh();
      const deps = { storage: opened.storage, prefix: p, serviceClusterIPRange: RANGE, serviceNodePortRange: PORTS };
      const svc = (name: string, spec: Record<string, unknown>): KubeObject => ({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: 'default', uid: name },
        spec,
      });
      await opened.storage.create(
        `${p}/services/specs/default/a`,
        svc('a', {
          type: 'NodePort',
          clusterIP: '10.96.0.10',
          clusterIPs: ['10.96.0.10'],
          ports: [{ port: 80, protocol: 'TCP', nodePort: 30001 }],
        }),
      );
      await opened.storage.create(
        `${p}/services/specs/default/b`,
        svc('b', { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 80 }] }),
      );
      const ips = new ServiceIPAllocator(opened.storage, p, RANGE);
      await ips.allocate(['10.96.0.99']); // a leak: no Service holds it
      let r = await repairAllocators(deps);
      assert.deepEqual(r.ips.repaired, ['10.96.0.10']);
      assert.deepEqual(r.ips.leaked, ['10.96.0.99']);
      assert.deepEqual(r.nodePorts.repaired, ['30001']);
      assert.deepEqual(await ips.allocated(), ['10.96.0.10', '10.96.0.99']);
      await repairAllocators(deps);
      await repairAllocators(deps);
      r = await repairAllocators(deps);
      assert.deepEqual(r.ips.released, ['10.96.0.99']);
      assert.deepEqual(await ips.allocated(), ['10.96.0.10']);
      // with no grace a leak goes at once
      await ips.allocate(['10.96.0.98']);
      r = await repairAllocators(deps, { leakGraceRuns: 0 });
      assert.deepEqual(r.ips.released, ['10.96.0.98']);
      assert.equal(r.nodePorts.allocated, 1);
    });
  });
}

const embeddedDir = mkdtempSync(path.join(os.tmpdir(), 'kapi-alloc-'));
allocatorSuite('embedded storage', () => openStorage({ backend: 'embedded', dataDir: embeddedDir }, codec));
after(() => rmSync(embeddedDir, { recursive: true, force: true }));

describe('allocators over etcd', () => {
  let etcd: RunningEtcd;
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    await etcd.stop();
  });

  test('two allocators on separate Storage instances allocating 200 addresses at once hand out 200 distinct ones', async () => {
    const one = await openStorage({ backend: 'etcd3', etcdServers: [etcd.endpoint], compactionIntervalMs: 0 }, codec);
    const two = await openStorage({ backend: 'etcd3', etcdServers: [etcd.endpoint], compactionIntervalMs: 0 }, codec);
    try {
      // a deterministic "random" makes both replicas start their scans at the same offset
      const same = (): number => 0.5;
      const a = new ServiceIPAllocator(one.storage, '/registry', RANGE, same);
      const b = new ServiceIPAllocator(two.storage, '/registry', RANGE, same);
      const calls = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).allocate(['']));
      const ips = (await Promise.all(calls)).map(([r]) => {
        assert.ok(r.ok, JSON.stringify(r));
        return r.ip;
      });
      assert.equal(new Set(ips).size, 200);
      assert.equal((await a.allocated()).length, 200);
      await Promise.all(ips.map((ip, i) => (i % 2 === 0 ? b : a).release([ip])));
      assert.deepEqual(await b.allocated(), []);
    } finally {
      await one.storage.close();
      await two.storage.close();
    }
  });
});
