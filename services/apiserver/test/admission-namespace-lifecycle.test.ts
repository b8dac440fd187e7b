import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ExpiringNames, namespaceLifecycle } from '../src/admission/plugins/namespace-lifecycle';
import { StatusError } from '../src/api/errors';
import type { KubeObject } from '../src/api/object';
import type { UserInfo } from '../src/authn/user';
import { buildAuthorizer } from '../src/authz/modes';
import { localsubjectaccessreviews } from '../src/registry/kinds/authorization.k8s.io/localsubjectaccessreviews';
import { configmaps } from '../src/registry/kinds/core/configmaps';
import { serviceaccounts } from '../src/registry/kinds/core/serviceaccounts';
import type { Storage } from '../src/storage/interface';
import { admissionStores, type AdmissionStores } from './helpers/admission-stores';

const alice: UserInfo = { name: 'alice', groups: ['system:authenticated'] };

/**
 * Storage whose cache-served reads (resourceVersion "0") of frozen keys keep
 * answering what they held when frozen: a watch cache that lags behind etcd.
 */
class LaggingCache {
  private readonly frozen = new Map<string, KubeObject | null>();
  constructor(private readonly inner: Storage) {}

  async freeze(key: string): Promise<void> {
    this.frozen.set(key, await this.inner.get(key, { ignoreNotFound: true }));
  }

  storage(): Storage {
    return {
      ...this.inner,
      get: async (key, o = {}) => {
        if (o.resourceVersion === '0' && this.frozen.has(key)) {
          const v = this.frozen.get(key) ?? null;
          if (v || o.ignoreNotFound) return v;
        }
        return this.inner.get(key, o);
      },
    };
  }
}

async function refusal(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error('the write was admitted');
}

