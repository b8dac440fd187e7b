import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { AdmissionChain } from '../src/admission/chain';
import {
  admissionForbidden,
  newRecorder,
  type AdmissionAttributes,
  type AdmissionPlugin,
} from '../src/admission/interface';
import { StatusError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import type { UserInfo } from '../src/authn/user';
import type { GenericStore } from '../src/registry/generic-store';
import { configmaps } from '../src/registry/kinds/core/configmaps';
import { replicationcontrollers } from '../src/registry/kinds/core/replicationcontrollers';
import { newSecurityServices } from '../src/registry/security';
import { makeStore } from '../src/registry/store-factory';
import { loadSchemaSet } from '../src/schema/load';
import { openStorage, type OpenedStorage } from '../src/storage/factory';
import { storageCodecFor } from '../src/storage/protobuf-codec';

const alice: UserInfo = { name: 'alice', groups: ['system:authenticated'] };

interface Seen {
  phase: 'admit' | 'validate';
  op: string;
  name: string;
  namespace: string;
  subresource: string;
  kind: string;
  hasObject: boolean;
  hasOld: boolean;
  /** what the object held when the plugin saw it */
  labels: Record<string, string>;
  uid: boolean;
}

/** Records what it sees; labels on admit, refuses objects labelled deny=yes on validate. */
function recordingPlugin(seen: Seen[]): AdmissionPlugin {
  const note = (phase: Seen['phase'], a: AdmissionAttributes): void => {
    seen.push({
      phase,
      op: a.operation,
      name: a.name,
      namespace: a.namespace,
      subresource: a.subresource,
      kind: a.kind.kind,
      hasObject: a.object !== undefined,
      hasOld: a.oldObject !== undefined,
      labels: { ...(a.object?.metadata?.labels ?? {}) },
      uid: a.object?.metadata?.uid !== undefined,
    });
  };
  return {
    name: 'Recorder',
    handles: () => true,
    admit(a) {
      note('admit', a);
      if (a.object && a.operation !== 'DELETE') {
        // replace the object, as a webhook's patch does
        const labels = { ...(a.object.metadata?.labels ?? {}), admitted: 'true' };
        a.object = { ...a.object, metadata: { ...a.object.metadata, labels } };
        a.recorder.warnings.push(`admitted ${a.operation}`);
      }
    },
    validate(a) {
      note('validate', a);
      const deny = a.object?.metadata?.labels?.deny ?? a.oldObject?.metadata?.labels?.deny;
      if (deny === 'yes') throw admissionForbidden(a, 'labelled deny');
    },
  };
}

describe('admission chain in the generic store', () => {
  let dir: string;
  let opened: OpenedStorage;
  let cms: GenericStore;
  let rcs: GenericStore;
  const seen: Seen[] = [];

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-adm-'));
    opened = await openStorage(
      { backend: 'embedded', dataDir: dir },
      storageCodecFor('application/vnd.kubernetes.protobuf', loadSchemaSet()),
    );
    const admission = new AdmissionChain();
    admission.setPlugins([recordingPlugin(seen)]);
    const deps = {
      storage: opened.storage,
      backend: opened.backend,
      prefix: opened.prefix,
      serviceClusterIPRange: '10.96.0.0/12',
      serviceNodePortRange: '30000-32767',
      security: newSecurityServices(),
      admission,
    };
    cms = makeStore(configmaps, deps);
    rcs = makeStore(replicationcontrollers, deps);
  });

  after(async () => {
    await opened?.storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    seen.length = 0;
  });

  const cm = (name: string, labels: Record<string, string> = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels },
    data: { a: 'b' },
  });

  test('a create is mutated before validation and storage, then validated with the final object', async () => {
    const recorder = newRecorder();
    const out = await cms.create('default', cm('c1'), { user: alice, recorder });
    assert.equal(out.metadata?.labels?.admitted, 'true');
    assert.equal((await cms.get('default', 'c1')).metadata?.labels?.admitted, 'true');
    assert.deepEqual(
      seen.map((s) => [s.phase, s.op, s.name, s.namespace, s.kind, s.hasOld]),
      [
        ['admit', 'CREATE', 'c1', 'default', 'ConfigMap', false],
        ['validate', 'CREATE', 'c1', 'default', 'ConfigMap', false],
      ],
    );
    // mutating admission sees the object before the server's metadata, validating after it
    assert.equal(seen[0].uid, false);
    assert.equal(seen[1].uid, true);
    assert.equal(seen[1].labels.admitted, 'true');
    assert.deepEqual(recorder.warnings, ['admitted CREATE']);
  });

  test('generateName creates reach admission without a name', async () => {
    await cms.create('default', { ...cm(''), metadata: { generateName: 'g-' } }, { user: alice });
    assert.equal(seen[0].name, '');
  });

  test('a refused create stores nothing, and a dry run is judged too', async () => {
    await assert.rejects(
      cms.create('default', cm('c2', { deny: 'yes' }), { user: alice }),
      (e: unknown) =>
        e instanceof StatusError && e.code === 403 && e.message === 'configmaps "c2" is forbidden: labelled deny',
    );
    await assert.rejects(cms.get('default', 'c2'), (e: unknown) => e instanceof StatusError && e.code === 404);
    await assert.rejects(
      cms.create('default', cm('c3', { deny: 'yes' }), { user: alice, dryRun: true }),
      (e: unknown) => e instanceof StatusError && e.code === 403,
    );
  });

  test('the server’s own writes (no user) skip admission', async () => {
    const out = await cms.create('default', cm('internal', { deny: 'yes' }));
    assert.equal(out.metadata?.labels?.admitted, undefined);
    assert.equal(seen.length, 0);
    await cms.delete('default', 'internal');
  });

  test('updates carry the old object; a refused update leaves the stored one', async () => {
    await cms.create('default', cm('u1'), { user: alice });
    seen.length = 0;
    const cur = await cms.get('default', 'u1');
    const next = { ...cur, data: { a: 'c' } };
    const r = await cms.update('default', 'u1', next, { user: alice });
    assert.equal(r.object.metadata?.labels?.admitted, 'true');
    assert.deepEqual(
      seen.map((s) => [s.phase, s.op, s.hasOld]),
      [
        ['admit', 'UPDATE', true],
        ['validate', 'UPDATE', true],
      ],
    );
    const before = await cms.get('default', 'u1');
    const bad = { ...before, metadata: { ...before.metadata, labels: { deny: 'yes' } }, data: { a: 'x' } };
    await assert.rejects(
      cms.update('default', 'u1', bad, { user: alice }),
      (e: unknown) => e instanceof StatusError && e.code === 403,
    );
    const after = await cms.get('default', 'u1');
    assert.equal(after.metadata?.resourceVersion, before.metadata?.resourceVersion);
    assert.deepEqual(after.data, { a: 'c' });
  });

  test('status and scale writes name their subresource', async () => {
    await rcs.create(
      'default',
      {
        apiVersion: 'v1',
        kind: 'ReplicationController',
        metadata: { name: 'rc1' },
        spec: {
          replicas: 1,
          selector: { app: 'x' },
          template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
        },
      },
      { user: alice },
    );
    seen.length = 0;
    const cur = await rcs.get('default', 'rc1');
    await rcs.updateStatus('default', 'rc1', { ...cur, status: { replicas: 1 } }, { user: alice });
    assert.deepEqual(
      seen.map((s) => [s.op, s.subresource]),
      [
        ['UPDATE', 'status'],
        ['UPDATE', 'status'],
      ],
    );
    seen.length = 0;
    await rcs.updateWith('default', 'rc1', (c) => c, { user: alice, subresource: 'scale' });
    assert.deepEqual([...new Set(seen.map((s) => s.subresource))], ['scale']);
  });

  test('deletes are judged with the stored object; a refused delete keeps it', async () => {
    await cms.create('default', cm('d1', { deny: 'yes' }));
    await assert.rejects(
      cms.delete('default', 'd1', { user: alice }),
      (e: unknown) => e instanceof StatusError && e.code === 403,
    );
    assert.equal((await cms.get('default', 'd1')).metadata?.name, 'd1');
    assert.deepEqual(
      seen.map((s) => [s.phase, s.op, s.hasObject, s.hasOld]),
      [
        ['admit', 'DELETE', false, true],
        ['validate', 'DELETE', false, true],
      ],
    );
    await cms.delete('default', 'd1');
  });

  test('a subresource create is judged as its own kind', async () => {
    await cms.admitSubresourceCreate(
      'eviction',
      {
        namespace: 'default',
        name: 'p',
        object: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p' } },
        kind: { group: 'policy', version: 'v1', kind: 'Eviction' },
      },
      alice,
    );
    assert.deepEqual(
      seen.map((s) => [s.op, s.subresource, s.kind]),
      [
        ['CREATE', 'eviction', 'Eviction'],
        ['CREATE', 'eviction', 'Eviction'],
      ],
    );
  });
});

