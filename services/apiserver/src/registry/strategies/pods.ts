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
import { applyMatchLabelKeysToPodAffinity } from './pod-affinity-validation';
import { applyAppArmorVersionSkew } from './pod-apparmor-skew';
import {
  hasInvalidDeletionCost,
  MIRROR_POD_ANNOTATION,
  validatePodAnnotationUpdates,
  validatePodSpecificAnnotations,
  validateProfileAnnotationsMatchFields,
} from './pod-annotations-validation';
import { dropDisabledContainerStatusFields, validateContainerStatuses } from './pod-container-status-validation';
import { dropDisabledPodSpecFields } from './pod-disabled-fields';
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
  dropDisabledPodSpecFields(spec, undefined);
  applyMatchLabelKeysToPodAffinity(spec, pod.metadata?.labels ?? {});
  applyAppArmorVersionSkew(pod as Obj);
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
  if (stringAt(spec, 'nodeName') !== '' && objectsAt(spec, 'schedulingGates').length > 0) {
    errs.push(forbidden('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'));
  }
  errs.push(...validateProfileAnnotationsMatchFields(pod.metadata?.annotations, spec ?? {}, 'spec'));
  return errs;
}

/**
 * ValidatePod: the pod-specific annotations and the full PodSpec, at upstream's
 * field paths. An update may keep a deletion cost the stored pod already had wrong.
 */
function validatePod(pod: Pod, old?: Pod): FieldError[] {
  const spec = objectAt(pod, 'spec') ?? {};
  return [
    ...validatePodSpecificAnnotations(
      pod.metadata?.annotations,
      spec,
      'metadata.annotations',
      hasInvalidDeletionCost(old?.metadata?.annotations),
    ),
    ...validatePodSpec(spec, 'spec'),
  ];
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
    dropDisabledPodSpecFields(ensureObject(pod, 'spec'), objectAt(old, 'spec'));
    // the main resource never writes status, and pods carry no generation in 1.32
    pod.status = deepClone(old.status);
    if (pod.status === undefined) delete pod.status;
  },

  validate(pod) {
    return [...validateMetaCreate(pod, metaRules), ...validatePod(pod), ...validatePodCreateOnly(pod)];
  },

  prepareForStatusUpdate(pod, old) {
    dropDisabledContainerStatusFields(pod as Obj, old as Obj);
  },

  validateUpdate(pod, old) {
    return [
      ...validateMetaUpdate(pod, old),
      ...validatePod(pod, old),
      ...validatePodAnnotationUpdates(pod.metadata?.annotations, old.metadata?.annotations, 'metadata.annotations'),
      ...validatePodSpecUpdate(pod as Obj, old as Obj),
      ...validatePodStatus(pod as Obj, old as Obj),
      ...validateContainerStatuses(pod as Obj, old as Obj),
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
  const errs = [
    ...validateMetaUpdate(pod, old),
    ...validatePod(pod as Pod, old as Pod),
    ...validatePodAnnotationUpdates(
      (pod as Pod).metadata?.annotations,
      (old as Pod).metadata?.annotations,
      'metadata.annotations',
    ),
  ];
  // static pods run from a node's files; the kubelet cannot add containers to them
  if ((old as Pod).metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) {
    return [forbidden('', 'static pods do not support ephemeral containers')];
  }
  return [...errs, ...validateEphemeralContainersUpdate(pod, old)];
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
