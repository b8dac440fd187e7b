import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { KubeObject } from '../src/api/object';
import { matchesLabels, parseLabelSelector, requiredLabelValues } from '../src/selection/labels';
import { createCacher, type Cacher } from '../src/storage/cacher';
import { jsonStorageCodec } from '../src/storage/codec';
import { openStorage, type OpenedStorage } from '../src/storage/factory';

const PREFIX = '/registry/configmaps/';

function cm(name: string, ns: string, labels: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, uid: `u-${name}`, labels } };
}

describe('watch cache label index', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-index-'));
  let opened: OpenedStorage;
  let cacher: Cacher;

  before(async () => {
    opened = await openStorage({ backend: 'embedded', dataDir: dir }, jsonStorageCodec);
    for (let i = 0; i < 2000; i++) {
      const ns = i % 2 === 0 ? 'a' : 'b';
      const labels: Record<string, string> = { tier: i % 100 === 0 ? 'gold' : 'bronze', n: String(i % 7) };
      await opened.storage.create(`${PREFIX}${ns}/c-${String(i).padStart(4, '0')}`, cm(`c-${i}`, ns, labels));
    }
    cacher = createCacher(opened.storage, { prefixes: [PREFIX], backend: opened.backend });
    await cacher.ready();
  });
  after(async () => {
    cacher?.stop();
    await opened?.storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The same list through the index and by scanning, for a selector. */
  async function both(selector: string, prefix = PREFIX): Promise<[string[], string[]]> {
    const sel = parseLabelSelector(selector);
    const predicate = (o: KubeObject) => matchesLabels(sel, o.metadata?.labels);
    const names = (items: KubeObject[]) => items.map((i) => `${i.metadata?.namespace}/${i.metadata?.name}`);
    const hinted = await cacher.list(prefix, {
      resourceVersion: '0',
      predicate,
      indexHint: { labels: requiredLabelValues(sel) },
    });
    const scanned = await cacher.list(prefix, { resourceVersion: '0', predicate });
    return [names(hinted.items), names(scanned.items)];
  }

  test('indexed lists equal scanned lists, in key order, within the namespace prefix', async () => {
    for (const [sel, prefix] of [
      ['tier=gold', PREFIX],
      ['tier=gold', `${PREFIX}a/`],
      ['tier in (gold),n=3', PREFIX],
      ['tier=gold,n!=3', `${PREFIX}b/`],
      ['tier=platinum', PREFIX],
    ] as const) {
      const [hinted, scanned] = await both(sel, prefix);
      assert.deepEqual(hinted, scanned, `${sel} under ${prefix}`);
    }
    const [gold] = await both('tier=gold');
    assert.equal(gold.length, 20);
  });

  test('the index follows relabels and deletions', async () => {
    const key = `${PREFIX}a/c-0000`;
    await opened.storage.guaranteedUpdate(key, undefined, (cur) => ({
      ...cur,
      metadata: { ...cur.metadata, labels: { tier: 'bronze', n: '0' } },
    }));
    await opened.storage.delete(`${PREFIX}a/c-0100`);
    await opened.storage.create(`${PREFIX}a/new-gold`, cm('new-gold', 'a', { tier: 'gold' }));
    // a consistent read waits for the cache to apply those writes
    const sel = parseLabelSelector('tier=gold');
    const hinted = await cacher.list(PREFIX, {
      predicate: (o) => matchesLabels(sel, o.metadata?.labels),
      indexHint: { labels: { tier: 'gold' } },
    });
    const names = hinted.items.map((i) => i.metadata?.name);
    assert.ok(!names.includes('c-0') && !names.includes('c-100'));
    assert.ok(names.includes('new-gold'));
    assert.equal(names.length, 19);
  });

  test('a key hint (a field selector pinning metadata.name) reads only those keys', async () => {
    let calls = 0;
    const predicate = (o: KubeObject) => {
      calls++;
      return o.metadata?.name === 'c-7';
    };
    const hinted = await cacher.list(PREFIX, {
      resourceVersion: '0',
      predicate,
      indexHint: { keys: [`${PREFIX}b/c-0007`, `${PREFIX}a/none`] },
    });
    assert.deepEqual(
      hinted.items.map((i) => i.metadata?.name),
      ['c-7'],
    );
    assert.equal(calls, 1, 'the predicate ran on the one existing key only');
    calls = 0;
    const scanned = await cacher.list(PREFIX, { resourceVersion: '0', predicate });
    assert.deepEqual(scanned.items, hinted.items);
    assert.equal(calls, 2000);
    // keys outside the listed prefix are not read
    const outside = await cacher.list(`${PREFIX}a/`, {
      resourceVersion: '0',
      predicate,
      indexHint: { keys: [`${PREFIX}b/c-0007`] },
    });
    assert.deepEqual(outside.items, []);
  });

  test('an indexed selector list is faster than scanning 2,000 objects', async () => {
    const sel = parseLabelSelector('tier=gold');
    const predicate = (o: KubeObject) => matchesLabels(sel, o.metadata?.labels);
    const time = async (hint: boolean): Promise<number> => {
      const t = process.hrtime.bigint();
      for (let i = 0; i < 200; i++) {
        await cacher.list(PREFIX, {
          resourceVersion: '0',
          predicate,
          indexHint: hint ? { labels: { tier: 'gold' } } : undefined,
        });
      }
      return Number(process.hrtime.bigint() - t) / 200e6;
    };
    const scanned = await time(false);
    const indexed = await time(true);
    process.stdout.write(
      `# label selector list of 2,000: scanned ${scanned.toFixed(3)} ms, indexed ${indexed.toFixed(3)} ms\n`,
    );
    assert.ok(indexed < scanned, `indexed ${indexed} ms should beat scanning ${scanned} ms`);
  });
});
