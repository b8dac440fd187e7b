import type { KubeObject } from '../api/object';
import type { GenericStore } from '../registry/generic-store';
import type { NamespaceStore } from '../registry/namespaces/namespace-store';
import { runInformer, WorkQueue } from './informer';
import { isStatus, type LeaderController } from './util';
import { prefixedLog } from '../logging/line-log';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';
export const DEFAULT_SERVICE_ACCOUNT = 'default';

/** Makes sure one object exists in a namespace; returns true when it wrote something. */
type Ensure = (namespace: string) => Promise<boolean>;

/**
 * Keeps one object in every active namespace: watches namespaces (a new one gets
 * the object) and the object's resource (a deleted or altered one is restored).
 */
class PerNamespaceObject implements LeaderController {
  private tasks: Promise<void>[] = [];
  private queue: WorkQueue | undefined;

  constructor(
    readonly name: string,
    private readonly namespaces: NamespaceStore,
    private readonly store: () => GenericStore | undefined,
    private readonly objectName: string,
    private readonly ensure: Ensure,
    private readonly log: (line: string) => void,
  ) {}

  start(signal: AbortSignal): void {
    const store = this.store();
    if (!store) return;
    const queue = new WorkQueue(
      async (ns) => {
        await this.ensureIn(ns);
      },
      signal,
      prefixedLog(this.log, `${this.name}: `),
    );
    this.queue = queue;
    queue.run(4);
    const onNamespace = (obj: KubeObject): void => {
      if (!obj.metadata?.deletionTimestamp && obj.metadata?.name) queue.add(obj.metadata.name);
    };
    const onObject = (obj: KubeObject): void => {
      if (obj.metadata?.name === this.objectName && obj.metadata.namespace) queue.add(obj.metadata.namespace);
    };
    this.tasks = [
      runInformer(
        this.namespaces,
        signal,
        { onList: (items) => items.forEach(onNamespace), onEvent: (t, o) => t !== 'DELETED' && onNamespace(o) },
        this.log,
      ),
      runInformer(store, signal, { onList: () => undefined, onEvent: (_t, o) => onObject(o) }, this.log),
    ];
  }

  async stopped(): Promise<void> {
    await Promise.all(this.tasks);
    await this.queue?.done();
  }

  private async ensureIn(namespace: string): Promise<void> {
    try {
      const ns = await this.namespaces.get('', namespace);
      if (ns.metadata?.deletionTimestamp) return;
      await this.ensure(namespace);
    } catch (e) {
      // namespace gone, or terminating meanwhile (403 from the namespace gate)
      if (isStatus(e, 404) || isStatus(e, 403) || isStatus(e, 409)) return;
      throw e;
    }
  }
}

/** Upstream's service account controller: a `default` ServiceAccount in every namespace. */
export function serviceAccountController(
  namespaces: NamespaceStore,
  serviceAccounts: () => GenericStore | undefined,
  log: (line: string) => void,
): LeaderController {
  return new PerNamespaceObject(
    'serviceaccount-controller',
    namespaces,
    serviceAccounts,
    DEFAULT_SERVICE_ACCOUNT,
    async (namespace) => {
      const store = serviceAccounts();
      if (!store) return false;
      try {
        await store.get(namespace, DEFAULT_SERVICE_ACCOUNT);
        return false;
      } catch (e) {
        if (!isStatus(e, 404)) throw e;
      }
      await store.create(namespace, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace },
      });
      return true;
    },
    log,
  );
}

/** Upstream's root CA certificate publisher: the `kube-root-ca.crt` ConfigMap in every namespace. */
export function rootCAPublisher(
  namespaces: NamespaceStore,
  configMaps: () => GenericStore | undefined,
  caCertPem: string,
  log: (line: string) => void,
): LeaderController {
  return new PerNamespaceObject(
    'root-ca-cert-publisher',
    namespaces,
    configMaps,
    ROOT_CA_CONFIGMAP,
    async (namespace) => {
      const store = configMaps();
      if (!store) return false;
      let current: KubeObject | undefined;
      try {
        current = await store.get(namespace, ROOT_CA_CONFIGMAP);
      } catch (e) {
        if (!isStatus(e, 404)) throw e;
      }
      const data = { 'ca.crt': caCertPem };
      const annotations = { 'kubernetes.io/description': ROOT_CA_DESCRIPTION };
      if (!current) {
        await store.create(namespace, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations },
          data,
        });
        return true;
      }
      const upToDate =
        JSON.stringify(current.data ?? {}) === JSON.stringify(data) &&
        current.metadata?.annotations?.['kubernetes.io/description'] === ROOT_CA_DESCRIPTION;
      if (upToDate || current.metadata?.deletionTimestamp) return false;
      await store.updateWith(namespace, ROOT_CA_CONFIGMAP, (cur) => ({
        ...cur,
        metadata: {
          ...(cur.metadata ?? {}),
          annotations: { ...(cur.metadata?.annotations ?? {}), ...annotations },
        },
        data,
      }));
      return true;
    },
    log,
  );
}