describe('NamespaceLifecycle over real stores', () => {
  let s: AdmissionStores;
  let lag: LaggingCache;

  before(async () => {
    s = await admissionStores({
      kinds: [configmaps, serviceaccounts, localsubjectaccessreviews],
      plugins: [namespaceLifecycle],
      authorizer: buildAuthorizer(['AlwaysAllow']),
      reviewAuthorizer: buildAuthorizer(['AlwaysAllow']),
      namespaces: ['kube-system', 'kube-public', 'kube-node-lease', 'ending', 'lagging', 'elsewhere'],
      pluginStorage: (storage) => {
        lag = new LaggingCache(storage);
        return lag.storage();
      },
    });
  });
  after(async () => {
    await s?.close();
  });

  const ns = () => s.store('', 'namespaces');
  const cms = () => s.store('', 'configmaps');
  const cm = (name: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name },
    data: { a: 'b' },
  });
  const phase = async (name: string): Promise<string | undefined> =>
    ((await ns().get('', name)).status as { phase?: string } | undefined)?.phase;

  test('default, kube-system and kube-public may not be deleted, also not in a dry run; kube-node-lease may', async () => {
    for (const name of ['default', 'kube-system', 'kube-public']) {
      for (const dryRun of [true, false]) {
        const err = await refusal(ns().delete('', name, { user: alice, dryRun }));
        assert.equal(err.code, 403);
        assert.equal(err.reason, 'Forbidden');
        assert.equal(err.message, `namespaces "${name}" is forbidden: this namespace may not be deleted`);
        assert.deepEqual(err.details, { name, kind: 'namespaces' });
      }
      assert.equal(await phase(name), 'Active');
    }
    await ns().delete('', 'kube-node-lease', { user: alice });
    assert.equal(await phase('kube-node-lease'), 'Terminating');
  });

  test('a create in a missing namespace is NotFound for the namespace; a local access review is not', async () => {
    const err = await refusal(cms().create('nowhere', cm('c'), { user: alice }));
    assert.equal(err.code, 404);
    assert.equal(err.reason, 'NotFound');
    assert.equal(err.message, 'namespaces "nowhere" not found');
    // as the wire carries it (undefined fields are left out)
    assert.deepEqual(JSON.parse(JSON.stringify(err.details)), { name: 'nowhere', kind: 'namespaces' });

    const review = await s.store('authorization.k8s.io', 'localsubjectaccessreviews').create(
      'nowhere',
      {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'LocalSubjectAccessReview',
        metadata: { namespace: 'nowhere' },
        spec: { user: 'bob', resourceAttributes: { namespace: 'nowhere', verb: 'get', resource: 'pods' } },
      },
      { user: alice },
    );
    assert.equal((review.status as { allowed: boolean }).allowed, true);
  });

  test('an update of an object left in a missing namespace is NotFound for the namespace', async () => {
    const key = cms().key('ghost-town', 'left');
    await s.storage.create(key, { ...cm('left'), metadata: { name: 'left', namespace: 'ghost-town', uid: 'u1' } });
    const current = await cms().get('ghost-town', 'left');
    const err = await refusal(
      cms().update('ghost-town', 'left', { ...current, data: { a: 'changed' } }, { user: alice }),
    );
    assert.equal(err.code, 404);
    assert.equal(err.message, 'namespaces "ghost-town" not found');
    // deletes are always let through
    await cms().delete('ghost-town', 'left', { user: alice });
  });

  test('a Terminating namespace takes no new content, but updates and deletes of what is there', async () => {
    await cms().create('ending', cm('kept'), { user: alice });
    await ns().delete('', 'ending', { user: alice });
    assert.equal(await phase('ending'), 'Terminating');
    const err = await refusal(cms().create('ending', cm('late'), { user: alice }));
    assert.equal(err.code, 403);
    assert.equal(
      err.message,
      'configmaps "late" is forbidden: unable to create new content in namespace ending because it is being terminated',
    );
    assert.deepEqual(err.details, {
      name: 'late',
      kind: 'configmaps',
      causes: [
        {
          reason: 'NamespaceTerminating',
          message: 'namespace ending is being terminated',
          field: 'metadata.namespace',
        },
      ],
    });
    // subresource creates are new content too (kubectl drain reads the cause off a refused eviction)
    const token = await refusal(
      s.store('', 'serviceaccounts').admitSubresourceCreate(
        'token',
        {
          namespace: 'ending',
          name: 'builder',
          object: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name: 'builder' } },
          kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' },
        },
        alice,
      ),
    );
    assert.equal(token.code, 403);
    assert.equal(
      token.message,
      'serviceaccounts "builder" is forbidden: unable to create new content in namespace ending because it is being terminated',
    );
    const kept = await cms().get('ending', 'kept');
    await cms().update('ending', 'kept', { ...kept, data: { a: 'updated' } }, { user: alice });
    await cms().delete('ending', 'kept', { user: alice });
  });

  test('a create right after this replica deleted the namespace is refused though the cache still shows it Active', async () => {
    await lag.freeze(ns().key('', 'lagging'));
    await ns().delete('', 'lagging', { user: alice });
    assert.equal(await phase('lagging'), 'Terminating');
    const err = await refusal(cms().create('lagging', cm('racing'), { user: alice }));
    assert.equal(err.code, 403);
    assert.match(err.message, /unable to create new content in namespace lagging because it is being terminated$/);

    // a delete through another replica is known here once the cache has it, as upstream's lister
    await lag.freeze(ns().key('', 'elsewhere'));
    await ns().delete('', 'elsewhere');
    assert.equal(await phase('elsewhere'), 'Terminating');
    await cms().create('elsewhere', cm('cache-says-active'), { user: alice });
  });
});

describe('the forced live lookup window', () => {
  test('a name is remembered for the TTL, and the oldest is forgotten once full', () => {
    let now = 1000;
    const names = new ExpiringNames(30_000, 2, () => now);
    names.add('a');
    now += 30_000;
    assert.equal(names.has('a'), true);
    now += 1;
    assert.equal(names.has('a'), false);
    names.add('b');
    names.add('c');
    names.add('d');
    assert.deepEqual(
      ['b', 'c', 'd'].map((n) => names.has(n)),
      [false, true, true],
    );
  });
});
