import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startKapi, type KapiTestServer } from '../src/testing/start-kapi';
import { activeTrace, traceHeaders } from '../src/tracing/active';
import { ApiClient } from './helpers/client';
import { startOtlpReceiver, type OtlpReceiver } from './helpers/otlp-receiver';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Replicas started in one process (as startKapi does in-process) each trace to their own collector. */
describe('tracing: a provider per replica, several replicas in one process', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-tracing-replicas-'));
  let receiverA: OtlpReceiver;
  let receiverB: OtlpReceiver;
  let a: KapiTestServer;
  let b: KapiTestServer;
  let plain: KapiTestServer;

  const config = (name: string, r: OtlpReceiver): string => {
    const p = path.join(dir, name);
    writeFileSync(
      p,
      `apiVersion: apiserver.config.k8s.io/v1alpha1\nkind: TracingConfiguration\nendpoint: ${r.endpoint}\n`,
    );
    return p;
  };

  const get = async (server: KapiTestServer, traceparent: string): Promise<void> => {
    const c = new ApiClient(server.kubeconfig);
    try {
      const res = await c.request('GET', '/api/v1/namespaces/default/configmaps', undefined, { traceparent });
      assert.equal(res.status, 200);
    } finally {
      c.close();
    }
  };

  before(async () => {
    process.env.OTEL_BSP_SCHEDULE_DELAY = '50';
    [receiverA, receiverB] = await Promise.all([startOtlpReceiver(), startOtlpReceiver()]);
    [a, b, plain] = await Promise.all([
      startKapi({ args: [`--tracing-config-file=${config('a.yaml', receiverA)}`] }),
      startKapi({ args: [`--tracing-config-file=${config('b.yaml', receiverB)}`] }),
      startKapi(),
    ]);
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop(), plain?.stop()]);
    await Promise.all([receiverA?.close(), receiverB?.close()]);
    delete process.env.OTEL_BSP_SCHEDULE_DELAY;
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends each replica's spans to its own collector only", async () => {
    const traceA = hex(16);
    const traceB = hex(16);
    const traceP = hex(16);
    await get(a, `00-${traceA}-${hex(8)}-01`);
    await get(b, `00-${traceB}-${hex(8)}-01`);
    await get(plain, `00-${traceP}-${hex(8)}-01`);
    await receiverA.waitFor((s) => s.some((x) => x.traceId === traceA && x.name === 'List'));
    await receiverB.waitFor((s) => s.some((x) => x.traceId === traceB && x.name === 'List'));
    await sleep(200);
    assert.deepEqual([...new Set(receiverA.spans.map((s) => s.traceId))], [traceA]);
    assert.deepEqual([...new Set(receiverB.spans.map((s) => s.traceId))], [traceB]);
  });

  it('stops promptly when its collector is gone, spans still unsent', async () => {
    const gone = await startOtlpReceiver();
    await gone.close();
    const lost = await startKapi({ args: [`--tracing-config-file=${config('gone.yaml', gone)}`] });
    await get(lost, `00-${hex(16)}-${hex(8)}-01`);
    const t0 = Date.now();
    await lost.stop();
    assert.ok(Date.now() - t0 < 4_000, `stop took ${Date.now() - t0} ms`);
  });

  it('leaves no trace context outside the requests and nothing to propagate', () => {
    assert.equal(activeTrace(), undefined);
    assert.deepEqual(traceHeaders(), {});
  });
});
