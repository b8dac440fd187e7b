import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AdmissionChain, buildAdmissionPlugins } from '../src/admission/chain';
import { newRecorder } from '../src/admission/interface';
import { mergeTolerations } from '../src/admission/plugins/pod-admission/tolerations';
import { tokenVolume } from '../src/admission/plugins/pod-admission/token-volume';
import { StatusError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import type { UserInfo } from '../src/authn/user';
import { buildAuthorizer } from '../src/authz/modes';
import type { Container, PodSpec, Toleration } from '../src/generated/k8s.io.api.core.v1';
import { parseOptions, type ServerOptions } from '../src/options';
import type { GenericStore } from '../src/registry/generic-store';
import { namespaces } from '../src/registry/kinds/core/namespaces';
import { pods } from '../src/registry/kinds/core/pods';
import { serviceaccounts } from '../src/registry/kinds/core/serviceaccounts';
import { runtimeclasses } from '../src/registry/kinds/node.k8s.io/runtimeclasses';
import { priorityclasses } from '../src/registry/kinds/scheduling.k8s.io/priorityclasses';
import { newSecurityServices } from '../src/registry/security';
import { makeStore } from '../src/registry/store-factory';
import { StoreTable } from '../src/registry/store-table';
import { loadSchemaSet } from '../src/schema/load';
import { ensureSystemPriorityClasses } from '../src/server/system-priority-classes';
import { openStorage, type OpenedStorage } from '../src/storage/factory';
import { storageCodecFor } from '../src/storage/protobuf-codec';

const alice: UserInfo = { name: 'alice', groups: ['system:authenticated'] };
const NS = 'team';
const MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const DEFAULT_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

function pod(name: string, spec: PodSpec = {}, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
  };
}

function specOf(obj: KubeObject): PodSpec {
  return obj.spec as PodSpec;
}

/** The refusal's status, as the client sees it. */
async function refusal(p: Promise<unknown>): Promise<{ code: number; reason: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StatusError) return { code: e.code, reason: e.reason, message: e.message };
    throw e;
  }
  throw new Error('expected a refusal');
}

/**
 * The four pod-mutating plugins in the chain the stores call, over real stores on
 * the embedded backend: a pod is created as a client's request would create it.
 */
