import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AdmissionChain } from '../src/admission/chain';
import { newRecorder, type AdmissionPlugin } from '../src/admission/interface';
import { validatingAdmissionPolicy } from '../src/admission/plugins/validating-admission-policy';
import { StatusError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import type { UserInfo } from '../src/authn/user';
import { buildAuthorizer } from '../src/authz/modes';
import { parseOptions, type ServerOptions } from '../src/options';
import type { GenericStore } from '../src/registry/generic-store';
import { validatingadmissionpolicies } from '../src/registry/kinds/admissionregistration.k8s.io/validatingadmissionpolicies';
import { validatingadmissionpolicybindings } from '../src/registry/kinds/admissionregistration.k8s.io/validatingadmissionpolicybindings';
import { configmaps } from '../src/registry/kinds/core/configmaps';
import { namespaces } from '../src/registry/kinds/core/namespaces';
import { newSecurityServices } from '../src/registry/security';
import { makeStore } from '../src/registry/store-factory';
import { StoreTable } from '../src/registry/store-table';
import { loadSchemaSet } from '../src/schema/load';
import { openStorage, type OpenedStorage } from '../src/storage/factory';
import { storageCodecFor } from '../src/storage/protobuf-codec';

const alice: UserInfo = { name: 'alice', groups: ['system:authenticated'] };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The plugin over real stores on the embedded backend, for what a replica does not
 * show a client: the audit annotations a request collects.
 */
describe('ValidatingAdmissionPolicy plugin over real stores', () => {
  let dir: string;
  let opened: OpenedStorage;
  let cms: GenericStore;
  let policies: GenericStore;
  let bindings: GenericStore;
  let plugin: AdmissionPlugin;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-vap-'));
    opened = await openStorage(
      { backend: 'embedded', dataDir: dir },
      storageCodecFor('application/vnd.kubernetes.protobuf', loadSchemaSet()),
    );
    const admission = new AdmissionChain();
    const deps = {
      storage: opened.storage,
      backend: opened.backend,
      prefix: opened.prefix,
      serviceClusterIPRange: '10.96.0.0/12',
      serviceNodePortRange: '30000-32767',
      security: newSecurityServices(),
      admission,
    };
    const table = new StoreTable();
    for (const def of [configmaps, namespaces, validatingadmissionpolicies, validatingadmissionpolicybindings]) {
      table.add(makeStore(def, deps));
    }
    cms = table.store('', 'v1', 'configmaps')!;
    policies = table.store('admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicies')!;
    bindings = table.store('admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicybindings')!;
    await table
      .store('', 'v1', 'namespaces')!
      .create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
    plugin = validatingAdmissionPolicy({
      table,
      authorizer: buildAuthorizer(['AlwaysAllow']),
      opts: parseOptions([]) as ServerOptions,
      storage: opened.storage,
      backend: opened.backend,
      prefix: opened.prefix,
      log: () => undefined,
    });
    admission.setPlugins([plugin]);
    await plugin.synced;
  });

  after(async () => {
    await plugin?.close?.();
    await opened?.storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cm = (name: string, data: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name },
    data,
  });

  /** Writes through the plugin until the informer has delivered the policy (bounded). */
  async function untilSeen(probe: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error('the plugin never saw the policy');
      await sleep(50);
    }
  }

  test('Audit records validation_failure; auditAnnotations publish <policy>/<key>; Deny refuses', async () => {
    await policies.create('', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'cm-size' },
      spec: {
        matchConstraints: {
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }],
        },
        validations: [{ expression: 'size(object.data) <= 1', message: 'at most one key' }],
        auditAnnotations: [
          { key: 'keys', valueExpression: '"keys: " + string(size(object.data))' },
          { key: 'skipped', valueExpression: 'null' },
        ],
      },
    });
    await bindings.create('', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: 'cm-size-audit' },
      spec: { policyName: 'cm-size', validationActions: ['Audit'] },
    });
    let recorder = newRecorder();
    let n = 0;
    await untilSeen(async () => {
      recorder = newRecorder();
      await cms.create('default', cm(`probe-${n++}`, { a: '1', b: '2' }), { user: alice, recorder });
      return Object.keys(recorder.auditAnnotations).length > 0;
    });
    assert.deepEqual(JSON.parse(recorder.auditAnnotations['validation.policy.admission.k8s.io/validation_failure']), [
      {
        message: 'at most one key',
        policy: 'cm-size',
        binding: 'cm-size-audit',
        expressionIndex: 0,
        validationActions: ['Audit'],
      },
    ]);
    assert.equal(recorder.auditAnnotations['cm-size/keys'], 'keys: 2');
    assert.equal('cm-size/skipped' in recorder.auditAnnotations, false);
    assert.deepEqual(recorder.warnings, []);

    // a passing object records no failure, the annotation still publishes
    const ok = newRecorder();
    await cms.create('default', cm('one', { a: '1' }), { user: alice, recorder: ok });
    assert.deepEqual(ok.auditAnnotations, { 'cm-size/keys': 'keys: 1' });

    // a second binding with Deny refuses
    await bindings.create('', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: 'cm-size-deny' },
      spec: { policyName: 'cm-size', validationActions: ['Deny'] },
    });
    let refused: unknown;
    await untilSeen(async () => {
      try {
        await cms.create('default', cm(`probe-${n++}`, { a: '1', b: '2' }), { user: alice, recorder: newRecorder() });
        return false;
      } catch (e) {
        refused = e;
        return true;
      }
    });
    assert.ok(refused instanceof StatusError);
    assert.equal(refused.code, 422);
    assert.match(
      refused.message,
      /^configmaps "probe-\d+" is forbidden: ValidatingAdmissionPolicy 'cm-size' with binding 'cm-size-deny' denied request: at most one key$/,
    );
  });

  test('UPDATE and DELETE see oldObject (object null on DELETE); an unknown paramKind fails the policy closed', async () => {
    await policies.create('', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'locked' },
      spec: {
        matchConstraints: {
          resourceRules: [
            { apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE', 'DELETE'], resources: ['configmaps'] },
          ],
        },
        validations: [
          {
            expression:
              '!has(oldObject.data.locked) || (object != null && object.data.locked == oldObject.data.locked)',
            messageExpression: 'request.operation + " of a locked ConfigMap"',
          },
        ],
      },
    });
    await bindings.create('', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: 'locked' },
      spec: { policyName: 'locked', validationActions: ['Deny'] },
    });
    await cms.create('default', cm('lk', { locked: 'yes' }), { user: alice, recorder: newRecorder() });
    const refusal = async (write: () => Promise<unknown>): Promise<string> => {
      let message = '';
      await untilSeen(async () => {
        try {
          await write();
          return false;
        } catch (e) {
          message = e instanceof Error ? e.message : String(e);
          return true;
        }
      });
      return message;
    };
    const upd = await refusal(() =>
      cms.update('default', 'lk', cm('lk', { locked: 'no' }), { user: alice, recorder: newRecorder() }),
    );
    assert.match(upd, /denied request: UPDATE of a locked ConfigMap$/);
    const del = await refusal(() => cms.delete('default', 'lk', { user: alice, recorder: newRecorder() }));
    assert.match(del, /denied request: DELETE of a locked ConfigMap$/);
    // an unlocked one may go
    await cms.create('default', cm('free', { a: '1' }), { user: alice, recorder: newRecorder() });
    await cms.delete('default', 'free', { user: alice, recorder: newRecorder() });

    await policies.create('', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'unknown-param' },
      spec: {
        paramKind: { apiVersion: 'example.com/v1', kind: 'Limit' },
        matchConstraints: {
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }],
        },
        validations: [{ expression: 'true' }],
      },
    });
    await bindings.create('', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: 'unknown-param' },
      spec: {
        policyName: 'unknown-param',
        validationActions: ['Deny'],
        paramRef: { name: 'x', parameterNotFoundAction: 'Allow' },
      },
    });
    let n = 0;
    const cfg = await refusal(() =>
      cms.create('default', cm(`p-${n++}`, { a: '1' }), { user: alice, recorder: newRecorder() }),
    );
    assert.match(
      cfg,
      /ValidatingAdmissionPolicy 'unknown-param' denied request: failed to configure policy: failed to find resource referenced by paramKind: 'example.com\/v1, Kind=Limit'$/,
    );
    // removing the binding lifts it once the informer delivers the deletion
    await bindings.delete('', 'unknown-param');
    await untilSeen(async () => {
      try {
        await cms.create('default', cm(`p-${n++}`, { a: '1' }), { user: alice, recorder: newRecorder() });
        return true;
      } catch {
        return false;
      }
    });
  });

  test('hostile messages fall back as upstream; a binding without its policy is ignored', async () => {
    await bindings.create('', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: 'orphan' },
      spec: { policyName: 'does-not-exist', validationActions: ['Deny'] },
    });
    await policies.create('', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'zz-messages' },
      spec: {
        matchConstraints: {
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }],
        },
        matchConditions: [{ name: 'tagged', expression: 'has(object.data.tag)' }],
        validations: [
          // messageExpression errors: the static message is used
          { expression: 'object.data.tag != "a"', messageExpression: 'object.data.missing', message: 'tag a refused' },
          // multi-line messageExpression: the expression itself is the message
          { expression: 'object.data.tag != "b"', messageExpression: '"line1\\nline2"' },
          // oversized messageExpression: likewise
          {
            expression: 'object.data.tag != "c"',
            messageExpression:
              '"x".format([]) + "%s".format(["y"]) + object.data.tag.substring(0, 1) + "' + 'z'.repeat(6000) + '"',
          },
        ],
      },
    });
    await bindings.create('', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: 'zz-messages' },
      spec: { policyName: 'zz-messages', validationActions: ['Deny'] },
    });
    let n = 0;
    const refusal = async (tag: string): Promise<string> => {
      const deadline = Date.now() + 5000;
      for (;;) {
        try {
          await cms.create('default', cm(`m-${n++}`, { tag }), { user: alice, recorder: newRecorder() });
        } catch (e) {
          return e instanceof Error ? e.message : String(e);
        }
        if (Date.now() > deadline) throw new Error('never refused');
        await sleep(50);
      }
    };
    assert.match(await refusal('a'), /denied request: tag a refused$/);
    assert.match(await refusal('b'), /denied request: failed expression: object.data.tag != "b"$/);
    assert.match(await refusal('c'), /denied request: failed expression: object.data.tag != "c"$/);
    // the match condition keeps untagged objects out; the orphan binding does nothing
    await cms.create('default', cm('untagged', { a: '1' }), { user: alice, recorder: newRecorder() });
    await cms.create('default', cm('tag-d', { tag: 'd' }), { user: alice, recorder: newRecorder() });
  });
});
