import type { KubeObject } from '../../api/object';
import type { GroupVersionResource } from '../interface';
import { podMetaView, podSpecView, type ContainerView, type PodMetaView, type PodSpecView } from './pod-shape';

/** The pod controllers whose templates PodSecurity warns and audits about (never enforces). */
const TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  '/replicationcontrollers': ['spec', 'template'],
  '/podtemplates': ['template'],
  'apps/replicasets': ['spec', 'template'],
  'apps/deployments': ['spec', 'template'],
  'apps/statefulsets': ['spec', 'template'],
  'apps/daemonsets': ['spec', 'template'],
  'batch/jobs': ['spec', 'template'],
  'batch/cronjobs': ['spec', 'jobTemplate', 'spec', 'template'],
};

export function hasPodTemplate(r: GroupVersionResource): boolean {
  return `${r.group}/${r.resource}` in TEMPLATE_PATHS;
}

export interface PodLike {
  meta: PodMetaView;
  spec: PodSpecView;
}

/** The template's metadata and spec; undefined when the object has none (an RC may omit it). */
export function extractTemplate(r: GroupVersionResource, obj: KubeObject): PodLike | undefined {
  const path = TEMPLATE_PATHS[`${r.group}/${r.resource}`];
  if (!path) return undefined;
  let cur: unknown = obj;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
  const template = cur as Record<string, unknown>;
  return { meta: podMetaView(template.metadata), spec: podSpecView(template.spec) };
}

export function podLike(obj: KubeObject): PodLike {
  return { meta: podMetaView(obj.metadata), spec: podSpecView(obj.spec) };
}

const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

function significantContainerChange(
  c: ContainerView,
  old: ContainerView,
  pod: PodMetaView,
  oldPod: PodMetaView,
): boolean {
  if (c.image !== old.image) return true;
  const key = SECCOMP_CONTAINER_ANNOTATION_PREFIX + c.name;
  return pod.annotations[key] !== oldPod.annotations[key];
}

/**
 * Whether a pod update can change what the checks see. Pod specs are almost
 * immutable: container images, the per-container seccomp annotations and
 * ephemeral containers are what can change, so a metadata-only (or status-like) update is not re-evaluated.
 */
export function isSignificantPodUpdate(pod: PodLike, old: PodLike): boolean {
  if (pod.spec.containers.length !== old.spec.containers.length) return true;
  if (pod.spec.initContainers.length !== old.spec.initContainers.length) return true;
  const pairs = (a: ContainerView[], b: ContainerView[]): boolean =>
    a.some((c, i) => significantContainerChange(c, b[i], pod.meta, old.meta));
  if (pairs(pod.spec.containers, old.spec.containers)) return true;
  if (pairs(pod.spec.initContainers, old.spec.initContainers)) return true;
  return pod.spec.ephemeralContainers.some((c) => {
    const before = old.spec.ephemeralContainers.find((o) => o.name === c.name);
    return !before || significantContainerChange(c, before, pod.meta, old.meta);
  });
}
