import type { KubeObject } from '../../api/object';
import { terminatingNamespace } from '../namespace-lifecycle';
import { admissionForbidden, type AdmissionAttributes, type AdmissionPlugin } from '../interface';
import type { AdmissionDeps, AdmissionPluginFactory } from './deps';

/** The namespaces no one may delete (kube-node-lease may go: it is re-created). */
export const IMMORTAL_NAMESPACES: ReadonlySet<string> = new Set(['default', 'kube-system', 'kube-public']);

/**
 * Creating one of these tells whether the caller may do something in a namespace;
 * refusing it for a missing namespace would tell whether that namespace exists.
 */
const ACCESS_REVIEW_RESOURCES: ReadonlySet<string> = new Set(['authorization.k8s.io/localsubjectaccessreviews']);

/** How long a deleted namespace is read past the cache, and how many are remembered (upstream's). */
export const FORCE_LIVE_LOOKUP_TTL_MS = 30_000;
const FORCE_LIVE_LOOKUP_SIZE = 100;

/** Names remembered for a while, the oldest forgotten first once full. */
export class ExpiringNames {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly size: number,
    private readonly now: () => number = Date.now,
  ) {}

  add(name: string): void {
    this.until.delete(name);
    this.until.set(name, this.now() + this.ttlMs);
    while (this.until.size > this.size) {
      const oldest = this.until.keys().next().value;
      if (oldest === undefined) break;
      this.until.delete(oldest);
    }
  }

  has(name: string): boolean {
    const t = this.until.get(name);
    if (t === undefined) return false;
    if (this.now() <= t) return true;
    this.until.delete(name);
    return false;
  }
}

const isNamespaceKind = (a: AdmissionAttributes): boolean => a.kind.group === '' && a.kind.kind === 'Namespace';

const phaseOf = (ns: KubeObject): string => (ns.status as { phase?: string } | undefined)?.phase ?? '';

/**
 * The namespace as this replica's watch cache holds it, without waiting for the
 * cache to catch up (upstream's lister); undefined when the cache has none.
 */
async function cachedNamespace(deps: AdmissionDeps, name: string): Promise<KubeObject | undefined> {
  const store = deps.table.store('', 'v1', 'namespaces');
  if (!store) return undefined;
  const obj = await deps.storage.get(store.key('', name), { resourceVersion: '0', ignoreNotFound: true });
  return obj ?? undefined;
}

/** A read that has caught up with etcd; a missing namespace throws upstream's NotFound. */
async function liveNamespace(deps: AdmissionDeps, name: string): Promise<KubeObject | undefined> {
  return deps.table.store('', 'v1', 'namespaces')?.get('', name);
}

/**
 * NamespaceLifecycle: default, kube-system and kube-public are never deleted;
 * nothing is created or updated in a namespace that does not exist, and nothing
 * created in one being terminated. Namespaces are read from the watch cache;
 * a missing one, or one deleted lately that the cache still shows Active, is
 * read again past the cache, so a create right after a delete is refused.
 */
export const namespaceLifecycle: AdmissionPluginFactory = (deps): AdmissionPlugin => {
  const recentlyDeleted = new ExpiringNames(FORCE_LIVE_LOOKUP_TTL_MS, FORCE_LIVE_LOOKUP_SIZE);
  return {
    name: 'NamespaceLifecycle',
    handles: (op) => op === 'CREATE' || op === 'UPDATE' || op === 'DELETE',
    async admit(a) {
      if (isNamespaceKind(a)) {
        if (a.operation !== 'DELETE') return;
        if (IMMORTAL_NAMESPACES.has(a.name)) throw admissionForbidden(a, 'this namespace may not be deleted');
        recentlyDeleted.add(a.name);
        return;
      }
      if (!a.namespace || a.operation === 'DELETE') return;
      if (ACCESS_REVIEW_RESOURCES.has(`${a.resource.group}/${a.resource.resource}`)) return;
      let ns = await cachedNamespace(deps, a.namespace);
      const stale = ns !== undefined && phaseOf(ns) === 'Active' && recentlyDeleted.has(a.namespace);
      if (!ns || stale) ns = await liveNamespace(deps, a.namespace);
      if (a.operation !== 'CREATE' || !ns || phaseOf(ns) !== 'Terminating') return;
      const name = a.name || a.object?.metadata?.name || '';
      throw terminatingNamespace(a.namespace, { group: a.resource.group, resource: a.resource.resource }, name);
    },
  };
};
