import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FieldError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import type { APIService } from '../src/generated/k8s.io.kube_aggregator.pkg.apis.apiregistration.v1';
import {
  apiServiceStrategy,
  validateAPIService,
  validateAPIServiceStatusUpdate,
} from '../src/registry/strategies/apiservices';
import { apiServiceTable } from '../src/registry/tables/apiservices';

function remote(extra: Partial<NonNullable<APIService['spec']>> = {}, name = 'v1beta1.metrics.k8s.io'): APIService {
  return {
    metadata: { name },
    spec: {
      group: 'metrics.k8s.io',
      version: 'v1beta1',
      service: { namespace: 'kube-system', name: 'metrics-server', port: 443 },
      groupPriorityMinimum: 100,
      versionPriority: 100,
      insecureSkipTLSVerify: true,
      ...extra,
    },
  };
}

const summary = (errs: FieldError[]) => errs.map((e) => `${e.field}: ${e.message}`);

describe('APIService validation', () => {
  it('accepts a remote and a local APIService', () => {
    assert.deepEqual(validateAPIService(remote()), []);
    const local: APIService = {
      metadata: { name: 'v1.' },
      spec: { group: '', version: 'v1', groupPriorityMinimum: 18000, versionPriority: 1 },
    };
    assert.deepEqual(validateAPIService(local), []);
  });

  it('requires the name to be version.group', () => {
    const errs = validateAPIService(remote({}, 'metrics'));
    assert.deepEqual(summary(errs), [
      'metadata.name: Invalid value: "metrics": must be `spec.version+"."+spec.group`: "v1beta1.metrics.k8s.io"',
    ]);
  });

  it('checks group, version and priorities with upstream messages', () => {
    const errs = validateAPIService(
      remote({ group: '', version: 'V1', groupPriorityMinimum: 20001, versionPriority: 0 }, 'V1.'),
    );
    const fields = summary(errs);
    assert.ok(
      fields.includes('spec.group: Required value: only v1 may have an empty group and it better be legacy kube'),
      String(fields),
    );
    assert.ok(
      fields.some((f) =>
        f.startsWith('spec.version: Invalid value: "V1": a DNS-1035 label must consist of lower case'),
      ),
      String(fields),
    );
    assert.ok(fields.includes('spec.groupPriorityMinimum: Invalid value: 20001: must be positive and less than 20000'));
    assert.ok(fields.includes('spec.versionPriority: Invalid value: 0: must be positive and less than 1000'));
    assert.deepEqual(summary(validateAPIService(remote({ groupPriorityMinimum: 20000, versionPriority: 1000 }))), []);
  });

  it('applies the caBundle and insecureSkipTLSVerify rules', () => {
    const ca = Buffer.from('0123456789').toString('base64');
    assert.deepEqual(summary(validateAPIService(remote({ caBundle: ca }))), [
      'spec.insecureSkipTLSVerify: Invalid value: true: may not be true if caBundle is present',
    ]);
    const local = remote({ service: undefined, caBundle: ca, insecureSkipTLSVerify: true });
    const errs = validateAPIService(local);
    assert.deepEqual(summary(errs), [
      'spec.caBundle: Invalid value: "10 bytes": local APIServices may not have a caBundle',
      'spec.insecureSkipTLSVerify: Invalid value: true: local APIServices may not have insecureSkipTLSVerify',
    ]);
  });

  it('requires the service namespace and name', () => {
    assert.deepEqual(summary(validateAPIService(remote({ service: { port: 443 } }))), [
      'spec.service.namespace: Required value',
      'spec.service.name: Required value',
    ]);
  });

  it('allows only known condition statuses', () => {
    const next = remote();
    next.status = { conditions: [{ type: 'Available', status: 'Maybe' }] };
    const errs = validateAPIServiceStatusUpdate(next, remote());
    assert.deepEqual(
      errs.map((e) => [e.field, e.type]),
      [['status.conditions[0].status', 'FieldValueNotSupported']],
    );
  });

  it('marks a local APIService available on create and drops a client-set status', () => {
    const local = remote({ service: undefined, insecureSkipTLSVerify: false }) as KubeObject;
    apiServiceStrategy.prepareForCreate?.(local);
    const cond = (local as APIService).status?.conditions?.[0];
    assert.deepEqual(
      [cond?.type, cond?.status, cond?.reason, cond?.message],
      ['Available', 'True', 'Local', 'Local APIServices are always available'],
    );
    const svc = remote() as KubeObject;
    (svc as APIService).status = { conditions: [{ type: 'Available', status: 'True' }] };
    apiServiceStrategy.prepareForCreate?.(svc);
    assert.deepEqual((svc as APIService).status, {});
  });

  it('defaults the service port to 443', () => {
    const svc = remote({ service: { namespace: 'a', name: 'b' } }) as KubeObject;
    apiServiceStrategy.applyDefaults?.(svc);
    assert.equal((svc as APIService).spec?.service?.port, 443);
  });
});

describe('APIService table', () => {
  it('shows NAME, SERVICE, AVAILABLE and AGE as upstream', () => {
    assert.deepEqual(
      apiServiceTable.columns.map((c) => c.name),
      ['Name', 'Service', 'Available', 'Age'],
    );
    const now = Date.parse('2026-01-01T00:10:00Z');
    const created = '2026-01-01T00:00:00Z';
    const local = {
      metadata: { name: 'v1.apps', creationTimestamp: created },
      spec: {},
      status: { conditions: [{ type: 'Available', status: 'True', reason: 'Local' }] },
    };
    assert.deepEqual(apiServiceTable.cells(local, now), ['v1.apps', 'Local', 'True', '10m']);
    const down = {
      ...remote(),
      status: { conditions: [{ type: 'Available', status: 'False', reason: 'ServiceNotFound' }] },
    } as KubeObject;
    assert.deepEqual(apiServiceTable.cells(down, now).slice(1, 3), [
      'kube-system/metrics-server',
      'False (ServiceNotFound)',
    ]);
    assert.equal(apiServiceTable.cells(remote() as KubeObject, now)[2], 'Unknown');
    const noReason = { ...remote(), status: { conditions: [{ type: 'Available', status: 'False' }] } } as KubeObject;
    assert.equal(apiServiceTable.cells(noReason, now)[2], 'False');
  });
});
