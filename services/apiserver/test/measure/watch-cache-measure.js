// Focused in-process measure of the watch cache (not part of the test suite).
//
//   node services/apiserver/test/measure/watch-cache-measure.js [dist storage dir]
//
// The argument defaults to this tree's build (dist/services/apiserver/src/storage).
// To compare with an older commit, build that commit's storage/ elsewhere and pass
// its dist directory; a build without per-resource cachers is detected and fed the
// same requests (it scans where the new one uses the field index). Times are CPU
// time of this process per operation; predicate calls are exact counts.

const path = require('node:path');
const os = require('node:os');
const fs = require('node:fs');
const dir = path.resolve(process.argv[2] ?? path.join(__dirname, '../../../../dist/services/apiserver/src/storage'));
const { createCacher } = require(path.join(dir, 'cacher.js'));
const { openStorage } = require(path.join(dir, 'factory.js'));
const { jsonStorageCodec } = require(path.join(dir, 'codec.js'));

const NODES = 100,
  PODS = 5000,
  OTHER = 19,
  OTHER_EACH = 100;
const nodeOf = (o) => (o.spec && o.spec.nodeName) || '';
function pod(i) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p-${i}`, namespace: `ns-${i % 10}`, uid: `u-${i}`, labels: { app: `a-${i % 50}` } },
    spec: {
      nodeName: `node-${i % NODES}`,
      containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9', args: ['x'.repeat(300)] }],
    },
  };
}
// CPU time (user+system) of this process: less disturbed by other load than wall time
const now = () => process.cpuUsage();
const ms = (t) => {
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000;
};

(async () => {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-measure-'));
  const opened = await openStorage({ backend: 'embedded', dataDir: data }, jsonStorageCodec);
  const s = opened.storage;
  for (let i = 0; i < PODS; i++) await s.create(`/registry/pods/ns-${i % 10}/p-${i}`, pod(i));
  for (let r = 0; r < OTHER; r++)
    for (let i = 0; i < OTHER_EACH; i++)
      await s.create(`/registry/kind${r}/ns/o-${i}`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `o-${i}`, namespace: 'ns' },
        data: { k: 'v'.repeat(200) },
      });
  const prefixes = ['/registry/pods/', ...Array.from({ length: OTHER }, (_, r) => `/registry/kind${r}/`)];
  const perResource = typeof createCacher(s, { prefixes: [] }).forResource === 'function';
  const c = createCacher(s, {
    prefixes: perResource ? [] : prefixes,
    backend: opened.backend,
    decodedWorkingSetBytes: 64 << 20,
  });
  if (perResource)
    for (const p of prefixes)
      c.forResource(p, p === '/registry/pods/' ? { indexers: { 'spec.nodeName': nodeOf } } : {});
  await c.ready();
  const out = { build: perResource ? 'per-resource' : 'single', pods: PODS, nodes: NODES };
  // warm: decode everything once
  for (const p of prefixes) await c.list(p, { resourceVersion: '0' });

  let t = now();
  for (let i = 0; i < 20000; i++)
    await c.get(`/registry/kind${i % OTHER}/ns/o-${i % OTHER_EACH}`, { resourceVersion: '0' });
  out.get_rv0_us = +((ms(t) * 1000) / 20000).toFixed(2);

  t = now();
  for (let i = 0; i < 1000; i++) await c.list(`/registry/kind${i % OTHER}/`, { resourceVersion: '0' });
  out.list100_rv0_us = +((ms(t) * 1000) / 1000).toFixed(1);

  t = now();
  for (let i = 0; i < 2000; i++) await c.list(`/registry/kind${i % OTHER}/`, {});
  out.list100_consistent_us = +((ms(t) * 1000) / 2000).toFixed(1);

  let calls = 0;
  t = now();
  for (let i = 0; i < 500; i++) {
    const node = `node-${i % NODES}`;
    const r = await c.list('/registry/pods/', {
      resourceVersion: '0',
      predicate: (o) => (calls++, nodeOf(o) === node),
      indexHint: { fields: { 'spec.nodeName': node } },
    });
    if (r.items.length !== PODS / NODES) throw new Error(`got ${r.items.length}`);
  }
  out.pods_by_node_list_us = +((ms(t) * 1000) / 500).toFixed(1);
  out.pods_by_node_list_predicate_calls = calls / 500;

  // one watcher per node (kubelets); 1000 updates spread over the nodes
  const rev = String(await s.currentRevision());
  let wcalls = 0,
    received = 0;
  const watchers = [];
  for (let n = 0; n < NODES; n++) {
    const node = `node-${n}`;
    const w = await c.watch('/registry/pods/', {
      resourceVersion: rev,
      predicate: (o) => (wcalls++, nodeOf(o) === node),
      indexHint: { fields: { 'spec.nodeName': node } },
    });
    watchers.push(w);
    (async () => {
      for await (const ev of w) if (ev.type !== 'BOOKMARK') received++;
    })();
  }
  const UPDATES = 1000;
  const writes = [];
  for (let i = 0; i < UPDATES; i++) {
    const k = `/registry/pods/ns-${i % 10}/p-${i}`;
    writes.push(
      s.guaranteedUpdate(k, undefined, (cur) => ({
        ...cur,
        metadata: { ...cur.metadata, labels: { app: 'changed' } },
      })),
    );
  }
  t = now();
  await Promise.all(writes);
  while (received < UPDATES) await new Promise((r) => setImmediate(r));
  out.watch_fanout_1000_updates_100_watchers_ms = +ms(t).toFixed(0);
  out.watch_predicate_calls_per_event = +(wcalls / UPDATES).toFixed(2);
  for (const w of watchers) w.stop();
  // CPU spent only in dispatch: apply with a fake event stream is not public; report process CPU instead
  out.rss_mb = Math.round(process.memoryUsage().rss / 1048576);
  console.log(JSON.stringify(out));
  c.stop();
  await s.close();
  fs.rmSync(data, { recursive: true, force: true });
  process.exit(0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
