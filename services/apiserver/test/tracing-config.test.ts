import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { readTracingConfig } from '../src/tracing/config';
import { exporterUrl } from '../src/tracing/provider';
import { serverSpanName } from '../src/tracing/filter';
import { parseRequestInfo } from '../src/endpoints/request-info';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-tracing-config-'));
let n = 0;
function file(text: string): string {
  const p = path.join(dir, `tracing-${n++}.yaml`);
  writeFileSync(p, text);
  return p;
}
const header = (version = 'v1beta1') => `apiVersion: apiserver.config.k8s.io/${version}\nkind: TracingConfiguration\n`;

function refused(text: string): string {
  try {
    readTracingConfig(file(text));
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('accepted');
}

describe('TracingConfiguration (--tracing-config-file)', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults as upstream: localhost:4317, sampling rate 0', () => {
    assert.deepEqual(readTracingConfig(file(header())), { endpoint: 'localhost:4317', samplingRatePerMillion: 0 });
  });

  it('reads v1alpha1 and v1beta1, in YAML or JSON', () => {
    assert.deepEqual(
      readTracingConfig(file(`${header('v1alpha1')}endpoint: otel:4317\nsamplingRatePerMillion: 100\n`)),
      {
        endpoint: 'otel:4317',
        samplingRatePerMillion: 100,
      },
    );
    const json = JSON.stringify({
      apiVersion: 'apiserver.config.k8s.io/v1beta1',
      kind: 'TracingConfiguration',
      endpoint: 'unix:///run/otel.sock',
      samplingRatePerMillion: 1000000,
    });
    assert.deepEqual(readTracingConfig(file(json)), { endpoint: 'unix:///run/otel.sock', samplingRatePerMillion: 1e6 });
  });

  it('refuses sampling rates outside 0..1,000,000 with upstream messages', () => {
    assert.equal(
      refused(`${header()}samplingRatePerMillion: -1\n`),
      'failed to validate tracing configuration: samplingRatePerMillion: Invalid value: -1: sampling rate must be positive',
    );
    assert.equal(
      refused(`${header()}samplingRatePerMillion: 1000001\n`),
      'failed to validate tracing configuration: samplingRatePerMillion: Invalid value: 1000001: sampling rate per million must be less than or equal to one million',
    );
  });

  it('refuses endpoints whose scheme gRPC cannot resolve, and lists several errors in brackets', () => {
    const scheme =
      'unsupported scheme: https.  Options are none, dns, unix, or unix-abstract.  See https://github.com/grpc/grpc/blob/master/doc/naming.md';
    assert.equal(
      refused(`${header()}endpoint: https://otel:4317\n`),
      `failed to validate tracing configuration: endpoint: Invalid value: "https://otel:4317": ${scheme}`,
    );
    assert.equal(
      refused(`${header()}endpoint: https://otel:4317\nsamplingRatePerMillion: -5\n`),
      `failed to validate tracing configuration: [samplingRatePerMillion: Invalid value: -5: sampling rate must be positive, endpoint: Invalid value: "https://otel:4317": ${scheme}]`,
    );
    // a bare host:port is a dns target
    assert.equal(readTracingConfig(file(`${header()}endpoint: dns:///otel:4317\n`)).endpoint, 'dns:///otel:4317');
  });

  it('decodes strictly: unknown kinds, versions and fields fail the start', () => {
    assert.equal(
      refused('apiVersion: apiserver.config.k8s.io/v1\nkind: TracingConfiguration\n'),
      'failed to read tracing config: unable to decode tracing configuration data: no kind "TracingConfiguration" is registered for version "apiserver.config.k8s.io/v1"',
    );
    assert.equal(
      refused(`${header()}endpoints: x:1\n`),
      'failed to read tracing config: unable to decode tracing configuration data: strict decoding error: unknown field "endpoints"',
    );
    assert.match(refused(`${header()}samplingRatePerMillion: lots\n`), /cannot unmarshal string into .* of type int32/);
    const missing = path.join(dir, 'absent.yaml');
    assert.throws(() => readTracingConfig(missing), { message: `tracing-config-file ${missing} does not exist` });
  });

  it('dials the endpoint without TLS as upstream does', () => {
    assert.equal(exporterUrl('localhost:4317'), 'http://localhost:4317');
    assert.equal(exporterUrl('dns:///otel.example:4317'), 'http://otel.example:4317');
    assert.equal(exporterUrl('unix:///run/otel.sock'), 'unix:///run/otel.sock');
  });

  it('names server spans as upstream: the route with placeholders, the method alone elsewhere', () => {
    const q = new URLSearchParams();
    assert.equal(
      serverSpanName('GET', parseRequestInfo('GET', '/api/v1/namespaces/a/pods/b/status', q)),
      'GET /api/v1/namespaces/{:namespace}/pods/{:name}/status',
    );
    assert.equal(
      serverSpanName('POST', parseRequestInfo('POST', '/apis/apps/v1/namespaces/a/deployments', q)),
      'POST /apis/apps/v1/namespaces/{:namespace}/deployments',
    );
    assert.equal(serverSpanName('GET', parseRequestInfo('GET', '/api/v1/nodes', q)), 'GET /api/v1/nodes');
    assert.equal(serverSpanName('GET', parseRequestInfo('GET', '/healthz', q)), 'GET');
  });
});
