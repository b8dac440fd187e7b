import { GenericStore } from '../../generic-store';
import { ALL_VERBS, type KindDefinition } from '../../kind';
import { bindPod } from '../../pods/binding';
import { evictPod } from '../../pods/eviction';
import {
  podGracePeriod,
  podStrategy,
  validateEphemeralContainersWrite,
  withEphemeralContainersOf,
} from '../../strategies/pods';
import { podTable } from '../../tables/pods';
import { poddisruptionbudgets } from '../policy/poddisruptionbudgets';

/**
 * core/v1 pods with the subresources 1.32 serves without a kubelet: status,
 * binding (the scheduler's write), eviction (a budget-aware delete),
 * ephemeralcontainers, and proxy (to the pod IP, served by proxy/subresource).
 * The other streaming ones (log, exec, attach, portforward) need a kubelet
 * API kapi does not speak and are not served.
 */
export const pods: KindDefinition = {
  info: {
    group: '',
    version: 'v1',
    resource: 'pods',
    kind: 'Pod',
    listKind: 'PodList',
    singularName: 'pod',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.core.v1.Pod',
    subresources: [
      { name: 'binding', kind: 'Binding', verbs: ['create'] },
      { name: 'ephemeralcontainers', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
      {
        name: 'eviction',
        kind: 'Eviction',
        group: 'policy',
        version: 'v1',
        verbs: ['create'],
        alsoAccepts: ['v1beta1'],
      },
      { name: 'proxy', kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'], connect: true },
      { name: 'status', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
    ],
  },
  // upstream's cacher indexes pods by node, for kubelets' per-node lists and watches
  watchCacheIndexes: ['spec.nodeName'],
  strategy: podStrategy,
  table: podTable,
  newStore: (def, deps) => {
    // upstream's pod store answers a DELETE with the pod itself
    const store = new GenericStore(def.info, def.strategy, {
      ...deps,
      returnsDeletedObject: true,
      gracePeriod: podGracePeriod,
    });
    // eviction reads and spends budgets directly in storage, as upstream's eviction REST holds the PDB client
    const pdbs = new GenericStore(poddisruptionbudgets.info, poddisruptionbudgets.strategy, deps);
    store.subresourceCreators.set('binding', (namespace, name, body, params) =>
      bindPod(store, namespace, name, body, params),
    );
    store.subresourceCreators.set('eviction', (namespace, name, body, params) =>
      evictPod({ pods: store, pdbs }, namespace, name, body, params),
    );
    store.partialWrites.set('ephemeralcontainers', {
      merge: withEphemeralContainersOf,
      validateUpdate: validateEphemeralContainersWrite,
    });
    return store;
  },
};