describe('ServiceAccount, Priority, DefaultTolerationSeconds and RuntimeClass admission', () => {
  let dir: string;
  let opened: OpenedStorage;
  let table: StoreTable;
  let podStore: GenericStore;
  let sas: GenericStore;
  let pcs: GenericStore;
  let rcs: GenericStore;
  const chain = new AdmissionChain();

  const create = (name: string, spec?: PodSpec, annotations?: Record<string, string>, ns = NS) =>
    podStore.create(ns, pod(name, spec, annotations), { user: alice, recorder: newRecorder() });

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-podadm-'));
    opened = await openStorage(
      { backend: 'embedded', dataDir: dir },
      storageCodecFor('application/vnd.kubernetes.protobuf', loadSchemaSet()),
    );
    const deps = {
      storage: opened.storage,
      backend: opened.backend,
      prefix: opened.prefix,
      serviceClusterIPRange: '10.96.0.0/12',
      serviceNodePortRange: '30000-32767',
      security: newSecurityServices(),
      admission: chain,
    };
    table = new StoreTable();
    for (const def of [namespaces, pods, serviceaccounts, priorityclasses, runtimeclasses]) {
      table.add(makeStore(def, deps));
    }
    podStore = table.store('', 'v1', 'pods')!;
    sas = table.store('', 'v1', 'serviceaccounts')!;
    pcs = table.store('scheduling.k8s.io', 'v1', 'priorityclasses')!;
    rcs = table.store('node.k8s.io', 'v1', 'runtimeclasses')!;
    await ensureSystemPriorityClasses(table);
    const nsStore = table.store('', 'v1', 'namespaces')!;
    for (const name of [NS, 'late']) {
      await nsStore.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
    await sas.create(NS, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
    const opts = parseOptions([
      '--default-not-ready-toleration-seconds=300',
      '--default-unreachable-toleration-seconds=300',
    ]) as ServerOptions;
    chain.setPlugins(
      buildAdmissionPlugins(['ServiceAccount', 'Priority', 'DefaultTolerationSeconds', 'RuntimeClass'], {
        table,
        authorizer: buildAuthorizer(['AlwaysAllow']),
        opts,
        storage: opened.storage,
        backend: opened.backend,
        prefix: opened.prefix,
        log: () => undefined,
      }),
    );
  });

  after(async () => {
    await opened?.storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('ServiceAccount', () => {
    test('a plain pod runs as default with the projected token mounted in every container', async () => {
      const out = await create('plain', {
        initContainers: [{ name: 'init', image: 'busybox' }],
        containers: [
          { name: 'a', image: 'nginx' },
          { name: 'b', image: 'nginx', volumeMounts: [{ name: 'data', mountPath: '/data' }] },
        ],
        volumes: [{ name: 'data', emptyDir: {} }],
      });
      const spec = specOf(out);
      assert.equal(spec.serviceAccountName, 'default');
      assert.equal(spec.serviceAccount, 'default');
      const volume = spec.volumes?.[1];
      assert.match(volume?.name ?? '', /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      const name = volume?.name ?? '';
      assert.deepEqual(volume, {
        name,
        projected: {
          defaultMode: 420,
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            {
              downwardAPI: {
                items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
              },
            },
          ],
        },
      });
      const mount = { name, readOnly: true, mountPath: MOUNT_PATH };
      assert.deepEqual(spec.initContainers?.[0].volumeMounts, [mount]);
      assert.deepEqual(spec.containers?.[0].volumeMounts, [mount]);
      assert.deepEqual(spec.containers?.[1].volumeMounts, [{ name: 'data', mountPath: '/data' }, mount]);
      // what was stored is what was returned
      assert.deepEqual(specOf(await podStore.get(NS, 'plain')).volumes, spec.volumes);
    });

    test('a missing account is refused with upstream’s 403', async () => {
      const r = await refusal(create('robot', { serviceAccountName: 'robot' }));
      assert.deepEqual(r, {
        code: 403,
        reason: 'Forbidden',
        message: `pods "robot" is forbidden: error looking up service account ${NS}/robot: serviceaccount "robot" not found`,
      });
      await assert.rejects(podStore.get(NS, 'robot'), (e: unknown) => e instanceof StatusError && e.code === 404);
    });

    test('the default account is waited for while its controller has not created it yet', async () => {
      const started = Date.now();
      setTimeout(() => {
        void sas.create('late', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
      }, 300);
      const out = await create('waits', {}, undefined, 'late');
      assert.equal(specOf(out).serviceAccountName, 'default');
      assert.ok(Date.now() - started >= 300);
    });

    test('automountServiceAccountToken: the pod’s choice wins over the account’s', async () => {
      await sas.create(NS, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'quiet' },
        automountServiceAccountToken: false,
        imagePullSecrets: [{ name: 'registry' }],
      });
      const off = specOf(await create('off', { automountServiceAccountToken: false }));
      assert.equal(off.volumes, undefined);
      assert.equal(off.containers?.[0].volumeMounts, undefined);
      const quiet = specOf(await create('quiet', { serviceAccountName: 'quiet' }));
      assert.equal(quiet.volumes, undefined);
      // the account's pull secrets come along when the pod names none
      assert.deepEqual(quiet.imagePullSecrets, [{ name: 'registry' }]);
      const on = specOf(await create('on', { serviceAccountName: 'quiet', automountServiceAccountToken: true }));
      assert.equal(on.volumes?.length, 1);
      const own = specOf(
        await create('own-pull', { serviceAccountName: 'quiet', imagePullSecrets: [{ name: 'mine' }] }),
      );
      assert.deepEqual(own.imagePullSecrets, [{ name: 'mine' }]);
    });

    test('a container with something at the token path keeps it; none needing it means no volume', async () => {
      const atPath: Container = {
        name: 'x',
        image: 'nginx',
        volumeMounts: [{ name: 'mine', mountPath: MOUNT_PATH }],
      };
      const spec = specOf(
        await create('taken', {
          containers: [atPath, { name: 'y', image: 'nginx' }],
          volumes: [{ name: 'mine', emptyDir: {} }],
        }),
      );
      assert.deepEqual(spec.containers?.[0].volumeMounts, [{ name: 'mine', mountPath: MOUNT_PATH }]);
      assert.equal(spec.containers?.[1].volumeMounts?.[0].mountPath, MOUNT_PATH);
      assert.equal(spec.volumes?.length, 2);
      const none = specOf(
        await create('all-taken', { containers: [atPath], volumes: [{ name: 'mine', emptyDir: {} }] }),
      );
      assert.deepEqual(
        none.volumes?.map((v) => v.name),
        ['mine'],
      );
    });

    test('kubernetes.io/enforce-mountable-secrets limits pods to the account’s secrets', async () => {
      await sas.create(NS, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'strict', annotations: { 'kubernetes.io/enforce-mountable-secrets': 'true' } },
        secrets: [{ name: 'allowed' }],
        imagePullSecrets: [{ name: 'pull' }],
      });
      const base = { serviceAccountName: 'strict' };
      const msg = (why: string) => `pods "s" is forbidden: ${why}`;
      const vol = await refusal(create('s', { ...base, volumes: [{ name: 'v', secret: { secretName: 'other' } }] }));
      assert.equal(vol.code, 403);
      assert.equal(
        vol.message,
        msg(
          'volume with secret.secretName="other" is not allowed because service account strict does not reference that secret',
        ),
      );
      const env = await refusal(
        create('s', {
          ...base,
          containers: [
            {
              name: 'c',
              image: 'nginx',
              env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'other', key: 'k' } } }],
            },
          ],
        }),
      );
      assert.equal(
        env.message,
        msg(
          'container c with envVar PW referencing secret.secretName="other" is not allowed because service account strict does not reference that secret',
        ),
      );
      const envFrom = await refusal(
        create('s', {
          ...base,
          initContainers: [{ name: 'i', image: 'busybox', envFrom: [{ secretRef: { name: 'other' } }] }],
        }),
      );
      assert.equal(
        envFrom.message,
        msg(
          'init container i with envFrom referencing secret.secretName="other" is not allowed because service account strict does not reference that secret',
        ),
      );
      const pull = await refusal(create('s', { ...base, imagePullSecrets: [{ name: 'pull' }, { name: 'nope' }] }));
      assert.equal(
        pull.message,
        msg(
          'imagePullSecrets[1].name="nope" is not allowed because service account strict does not reference that imagePullSecret',
        ),
      );
      const ok = await create('s', { ...base, volumes: [{ name: 'v', secret: { secretName: 'allowed' } }] });
      assert.deepEqual(specOf(ok).imagePullSecrets, [{ name: 'pull' }]);
      // the annotation must parse as true
      await sas.create(NS, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'lax', annotations: { 'kubernetes.io/enforce-mountable-secrets': 'yes' } },
      });
      await create('lax', { serviceAccountName: 'lax', volumes: [{ name: 'v', secret: { secretName: 'other' } }] });
    });

    test('ephemeral containers added later are held to the account’s secrets too', async () => {
      await create('eph', { serviceAccountName: 'strict' });
      const debug = (secret: string) => ({
        name: 'debug',
        image: 'busybox',
        env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: secret, key: 'k' } } }],
      });
      const withDebug = (secret: string) =>
        podStore.writePart(
          'ephemeralcontainers',
          NS,
          'eph',
          (cur) => ({ ...cur, spec: { ...specOf(cur), ephemeralContainers: [debug(secret)] } }),
          { user: alice },
        );
      // upstream answers this one as a plain error: 500 without a reason
      assert.deepEqual(await refusal(withDebug('other')), {
        code: 500,
        reason: '',
        message:
          'ephemeral container debug with envVar PW referencing secret.secretName="other" is not allowed because service account strict does not reference that secret',
      });
      const r = await withDebug('allowed');
      assert.equal(specOf(r).ephemeralContainers?.[0].name, 'debug');
      // ephemeral containers get no token mount
      assert.equal(specOf(r).ephemeralContainers?.[0].volumeMounts, undefined);
    });

    test('null list entries (Go’s zero values) do not fail a plugin', async () => {
      const body = {
        containers: [{ name: 'a', image: 'nginx', env: [null], volumeMounts: [null] }],
        volumes: [null],
        tolerations: [null],
      } as unknown as PodSpec;
      try {
        await create('nulls', body);
      } catch (e) {
        // whatever validation makes of them, it is not an internal error
        assert.ok(e instanceof StatusError && e.code !== 500, String(e));
      }
    });

    test('mirror pods are left as the kubelet wrote them, and may not use accounts or secrets', async () => {
      const mirror = { 'kubernetes.io/config.mirror': 'abc' };
      // a mirror pod names the node whose kubelet wrote it
      const node = { nodeName: 'n1' };
      const spec = specOf(await create('mirror', node, mirror));
      assert.equal(spec.serviceAccountName, undefined);
      assert.equal(spec.volumes, undefined);
      assert.equal(spec.containers?.[0].volumeMounts, undefined);
      const sa = await refusal(create('m1', { ...node, serviceAccountName: 'default' }, mirror));
      assert.equal(sa.message, 'pods "m1" is forbidden: a mirror pod may not reference service accounts');
      const secret = await refusal(
        create('m2', { ...node, volumes: [{ name: 'v', secret: { secretName: 'x' } }] }, mirror),
      );
      assert.equal(secret.message, 'pods "m2" is forbidden: a mirror pod may not reference secrets');
      const token = await refusal(create('m3', { ...node, volumes: [tokenVolume('kube-api-access-abcde')] }, mirror));
      assert.equal(
        token.message,
        'pods "m3" is forbidden: a mirror pod may not use ServiceAccountToken volume projections',
      );
    });

    test('changing serviceAccountName on update is refused by pod validation, not by the plugin', async () => {
      const cur = await podStore.get(NS, 'plain');
      const next = { ...cur, spec: { ...specOf(cur), serviceAccountName: 'quiet', serviceAccount: 'quiet' } };
      const r = await refusal(podStore.update(NS, 'plain', next, { user: alice }));
      assert.equal(r.code, 422);
      assert.equal(r.reason, 'Invalid');
      assert.match(r.message, /pod updates may not change fields other than/);
    });
  });

  describe('Priority', () => {
    test('no class and no global default: priority 0, PreemptLowerPriority', async () => {
      const spec = specOf(await podStore.get(NS, 'plain'));
      assert.equal(spec.priority, 0);
      assert.equal(spec.preemptionPolicy, 'PreemptLowerPriority');
      assert.equal(spec.priorityClassName, undefined);
    });

    test('a named class gives its value and policy', async () => {
      const spec = specOf(await create('critical', { priorityClassName: 'system-cluster-critical' }));
      assert.equal(spec.priority, 2000000000);
      assert.equal(spec.preemptionPolicy, 'PreemptLowerPriority');
      const node = specOf(await create('node-critical', { priorityClassName: 'system-node-critical' }));
      assert.equal(node.priority, 2000001000);
    });

    test('an unknown class, or a priority or policy that differs from the class’s, is refused', async () => {
      assert.deepEqual(await refusal(create('p1', { priorityClassName: 'nope' })), {
        code: 403,
        reason: 'Forbidden',
        message: 'pods "p1" is forbidden: no PriorityClass with name nope was found',
      });
      assert.equal(
        (await refusal(create('p2', { priority: 5 }))).message,
        'pods "p2" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name',
      );
      assert.equal(
        (await refusal(create('p3', { preemptionPolicy: 'Never' }))).message,
        'pods "p3" is forbidden: the string value of PreemptionPolicy (Never) must not be provided in pod spec; priority admission controller computed PreemptLowerPriority from the given PriorityClass name',
      );
      // the same values as the class's are accepted
      const same = specOf(await create('p4', { priorityClassName: 'system-cluster-critical', priority: 2000000000 }));
      assert.equal(same.priority, 2000000000);
    });

    test('an update that leaves priority out keeps the stored one', async () => {
      const cur = await podStore.get(NS, 'critical');
      const spec = { ...specOf(cur) };
      delete spec.priority;
      delete spec.preemptionPolicy;
      const labelled = { ...cur, metadata: { ...cur.metadata, labels: { a: 'b' } }, spec };
      const r = await podStore.update(NS, 'critical', labelled, { user: alice });
      assert.equal(specOf(r.object).priority, 2000000000);
      assert.equal(specOf(r.object).preemptionPolicy, 'PreemptLowerPriority');
    });

    test('one global default: pods without a class get it; a second default is refused', async () => {
      const pc = (name: string, value: number, globalDefault: boolean): KubeObject => ({
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name },
        value,
        globalDefault,
        preemptionPolicy: 'Never',
      });
      await pcs.create('', pc('low', 100, true), { user: alice });
      try {
        const spec = specOf(await create('defaulted'));
        assert.equal(spec.priorityClassName, 'low');
        assert.equal(spec.priority, 100);
        assert.equal(spec.preemptionPolicy, 'Never');
        const second = await refusal(pcs.create('', pc('other', 5, true), { user: alice }));
        assert.deepEqual(second, {
          code: 403,
          reason: 'Forbidden',
          message:
            'priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass low is already marked as default. Only one default can exist',
        });
        await pcs.create('', pc('other', 5, false), { user: alice });
        const cur = await pcs.get('', 'other');
        const promoted = await refusal(pcs.update('', 'other', { ...cur, globalDefault: true }, { user: alice }));
        assert.equal(promoted.code, 403);
        // the default itself may be updated
        const low = await pcs.get('', 'low');
        await pcs.update('', 'low', { ...low, description: 'd' }, { user: alice });
      } finally {
        await pcs.delete('', 'low');
      }
    });
  });

  describe('DefaultTolerationSeconds', () => {
    test('pods get the not-ready and unreachable tolerations for 300 seconds', async () => {
      assert.deepEqual(specOf(await podStore.get(NS, 'plain')).tolerations, DEFAULT_TOLERATIONS);
    });

    test('a toleration that already covers a taint (by key, or an empty key or effect) stops its default', async () => {
      const own: Toleration = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' };
      assert.deepEqual(specOf(await create('t1', { tolerations: [own] })).tolerations, [own, DEFAULT_TOLERATIONS[1]]);
      const all: Toleration = { operator: 'Exists' };
      assert.deepEqual(specOf(await create('t2', { tolerations: [all] })).tolerations, [all]);
      const noSchedule: Toleration = {
        key: 'node.kubernetes.io/unreachable',
        operator: 'Exists',
        effect: 'NoSchedule',
      };
      assert.deepEqual(specOf(await create('t3', { tolerations: [noSchedule] })).tolerations, [
        noSchedule,
        ...DEFAULT_TOLERATIONS,
      ]);
    });

    test('the flags set the seconds', async () => {
      const o = parseOptions([
        '--default-not-ready-toleration-seconds=60',
        '--default-unreachable-toleration-seconds=-1',
      ]) as ServerOptions;
      assert.equal(o.defaultNotReadyTolerationSeconds, 60);
      assert.equal(o.defaultUnreachableTolerationSeconds, -1);
      assert.throws(() => parseOptions(['--default-not-ready-toleration-seconds=soon']), /must be an integer/);
    });
  });

  describe('RuntimeClass', () => {
    before(async () => {
      await rcs.create(
        '',
        {
          apiVersion: 'node.k8s.io/v1',
          kind: 'RuntimeClass',
          metadata: { name: 'kata' },
          handler: 'kata',
          overhead: { podFixed: { cpu: '250m', memory: '120Mi' } },
          scheduling: {
            nodeSelector: { sandbox: 'kata' },
            tolerations: [{ key: 'sandbox', operator: 'Equal', value: 'kata', effect: 'NoSchedule' }],
          },
        },
        { user: alice },
      );
      await rcs.create(
        '',
        { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'plain' }, handler: 'runc' },
        { user: alice },
      );
    });

    test('the class’s overhead, node selector and tolerations are set on the pod', async () => {
      const spec = specOf(await create('r1', { runtimeClassName: 'kata', nodeSelector: { disk: 'ssd' } }));
      assert.deepEqual(spec.overhead, { cpu: '250m', memory: '120Mi' });
      assert.deepEqual(spec.nodeSelector, { disk: 'ssd', sandbox: 'kata' });
      assert.deepEqual(spec.tolerations, [
        ...DEFAULT_TOLERATIONS,
        { key: 'sandbox', operator: 'Equal', value: 'kata', effect: 'NoSchedule' },
      ]);
      // an equal overhead written differently is the same quantity
      const same = specOf(await create('r2', { runtimeClassName: 'kata', overhead: { cpu: '0.25', memory: '120Mi' } }));
      assert.deepEqual(same.overhead, { cpu: '250m', memory: '120Mi' });
    });

    test('an unknown class, a conflicting selector or a different overhead is refused', async () => {
      assert.deepEqual(await refusal(create('r3', { runtimeClassName: 'gvisor' })), {
        code: 403,
        reason: 'Forbidden',
        message: 'pods "r3" is forbidden: pod rejected: RuntimeClass "gvisor" not found',
      });
      assert.equal(
        (await refusal(create('r4', { runtimeClassName: 'kata', nodeSelector: { sandbox: 'gvisor' } }))).message,
        'pods "r4" is forbidden: conflict: runtimeClass.scheduling.nodeSelector[sandbox] = kata; pod.spec.nodeSelector[sandbox] = gvisor',
      );
      assert.equal(
        (await refusal(create('r5', { runtimeClassName: 'kata', overhead: { cpu: '1' } }))).message,
        "pods \"r5\" is forbidden: pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead",
      );
      assert.equal(
        (await refusal(create('r6', { runtimeClassName: 'plain', overhead: { cpu: '1' } }))).message,
        'pods "r6" is forbidden: pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead',
      );
      assert.equal(
        (await refusal(create('r7', { overhead: { cpu: '1' } }))).message,
        'pods "r7" is forbidden: pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead',
      );
      // a label key that is also an Object.prototype member is an ordinary key
      await rcs.create(
        '',
        {
          apiVersion: 'node.k8s.io/v1',
          kind: 'RuntimeClass',
          metadata: { name: 'odd' },
          handler: 'odd',
          scheduling: { nodeSelector: { constructor: 'yes' } },
        },
        { user: alice },
      );
      const odd = specOf(await create('r9', { runtimeClassName: 'odd', nodeSelector: { disk: 'ssd' } }));
      assert.deepEqual(odd.nodeSelector, { disk: 'ssd', constructor: 'yes' });
      const plain = specOf(await create('r8', { runtimeClassName: 'plain' }));
      assert.equal(plain.overhead, undefined);
      assert.equal(plain.nodeSelector, undefined);
    });

    test('merged tolerations keep only the broadest of overlapping ones', () => {
      const exists: Toleration = { key: 'k', operator: 'Exists' };
      const equal: Toleration = { key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' };
      assert.deepEqual(mergeTolerations([equal], [exists]), [exists]);
      assert.deepEqual(mergeTolerations([exists, exists], []), [exists]);
      const short: Toleration = { key: 'n', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 };
      const long: Toleration = { key: 'n', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 100 };
      assert.deepEqual(mergeTolerations([short], [long]), [long]);
      assert.deepEqual(mergeTolerations([{ key: 'a', operator: 'Exists' }], [{ key: 'b', operator: 'Exists' }]), [
        { key: 'a', operator: 'Exists' },
        { key: 'b', operator: 'Exists' },
      ]);
    });
  });
});
