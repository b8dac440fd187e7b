import type { FieldError } from '../../api/errors';
import type { Pod } from '../../generated/k8s.io.api.core.v1';
import { timeNow } from '../../api/time';
import { child, forbidden, index, invalid } from '../validation/field';
import { nameIsDNSSubdomain } from '../validation/names';
import {
  deepClone,
  ensureObject,
  forStore,
  numberAt,
  objectAt,
  objectsAt,
  stringAt,
  validateMetaCreate,
  validateMetaUpdate,
  type KindStrategy,
  type Obj,
} from './common';
import { computePodQOS } from './pod-qos';
import { syncPodStatusIPs, validatePodStatus } from './pod-status-validation';
import { validateEphemeralContainersUpdate, validatePodSpecUpdate } from './pod-update';
import { defaultPod } from './podtemplate-defaults';
import { validatePodSpec } from './podtemplate-validation';

const metaRules = { namespaced: true, nameValidator: nameIsDNSSubdomain };

/** What the scheduler sees on a gated pod: upstream adds this condition at create. */
function schedulingGatedCondition(): Obj {
  return {
    type: 'PodScheduled',
    status: 'False',
    lastProbeTime: null,
    lastTransitionTime: timeNow(),
    reason: 'SchedulingGated',
    message: 'Scheduling is blocked due to non-empty scheduling gates',
  };
}

/** PrepareForCreate: a new pod is Pending with its computed QoS class, whatever the client sent. */
export function preparePodForCreate(pod: Pod): void {
  const spec = ensureObject(pod, 'spec');
  const status: Obj = { phase: 'Pending', qosClass: computePodQOS(spec) };
  if (objectsAt(spec, 'schedulingGates').length > 0) status.conditions = [schedulingGatedCondition()];
  Reflect.set(pod, 'status', status);
}

/** Only for a Pod (not a template): images without stray whitespace, no ephemeral containers yet. */
function validatePodCreateOnly(pod: Pod): FieldError[] {
  const spec = objectAt(pod, 'spec');
  const errs: FieldError[] = [];
  for (const list of ['initContainers', 'containers']) {
    objectsAt(spec, list).forEach((c, i) => {
      const image = stringAt(c, 'image');
      if (image !== image.trim()) {
        errs.push(
          invalid(child(index(`spec.${list}`, i), 'image'), image, 'must not have leading or trailing whitespace'),
        );
      }
    });
  }
  if (objectsAt(spec, 'ephemeralContainers').length > 0) {
    errs.push(forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  }
  return errs;
}

/** ValidatePod: metadata and the full PodSpec, at upstream's field paths. */
function validatePod(pod: Pod): FieldError[] {
  return validatePodSpec(objectAt(pod, 'spec') ?? {}, 'spec');
}

export const podStrategy: KindStrategy = forStore<Pod>({
  namespaced: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  statusPaths: ['status'],
  applyDefaults(pod) {
    defaultPod(pod);
    syncPodStatusIPs(pod);
  },
  prepareForCreate: preparePodForCreate,
  prepareForUpdate(pod, old) {
    // the main resource never writes status, and pods carry no generation in 1.32
    pod.status = deepClone(old.status);
    if (pod.status === undefined) delete pod.status;
  },

  validate(pod) {
    return [...validateMetaCreate(pod, metaRules), ...validatePod(pod), ...validatePodCreateOnly(pod)];
  },

  validateUpdate(pod, old) {
    return [
      ...validateMetaUpdate(pod, old),
      ...validatePod(pod),
      ...validatePodSpecUpdate(pod as Obj, old as Obj),
      ...validatePodStatus(pod as Obj, old as Obj),
    ];
  },

  selectableFields(pod) {
    const spec = objectAt(pod, 'spec');
    const status = objectAt(pod, 'status');
    const podIPs = objectsAt(status, 'podIPs');
    return {
      'spec.nodeName': stringAt(spec, 'nodeName'),
      'spec.restartPolicy': stringAt(spec, 'restartPolicy'),
      'spec.schedulerName': stringAt(spec, 'schedulerName'),
      'spec.serviceAccountName': stringAt(spec, 'serviceAccountName'),
      'spec.hostNetwork': String(spec?.hostNetwork === true),
      'status.phase': stringAt(status, 'phase'),
      'status.podIP': podIPs.length > 0 ? stringAt(podIPs[0], 'ip') : '',
      'status.nominatedNodeName': stringAt(status, 'nominatedNodeName'),
    };
  },
});

/**
 * pods/ephemeralcontainers: the stored pod with the request's ephemeral
 * containers and nothing else of it (upstream's dropNonEphemeralContainerUpdates).
 */
export function withEphemeralContainersOf(current: Obj, requested: Obj): Obj {
  const next = deepClone(current);
  const spec = ensureObject(next, 'spec');
  const wanted = objectAt(requested, 'spec')?.ephemeralContainers;
  if (wanted === undefined) delete spec.ephemeralContainers;
  else spec.ephemeralContainers = deepClone(wanted);
  const rv = objectAt(requested, 'metadata')?.resourceVersion;
  if (typeof rv === 'string' && rv !== '') ensureObject(next, 'metadata').resourceVersion = rv;
  return next;
}

/** ValidatePodEphemeralContainersUpdate: valid new containers, none removed or changed. */
export function validateEphemeralContainersWrite(pod: Obj, old: Obj): FieldError[] {
  return [...validateMetaUpdate(pod, old), ...validatePod(pod as Pod), ...validateEphemeralContainersUpdate(pod, old)];
}

/**
 * CheckGracefulDelete of pods: the request's grace or the pod's own
 * terminationGracePeriodSeconds; 0 for pods no kubelet runs (unscheduled) or
 * that already ended, so those go at once.
 */
export function podGracePeriod(pod: Obj, requested: number | undefined): number {
  const spec = objectAt(pod, 'spec');
  const phase = stringAt(objectAt(pod, 'status'), 'phase');
  if (stringAt(spec, 'nodeName') === '' || phase === 'Failed' || phase === 'Succeeded') return 0;
  const period = requested ?? numberAt(spec, 'terminationGracePeriodSeconds') ?? 0;
  return period < 0 ? 1 : period;
}
