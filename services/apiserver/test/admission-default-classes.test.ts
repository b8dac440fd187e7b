import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KubeObject } from '../src/api/object';
import type { UserInfo } from '../src/authn/user';
import { buildAuthorizer } from '../src/authz/modes';
import { defaultIngressClass } from '../src/admission/plugins/default-ingress-class';
import { defaultStorageClass } from '../src/admission/plugins/default-storage-class';
import { persistentvolumeclaims } from '../src/registry/kinds/core/persistentvolumeclaims';
import { ingressclasses } from '../src/registry/kinds/networking.k8s.io/ingressclasses';
import { ingresses } from '../src/registry/kinds/networking.k8s.io/ingresses';
import { storageclasses } from '../src/registry/kinds/storage.k8s.io/storageclasses';
import { admissionStores, type AdmissionStores } from './helpers/admission-stores';

const alice: UserInfo = { name: 'alice', groups: ['system:authenticated'] };

const pvc = (name: string, extra: { className?: string; annotations?: Record<string, string> } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
  spec: {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: '1Gi' } },
    ...(extra.className !== undefined ? { storageClassName: extra.className } : {}),
  },
});

const ingress = (
  name: string,
  extra: { className?: string; annotations?: Record<string, string> } = {},
): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
  spec: {
    defaultBackend: { service: { name: 'web', port: { number: 80 } } },
    ...(extra.className !== undefined ? { ingressClassName: extra.className } : {}),
  },
});

describe('DefaultStorageClass and DefaultIngressClass over real stores', () => {
  let s: AdmissionStores;

  before(async () => {
    s = await admissionStores({
      kinds: [persistentvolumeclaims, storageclasses, ingresses, ingressclasses],
      plugins: [defaultStorageClass, defaultIngressClass],
      authorizer: buildAuthorizer(['AlwaysAllow']),
    });
  });
  after(async () => {
    await s?.close();
  });

  /** A class written straight to storage, so the test chooses its creationTimestamp. */
  async function putClass(
    resource: 'storageclasses' | 'ingressclasses',
    name: string,
    created: string,
    annotations: Record<string, string>,
  ): Promise<void> {
    const group = resource === 'storageclasses' ? 'storage.k8s.io' : 'networking.k8s.io';
    const body: KubeObject =
      resource === 'storageclasses'
        ? { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', provisioner: 'example.com/disk' }
        : { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', spec: { controller: 'example.com/lb' } };
    const store = s.store(group, resource);
    body.metadata = { name, uid: `uid-${name}`, creationTimestamp: created, annotations };
    await s.storage.create(store.key('', name), body);
  }
  async function dropClass(resource: 'storageclasses' | 'ingressclasses', name: string): Promise<void> {
    const group = resource === 'storageclasses' ? 'storage.k8s.io' : 'networking.k8s.io';
    await s.store(group, resource).delete('', name);
  }

  const createPvc = (obj: KubeObject) => s.store('', 'persistentvolumeclaims').create('default', obj, { user: alice });
  const classOfPvc = (obj: KubeObject): unknown => (obj.spec as { storageClassName?: unknown }).storageClassName;
  const createIngress = (obj: KubeObject) =>
    s.store('networking.k8s.io', 'ingresses').create('default', obj, { user: alice });
  const classOfIngress = (obj: KubeObject): unknown => (obj.spec as { ingressClassName?: unknown }).ingressClassName;

  test('a claim without a class stays without one while no class is the default', async () => {
    await putClass('storageclasses', 'plain', '2024-01-01T00:00:00Z', {
      'storageclass.kubernetes.io/is-default-class': 'false',
    });
    const out = await createPvc(pvc('no-default'));
    assert.equal(classOfPvc(out), undefined);
    assert.equal(classOfPvc(await s.store('', 'persistentvolumeclaims').get('default', 'no-default')), undefined);
  });

  test('the default StorageClass fills spec.storageClassName; an explicit class, "" or the beta annotation stays', async () => {
    await putClass('storageclasses', 'standard', '2024-02-01T00:00:00Z', {
      'storageclass.kubernetes.io/is-default-class': 'true',
    });
    const filled = await createPvc(pvc('gets-default'));
    assert.equal(classOfPvc(filled), 'standard');
    assert.equal(classOfPvc(await s.store('', 'persistentvolumeclaims').get('default', 'gets-default')), 'standard');
    assert.equal(classOfPvc(await createPvc(pvc('explicit', { className: 'fast' }))), 'fast');
    assert.equal(classOfPvc(await createPvc(pvc('no-provisioning', { className: '' }))), '');
    const beta = await createPvc(
      pvc('beta-claim', { annotations: { 'volume.beta.kubernetes.io/storage-class': 'slow' } }),
    );
    assert.equal(classOfPvc(beta), undefined);
    await dropClass('storageclasses', 'standard');
  });

  test('the beta default annotation counts; of several defaults the newest wins, then the first name', async () => {
    await putClass('storageclasses', 'old-beta', '2024-03-01T00:00:00Z', {
      'storageclass.beta.kubernetes.io/is-default-class': 'true',
    });
    assert.equal(classOfPvc(await createPvc(pvc('beta-default'))), 'old-beta');
    await putClass('storageclasses', 'zeta', '2024-04-01T00:00:00Z', {
      'storageclass.kubernetes.io/is-default-class': 'true',
    });
    assert.equal(classOfPvc(await createPvc(pvc('newest'))), 'zeta');
    await putClass('storageclasses', 'alpha', '2024-04-01T00:00:00Z', {
      'storageclass.kubernetes.io/is-default-class': 'true',
    });
    assert.equal(classOfPvc(await createPvc(pvc('tie-by-name'))), 'alpha');
  });

  test('a claim update is left alone', async () => {
    const current = await s.store('', 'persistentvolumeclaims').get('default', 'no-default');
    const r = await s.store('', 'persistentvolumeclaims').update('default', 'no-default', current, { user: alice });
    assert.equal(classOfPvc(r.object), undefined);
  });

  test('the default IngressClass fills spec.ingressClassName unless a class or the legacy annotation is set', async () => {
    assert.equal(classOfIngress(await createIngress(ingress('none-yet'))), undefined);
    await putClass('ingressclasses', 'nginx', '2024-01-01T00:00:00Z', {
      'ingressclass.kubernetes.io/is-default-class': 'true',
    });
    await putClass('ingressclasses', 'beta-only', '2024-06-01T00:00:00Z', {
      // not an IngressClass marker: only the one annotation counts
      'storageclass.beta.kubernetes.io/is-default-class': 'true',
    });
    const filled = await createIngress(ingress('gets-default'));
    assert.equal(classOfIngress(filled), 'nginx');
    assert.equal(
      classOfIngress(await s.store('networking.k8s.io', 'ingresses').get('default', 'gets-default')),
      'nginx',
    );
    assert.equal(classOfIngress(await createIngress(ingress('explicit', { className: 'haproxy' }))), 'haproxy');
    const legacy = await createIngress(
      ingress('legacy', { annotations: { 'kubernetes.io/ingress.class': 'traefik' } }),
    );
    assert.equal(classOfIngress(legacy), undefined);
    await putClass('ingressclasses', 'b-newer', '2024-05-01T00:00:00Z', {
      'ingressclass.kubernetes.io/is-default-class': 'true',
    });
    await putClass('ingressclasses', 'a-newer', '2024-05-01T00:00:00Z', {
      'ingressclass.kubernetes.io/is-default-class': 'true',
    });
    assert.equal(classOfIngress(await createIngress(ingress('newest'))), 'a-newer');
  });
});
