import type { KubeObject } from '../../api/object';
import type { ResourceQuota } from '../../generated/k8s.io.api.core.v1';
import type { GenericStore } from '../../registry/generic-store';
import { admissionForbidden, type AdmissionAttributes, type AdmissionPlugin } from '../interface';
import { chargeQuota, KeyedSerializer, releaseCharge } from '../resource-quota/charge';
import { chargedUsage, planCharges, QuotaFailure, QuotaRefusal, type PlannedCharge } from '../resource-quota/check';
import { parseQuotaConfiguration } from '../resource-quota/config';
import { admissionConfigFile } from '../admission-config';
import { StatusError } from '../../api/errors';
import { evaluatorFor, isIgnoredResource } from '../resource-quota/registry';
import type { AdmissionPluginFactory } from './deps';

/** Upstream's live lookup cache: 30 s, 100 namespaces. */
const LIVE_LOOKUP_TTL_MS = 30_000;
const LIVE_LOOKUP_ENTRIES = 100;

function withNamespace(obj: KubeObject, namespace: string): KubeObject {
  if (obj.metadata?.namespace) return obj;
  return { ...obj, metadata: { ...obj.metadata, namespace } };
}

/**
 * ResourceQuota: a namespaced write that would take a quota's usage past its
 * hard limits is refused, and one that fits is charged to the quota's
 * status.used before the object is stored. The charge is a compare-and-swap on
 * the quota, so replicas sharing one etcd never admit more than hard together.
 * Dry runs are judged but not charged. The quota controller recounts usage from
 * the stored objects, giving back what deletes and failed writes free.
 */
export const resourceQuota: AdmissionPluginFactory = (deps): AdmissionPlugin => {
  const limited = parseQuotaConfiguration(
    admissionConfigFile(deps.opts.admissionControlConfigFile).pluginConfig('ResourceQuota'),
  );
  const serializer = new KeyedSerializer();
  const quotaStore = (): GenericStore | undefined => deps.table.store('', 'v1', 'resourcequotas');

  const liveLookups = new Map<string, { expiresAt: number; items: ResourceQuota[] }>();

  /**
   * The namespace's quotas from the watch cache, as upstream's lister. A cache
   * that has none may just not have seen a new quota yet: then storage is asked,
   * and its answer kept a while so writes to quota-less namespaces stay cheap.
   */
  async function namespaceQuotas(store: GenericStore, namespace: string): Promise<ResourceQuota[]> {
    const cached = ((await store.list(namespace, { resourceVersion: '0' })).items as ResourceQuota[] | undefined) ?? [];
    if (cached.length > 0) return cached;
    const hit = liveLookups.get(namespace);
    if (hit && hit.expiresAt > Date.now()) return hit.items;
    const live = ((await store.list(namespace, {})).items as ResourceQuota[] | undefined) ?? [];
    liveLookups.delete(namespace);
    liveLookups.set(namespace, { expiresAt: Date.now() + LIVE_LOOKUP_TTL_MS, items: live });
    if (liveLookups.size > LIVE_LOOKUP_ENTRIES) liveLookups.delete(liveLookups.keys().next().value as string);
    return live;
  }

  async function chargeAll(store: GenericStore, a: AdmissionAttributes, plan: PlannedCharge[]): Promise<void> {
    const done: PlannedCharge[] = [];
    try {
      for (const c of plan) {
        await serializer.run(`${a.namespace}/${c.quotaName}`, () =>
          chargeQuota(store, a.namespace, c, a.subresource, (reason) => admissionForbidden(a, reason)),
        );
        done.push(c);
      }
    } catch (e) {
      await Promise.all(done.map((c) => releaseCharge(store, a.namespace, c)));
      throw e;
    }
  }

  return {
    name: 'ResourceQuota',
    handles: (op) => op === 'CREATE' || op === 'UPDATE',
    async validate(a) {
      if (a.subresource || !a.namespace || !a.object) return;
      const gr = { group: a.resource.group, resource: a.resource.resource };
      if (a.operation === 'CREATE' && gr.group === '' && gr.resource === 'namespaces') return;
      if (isIgnoredResource(gr)) return;
      const ev = evaluatorFor(gr);
      if (!ev.handles(a.operation, a.subresource)) return;
      const store = quotaStore();
      if (!store) return;
      const quotas = await namespaceQuotas(store, a.namespace);
      if (quotas.length === 0 && limited.length === 0) return;
      try {
        const plan = planCharges(
          quotas,
          ev,
          {
            operation: a.operation,
            subresource: a.subresource,
            object: withNamespace(a.object, a.namespace),
            oldObject: a.oldObject,
            nowMs: Date.now(),
          },
          limited,
        );
        if (plan.length === 0) return;
        if (a.dryRun) {
          for (const c of plan) {
            const q = quotas.find((x) => x.metadata?.name === c.quotaName);
            if (q) chargedUsage(q, c.delta, a.subresource);
          }
          return;
        }
        await chargeAll(store, a, plan);
      } catch (e) {
        if (e instanceof QuotaRefusal) throw admissionForbidden(a, e.message);
        // upstream hands this one back as a plain error: a 500 without a reason
        if (e instanceof QuotaFailure) throw new StatusError(500, '', e.message);
        throw e;
      }
    },
  };
};
