import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, describe, test } from 'node:test';
import { ApiClient } from './helpers/client';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

const CM = '/api/v1/namespaces/default/configmaps';

interface Event {
  type: string;
  object: { kind?: string; metadata: { name?: string; resourceVersion: string; annotations?: Record<string, string> } };
}

/** Reads a JSON watch stream until `until` says stop or the server ends it. */
function readWatch(
  c: ApiClient,
  path: string,
  until: (events: Event[]) => boolean,
  timeoutMs = 10_000,
): Promise<{ events: Event[]; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const events: Event[] = [];
    let buf = '';
    const agent = (c as unknown as { agent: https.Agent }).agent;
    const req = https.get(new URL(path, c.server), { agent }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`watch status ${res.statusCode}`));
        return;
      }
      const timer = setTimeout(() => {
        req.destroy();
        resolve({ events, ended: false });
      }, timeoutMs);
      res.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.trim()) events.push(JSON.parse(line) as Event);
        }
        if (until(events)) {
          clearTimeout(timer);
          req.destroy();
          resolve({ events, ended: false });
        }
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ events, ended: true });
      });
    });
    req.on('error', (e) => {
      if (!req.destroyed) reject(e);
    });
  });
}

describe('watch over HTTP', () => {
  let replica: ReplicaProcess | undefined;
  let c: ApiClient;
  before(async () => {
    replica = await startReplicaProcess();
    c = new ApiClient(replica.kubeconfig);
  });
  after(async () => {
    c?.close();
    await replica?.cleanup();
  });

  test('watch from a past resourceVersion replays every later change in order', async () => {
    const list = (await c.request('GET', CM)).json<{ metadata: { resourceVersion: string } }>();
    for (const n of ['a', 'b', 'c']) {
      assert.equal(
        (await c.request('POST', CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n } })).status,
        201,
      );
    }
    await c.request('DELETE', `${CM}/b`);
    const { events } = await readWatch(
      c,
      `${CM}?watch=true&resourceVersion=${list.metadata.resourceVersion}`,
      (e) => e.length >= 4,
    );
    assert.deepEqual(
      events.map((e) => `${e.type}:${e.object.metadata.name}`),
      ['ADDED:a', 'ADDED:b', 'ADDED:c', 'DELETED:b'],
    );
    const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
    assert.deepEqual(
      [...rvs].sort((x, y) => x - y),
      rvs,
    );
  });

  test('a single-object watch with fieldSelector sees only that object', async () => {
    const rv = (await c.request('GET', CM)).json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
    const pending = readWatch(
      c,
      `${CM}?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3Dsolo`,
      (e) => e.length >= 2,
    );
    await c.request('POST', CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other' } });
    await c.request('POST', CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'solo' } });
    await c.request('PATCH', `${CM}/solo`, { data: { x: 'y' } }, { 'content-type': 'application/merge-patch+json' });
    const { events } = await pending;
    assert.deepEqual(
      events.map((e) => `${e.type}:${e.object.metadata.name}`),
      ['ADDED:solo', 'MODIFIED:solo'],
    );
  });

  test('metadata.name and metadata.namespace field selectors give the same answers as a scan would', async () => {
    const names = (path: string) =>
      c
        .request('GET', path)
        .then((r) => r.json<{ items: { metadata: { name: string; namespace?: string } }[] }>())
        .then((l) => l.items.map((i) => (i.metadata.namespace ? `${i.metadata.namespace}/` : '') + i.metadata.name));
    for (const ns of ['fs-a', 'fs-b']) {
      await c.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      for (const n of ['x', 'y']) {
        const r = await c.request('POST', `/api/v1/namespaces/${ns}/configmaps`, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: n },
        });
        assert.equal(r.status, 201);
      }
    }
    const q = (sel: string) => `fieldSelector=${encodeURIComponent(sel)}`;
    for (const rv of ['', '&resourceVersion=0']) {
      assert.deepEqual(await names(`/api/v1/namespaces/fs-a/configmaps?${q('metadata.name=x')}${rv}`), ['fs-a/x']);
      assert.deepEqual(await names(`/api/v1/configmaps?${q('metadata.name=x,metadata.namespace=fs-b')}${rv}`), [
        'fs-b/x',
      ]);
      assert.deepEqual(await names(`/api/v1/configmaps?${q('metadata.name=x')}${rv}`), ['fs-a/x', 'fs-b/x']);
      const inB = await names(`/api/v1/configmaps?${q('metadata.namespace=fs-b')}${rv}`);
      assert.deepEqual(
        inB.filter((n) => n === 'fs-b/x' || n === 'fs-b/y'),
        ['fs-b/x', 'fs-b/y'],
      );
      assert.ok(
        inB.every((n) => n.startsWith('fs-b/')),
        inB.join(' '),
      );
      assert.deepEqual(
        await names(`/api/v1/namespaces/fs-a/configmaps?${q('metadata.name=x,metadata.namespace=fs-b')}${rv}`),
        [],
      );
      assert.deepEqual(await names(`/api/v1/namespaces/fs-a/configmaps?${q('metadata.name=nope')}${rv}`), []);
      assert.deepEqual(await names(`/api/v1/namespaces?${q('metadata.name=fs-a')}${rv}`), ['fs-a']);
      assert.deepEqual(
        (await names(`/api/v1/namespaces/fs-a/configmaps?${q('metadata.name!=x')}${rv}`)).filter(
          (n) => n !== 'fs-a/kube-root-ca.crt',
        ),
        ['fs-a/y'],
      );
    }
    // paging through a namespace-narrowed cluster-wide list
    const first = (await c.request('GET', `/api/v1/configmaps?${q('metadata.namespace=fs-a')}&limit=1`)).json<{
      items: { metadata: { name: string } }[];
      metadata: { continue?: string };
    }>();
    assert.equal(first.items.length, 1);
    assert.ok(first.metadata.continue);
    const rest = await names(
      `/api/v1/configmaps?${q('metadata.namespace=fs-a')}&limit=10&continue=${encodeURIComponent(first.metadata.continue)}`,
    );
    assert.ok(rest.length >= 1 && rest.every((n) => n.startsWith('fs-a/')), rest.join(' '));
    assert.ok(!rest.includes(`fs-a/${first.items[0].metadata.name}`));

    // a cluster-wide watch pinned to one object by both fields
    const rv = (await c.request('GET', '/api/v1/configmaps')).json<{ metadata: { resourceVersion: string } }>().metadata
      .resourceVersion;
    const pending = readWatch(
      c,
      `/api/v1/configmaps?watch=true&resourceVersion=${rv}&${q('metadata.namespace=fs-b,metadata.name=y')}`,
      (e) => e.length >= 1,
    );
    const patch = { 'content-type': 'application/merge-patch+json' };
    await c.request('PATCH', '/api/v1/namespaces/fs-a/configmaps/y', { data: { v: '1' } }, patch);
    await c.request('PATCH', '/api/v1/namespaces/fs-b/configmaps/x', { data: { v: '1' } }, patch);
    await c.request('PATCH', '/api/v1/namespaces/fs-b/configmaps/y', { data: { v: '1' } }, patch);
    const { events } = await pending;
    assert.deepEqual(
      events.map((e) => `${e.type}:${e.object.metadata.name}`),
      ['MODIFIED:y'],
    );
  });

  test('timeoutSeconds ends the stream', async () => {
    const started = Date.now();
    const { ended } = await readWatch(c, `${CM}?watch=true&timeoutSeconds=1`, () => false, 8000);
    assert.equal(ended, true);
    assert.ok(Date.now() - started < 5000);
  });

  test('sendInitialEvents gives current state then the initial-events-end bookmark', async () => {
    const { events } = await readWatch(
      c,
      `${CM}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`,
      (e) => e.some((x) => x.type === 'BOOKMARK'),
    );
    const names = events.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata.name);
    assert.ok(names.includes('a') && names.includes('c') && names.includes('solo'));
    const bookmark = events[events.length - 1];
    assert.equal(bookmark.type, 'BOOKMARK');
    assert.equal(bookmark.object.metadata.annotations?.['k8s.io/initial-events-end'], 'true');
  });

  test('a watch from a compacted or invalid resourceVersion fails with a Status', async () => {
    const r = await c.request('GET', `${CM}?watch=true&resourceVersion=abc`);
    assert.equal(r.status, 400);
    assert.equal(r.json<{ kind: string }>().kind, 'Status');
  });
});