describe('admissionForbidden names the refusal as upstream NewForbidden', () => {
  const attrs = (over: Partial<AdmissionAttributes>): AdmissionAttributes => ({
    operation: 'CREATE',
    kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
    resource: { group: 'apps', version: 'v1', resource: 'deployments' },
    subresource: '',
    namespace: 'ns',
    name: '',
    userInfo: alice,
    dryRun: false,
    recorder: newRecorder(),
    ...over,
  });

  test('group resource without the subresource; name from the request, the object, generateName, else Unknown', () => {
    const scale = admissionForbidden(attrs({ name: 'web', subresource: 'scale' }), 'no');
    assert.equal(scale.message, 'deployments.apps "web" is forbidden: no');
    assert.deepEqual(scale.toStatus().details, { group: 'apps', kind: 'deployments', name: 'web' });
    const generated = admissionForbidden(attrs({ object: { metadata: { generateName: 'web-' } } }), 'no');
    assert.equal(generated.message, 'deployments.apps "web-" is forbidden: no');
    assert.equal(
      admissionForbidden(attrs({ object: { metadata: {} } }), 'no').message,
      'deployments.apps "Unknown" is forbidden: no',
    );
    const core = admissionForbidden(
      attrs({ resource: { group: '', version: 'v1', resource: 'pods' }, subresource: 'eviction', name: 'p' }),
      'why',
    );
    assert.equal(core.message, 'pods "p" is forbidden: why');
    assert.deepEqual(core.toStatus().details, { kind: 'pods', name: 'p' });
  });
});
