import type { StatusError } from '../../api/errors';
import type { KubeObject } from '../../api/object';
import type { LimitRange, PersistentVolumeClaim, Pod } from '../../generated/k8s.io.api.core.v1';
import { admissionForbidden, type AdmissionAttributes, type AdmissionPlugin } from '../interface';
import { applyPodDefaults } from '../limit-ranger/pod-defaults';
import { aggregateMessage, claimViolations, podViolations } from '../limit-ranger/pod-limits';
import type { AdmissionPluginFactory } from './deps';

type Target = 'pod' | 'claim';

/**
 * Upstream's SupportsAttributes: pods and claims, never a subresource, and no pod
 * update (a pod's containers cannot change, so defaults or bounds could only refuse it).
 */
function targetOf(a: AdmissionAttributes): Target | undefined {
  if (a.subresource || a.kind.group !== '') return undefined;
  if (a.kind.kind === 'Pod') return a.operation === 'CREATE' ? 'pod' : undefined;
  if (a.kind.kind === 'PersistentVolumeClaim') return 'claim';
  return undefined;
}

/** Upstream's GroupVersionResource String(), as its "unable to ..." refusal prints it. */
function gvrText(a: AdmissionAttributes): string {
  return `${a.resource.group}/${a.resource.version}, Resource=${a.resource.resource}`;
}

/**
 * admission.NewForbidden names a generateName create by the object's name (generated
 * by the time validation runs) or, before that, by its generateName.
 */
function forbidden(a: AdmissionAttributes, reason: string): StatusError {
  const m = a.object?.metadata;
  const name = a.name || m?.name || m?.generateName || 'Unknown';
  return admissionForbidden({ ...a, name }, reason);
}

/**
 * LimitRanger: pods get the container defaults of their namespace's LimitRanges
 * (admit) and are refused when they break a Container or Pod bound; claims when
 * their storage request is out of a PersistentVolumeClaim bound (validate).
 */
export const limitRanger: AdmissionPluginFactory = (deps): AdmissionPlugin => {
  async function limitRanges(a: AdmissionAttributes): Promise<LimitRange[]> {
    const store = deps.table.store('', 'v1', 'limitranges');
    if (!store) return [];
    try {
      const list = await store.list(a.namespace, {});
      return (list.items ?? []) as LimitRange[];
    } catch {
      throw forbidden(
        a,
        `unable to ${a.operation} ${gvrText(a)} at this time because there was an error enforcing limit ranges`,
      );
    }
  }

  /** The object to judge, unless it is being deleted (upstream leaves those alone). */
  function subject(a: AdmissionAttributes): KubeObject | undefined {
    if (a.oldObject?.metadata?.deletionTimestamp) return undefined;
    return a.object;
  }

  return {
    name: 'LimitRanger',
    handles: (op) => op === 'CREATE' || op === 'UPDATE',
    async admit(a) {
      const obj = subject(a);
      if (targetOf(a) !== 'pod' || !obj) return;
      for (const lr of await limitRanges(a)) applyPodDefaults(lr, obj as Pod);
    },
    async validate(a) {
      const target = targetOf(a);
      const obj = subject(a);
      if (!target || !obj) return;
      for (const lr of await limitRanges(a)) {
        const errs =
          target === 'pod' ? podViolations(lr, obj as Pod) : claimViolations(lr, obj as PersistentVolumeClaim);
        if (errs.length > 0) throw forbidden(a, aggregateMessage(errs));
      }
    },
  };
};
