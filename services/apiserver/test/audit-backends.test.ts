import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { legacyLine, LogBackend } from '../src/audit/log-backend';
import type { AuditEvent } from '../src/audit/types';
import { TokenBucket } from '../src/audit/throttle';
import { splitBySize, TruncatingBackend } from '../src/audit/truncate';
import { WebhookBackend } from '../src/audit/webhook-backend';
import { loadWebhookKubeconfig } from '../src/audit/webhook-kubeconfig';
import { startWebhookServer } from './helpers/webhook-server';

function event(i: number, pad = 0): AuditEvent {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `id-${i}`,
    stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/ns/configmaps/c${i}${'x'.repeat(pad)}`,
    verb: 'get',
    user: { username: 'alice', groups: ['dev', 'system:authenticated'] },
    sourceIPs: ['127.0.0.1'],
    userAgent: 'kubectl/v1.32.0',
    objectRef: { resource: 'configmaps', namespace: 'ns', name: `c${i}`, apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: '2024-05-01T10:00:00.120000Z',
    stageTimestamp: '2024-05-01T10:00:00.130000Z',
  };
}

const BACKUP = /^audit-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}\.log$/;

describe('audit log backend', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'kapi-audit-log-'));
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test('JSON lines, one per event, in order, file mode 0600', async () => {
    const dir = tmp();
    const file = path.join(dir, 'sub', 'audit.log');
    const b = new LogBackend({
      path: file,
      maxSizeMB: 0,
      maxBackups: 0,
      maxAgeDays: 0,
      format: 'json',
      log: () => undefined,
    });
    for (let i = 0; i < 50; i++) b.processEvents([event(i)]);
    await b.shutdown();
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 50);
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as AuditEvent).auditID),
      Array.from({ length: 50 }, (_, i) => `id-${i}`),
    );
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  test('rotation: <name>-<stamp><ext> backups, none over the size, maxbackup honoured, old ones aged out', async () => {
    const dir = tmp();
    const file = path.join(dir, 'audit.log');
    // a backup from long ago: maxage removes it at the first rotation
    writeFileSync(path.join(dir, 'audit-2001-01-01T00-00-00.000.log'), 'old\n');
    writeFileSync(path.join(dir, 'unrelated.log'), 'keep\n');
    const maxBytes = 4096;
    const b = new LogBackend({
      path: file,
      maxSizeMB: maxBytes / (1024 * 1024),
      maxBackups: 3,
      maxAgeDays: 30,
      format: 'json',
      log: () => undefined,
    });
    // ~600 bytes a line: dozens of rotations, in a few bursts
    for (let burst = 0; burst < 5; burst++) {
      for (let i = 0; i < 20; i++) b.processEvents([event(burst * 20 + i, 200)]);
      await new Promise((r) => setTimeout(r, 5));
    }
    await b.shutdown();
    const files = readdirSync(dir).sort();
    const backups = files.filter((f) => BACKUP.test(f));
    assert.equal(backups.length, 3, `backups: ${files.join(' ')}`);
    assert.ok(!files.includes('audit-2001-01-01T00-00-00.000.log'), 'the aged backup is gone');
    assert.ok(files.includes('unrelated.log'));
    for (const f of [...backups, 'audit.log']) {
      assert.ok(statSync(path.join(dir, f)).size <= maxBytes, `${f} is over the maximum size`);
    }
    // what is left is the newest events, each whole and once
    const kept = [...backups, 'audit.log'].flatMap((f) =>
      readFileSync(path.join(dir, f), 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as AuditEvent).auditID),
    );
    assert.equal(new Set(kept).size, kept.length);
    assert.equal(kept[kept.length - 1], 'id-99');
  });

  test('--audit-log-compress: backups become <backup>.gz and still count towards maxbackup', async () => {
    const dir = tmp();
    const file = path.join(dir, 'audit.log');
    const b = new LogBackend({
      path: file,
      maxSizeMB: 2048 / (1024 * 1024),
      maxBackups: 2,
      maxAgeDays: 0,
      format: 'json',
      compress: true,
      log: () => undefined,
    });
    for (let i = 0; i < 30; i++) {
      b.processEvents([event(i, 200)]);
      await new Promise((r) => setImmediate(r));
    }
    await b.shutdown();
    const files = readdirSync(dir);
    const gz = files.filter((f) => f.endsWith('.log.gz'));
    assert.equal(gz.length, 2, files.join(' '));
    assert.ok(gz.every((f) => BACKUP.test(f.slice(0, -3))));
    assert.deepEqual(
      files.filter((f) => BACKUP.test(f)),
      [],
      'no uncompressed backup is left',
    );
    const lines = gunzipSync(readFileSync(path.join(dir, gz.sort()[1])))
      .toString()
      .trimEnd()
      .split('\n');
    assert.ok(lines.length > 0 && lines.every((l) => (JSON.parse(l) as AuditEvent).kind === 'Event'));
  });

  test("legacy format: upstream's one-line EventString", () => {
    assert.equal(
      legacyLine(event(1)),
      '2024-05-01T10:00:00.12Z AUDIT: id="id-1" stage="ResponseComplete" ip="127.0.0.1" method="get" ' +
        'user="alice" groups="\\"dev\\",\\"system:authenticated\\"" as="<self>" asgroups="<lookup>" ' +
        'user-agent="kubectl/v1.32.0" namespace=ns uri="/api/v1/namespaces/ns/configmaps/c1" response="200"',
    );
  });
});

describe('audit truncation', () => {
  test('an event over the size loses its objects and says so; one still too large is dropped', async () => {
    const got: AuditEvent[] = [];
    const sink = { processEvents: (evs: AuditEvent[]) => got.push(...evs), shutdown: async () => undefined };
    const t = new TruncatingBackend(sink, 2000, () => undefined);
    const small: AuditEvent = { ...event(1), level: 'Request', requestObject: { a: 1 } };
    const big: AuditEvent = {
      ...event(2),
      level: 'RequestResponse',
      requestObject: { a: 'y'.repeat(3000) },
      responseObject: { b: 1 },
    };
    const hopeless: AuditEvent = { ...event(3, 3000), level: 'Request' };
    const bigMetadata: AuditEvent = { ...event(4), level: 'Metadata', annotations: { x: 'z'.repeat(3000) } };
    t.processEvents([small, big, hopeless, bigMetadata]);
    assert.deepEqual(
      got.map((e) => e.auditID),
      ['id-1', 'id-2'],
    );
    assert.deepEqual(got[0].requestObject, { a: 1 });
    assert.equal(got[1].requestObject, undefined);
    assert.equal(got[1].responseObject, undefined);
    assert.deepEqual(got[1].annotations, { 'audit.k8s.io/truncated': 'true' });
    assert.ok(big.requestObject, 'the original event is left alone');
  });

  test('batches split by serialized size, a lone big event still sent', () => {
    const evs = [event(1), event(2), event(3, 2000), event(4)];
    const one = JSON.stringify(event(1)).length;
    const parts = splitBySize(evs, one * 2 + 10);
    assert.deepEqual(
      parts.map((p) => p.map((e) => e.auditID)),
      [['id-1', 'id-2'], ['id-3'], ['id-4']],
    );
  });
});

describe('audit batch throttle', () => {
  test('burst at once, then qps a second', async () => {
    const bucket = new TokenBucket(20, 3);
    const started = Date.now();
    const at: number[] = [];
    for (let i = 0; i < 5; i++) {
      await bucket.take();
      at.push(Date.now() - started);
    }
    assert.ok(at[2] < 80, `the burst waited: ${at.join(' ')}`);
    assert.ok(at[4] >= 90, `two more at 20 qps take about 100 ms: ${at.join(' ')}`);
  });
});

describe('audit webhook backend', () => {
  test('EventList batches over HTTPS, retried after a 5xx, never more than the max size', async () => {
    let calls = 0;
    const server = await startWebhookServer({
      '/audit': () => {
        calls++;
        return calls === 1 ? { status: 503, body: 'busy' } : { body: '{}' };
      },
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-audit-wh-'));
    try {
      const kubeconfig = path.join(dir, 'webhook.kubeconfig');
      writeFileSync(
        kubeconfig,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters:',
          '- name: audit',
          '  cluster:',
          `    server: ${server.url('/audit')}`,
          `    certificate-authority-data: ${server.caBundle}`,
          'users:',
          '- name: kapi',
          '  user:',
          '    token: sekret',
          'contexts:',
          '- name: default',
          '  context: {cluster: audit, user: kapi}',
          'current-context: default',
          '',
        ].join('\n'),
      );
      const target = loadWebhookKubeconfig(kubeconfig);
      assert.equal(target.token, 'sekret');
      const b = new WebhookBackend({
        target,
        initialBackoffMs: 20,
        bufferSize: 100,
        maxBatchSize: 4,
        maxBatchWaitMs: 30,
        log: () => undefined,
      });
      for (let i = 0; i < 10; i++) b.processEvents([event(i)]);
      const started = Date.now();
      const received = () =>
        (server.received.get('/audit') ?? []) as unknown as Array<{
          kind: string;
          apiVersion: string;
          items: AuditEvent[];
        }>;
      while (Date.now() - started < 5000) {
        const ids = new Set(received().flatMap((l) => l.items.map((e) => e.auditID)));
        if (ids.size === 10) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await b.shutdown();
      const lists = received();
      assert.ok(lists.every((l) => l.kind === 'EventList' && l.apiVersion === 'audit.k8s.io/v1'));
      assert.ok(lists.every((l) => l.items.length <= 4 && l.items.length > 0));
      const ids = new Set(lists.flatMap((l) => l.items.map((e) => e.auditID)));
      assert.equal(ids.size, 10, 'every event arrived, the refused batch included');
      assert.ok(calls > lists.length - 1 && calls >= 4);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
