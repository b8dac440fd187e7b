import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredApiServices } from '../src/aggregator/autoregister';
import type { CustomResourceDefinition } from '../src/generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';

describe('autoregister desired APIServices', () => {
  it('takes upstream priorities for built-ins and skips group/versions upstream has none for', () => {
    const d = desiredApiServices(
      [
        { group: '', version: 'v1' },
        { group: 'apps', version: 'v1' },
        { group: 'flowcontrol.apiserver.k8s.io', version: 'v1' },
        { group: 'unknown.k8s.io', version: 'v1' },
      ],
      [],
    );
    assert.deepEqual([...d.keys()], ['v1.', 'v1.apps', 'v1.flowcontrol.apiserver.k8s.io']);
    assert.deepEqual(d.get('v1.')?.spec, { group: '', version: 'v1', groupPriorityMinimum: 18000, versionPriority: 1 });
    assert.equal(d.get('v1.apps')?.spec.groupPriorityMinimum, 17800);
    assert.equal(d.get('v1.flowcontrol.apiserver.k8s.io')?.spec.versionPriority, 21);
    assert.equal(d.get('v1.apps')?.mode, 'onstart');
  });

  it('registers each served CRD version, terminating ones too, not unserved ones', () => {
    const crd = (name: string, versions: Array<[string, boolean]>, deleting = false): CustomResourceDefinition => ({
      metadata: { name, deletionTimestamp: deleting ? '2026-01-01T00:00:00Z' : undefined },
      spec: {
        group: name.split('.').slice(1).join('.'),
        versions: versions.map(([n, served]) => ({ name: n, served })),
      },
    });
    const d = desiredApiServices(
      [{ group: 'apps', version: 'v1' }],
      [
        crd('widgets.example.com', [
          ['v1', true],
          ['v2', false],
        ]),
        crd('gadgets.example.com', [['v1', true]]),
        crd('olds.gone.example', [['v1', true]], true),
      ],
    );
    assert.deepEqual([...d.keys()], ['v1.apps', 'v1.example.com', 'v1.gone.example']);
    assert.deepEqual(d.get('v1.example.com'), {
      name: 'v1.example.com',
      mode: 'true',
      spec: { group: 'example.com', version: 'v1', groupPriorityMinimum: 1000, versionPriority: 100 },
    });
  });
});
