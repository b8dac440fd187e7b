import { newInvalid } from '../api/errors';
import type { KubeObject } from '../api/object';
import { formatLabelSelector } from './tables';
import type { ResourceInfo } from './resources';

export const SCALE_MESSAGE = 'k8s.io.api.autoscaling.v1.Scale';

/** Where a scalable kind keeps its replica counts, as upstream's scale subresource maps them. */
export interface ScalePaths {
  specReplicas: string;
  statusReplicas: string;
  /** path of a metav1.LabelSelector rendered to its string form */
  selector: string;
}

const DEFAULT_SCALE_PATHS: ScalePaths = {
  specReplicas: 'spec.replicas',
  statusReplicas: 'status.replicas',
  selector: 'spec.selector',
};

function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const p of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function setAt(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (typeof next !== 'object' || next === null) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}

/**
 * A ReplicationController's selector is a plain label map, not a
 * metav1.LabelSelector: every value is a string, where a LabelSelector's
 * matchLabels and matchExpressions never are.
 */
function isLabelSet(selector: object): selector is Record<string, string> {
  return Object.values(selector).every((v) => typeof v === 'string');
}

/** labels.SelectorFromSet(...).String(): sorted key=value pairs. */
function formatLabelSet(set: Record<string, string>): string {
  return Object.keys(set)
    .sort()
    .map((k) => `${k}=${set[k]}`)
    .join(',');
}

export function isScalable(info: ResourceInfo): boolean {
  return info.subresources.some((s) => s.name === 'scale');
}

/** The autoscaling/v1 Scale view of an object. */
export function toScale(obj: KubeObject, paths: ScalePaths = DEFAULT_SCALE_PATHS): KubeObject {
  const m = obj.metadata ?? {};
  const spec = at(obj, paths.specReplicas);
  const status = at(obj, paths.statusReplicas);
  const selector = at(obj, paths.selector);
  const scaleStatus: Record<string, unknown> = { replicas: typeof status === 'number' ? status : 0 };
  if (selector && typeof selector === 'object') {
    const s = isLabelSet(selector) ? formatLabelSet(selector) : formatLabelSelector(selector);
    if (s) scaleStatus.selector = s;
  }
  const meta: Record<string, unknown> = { name: m.name };
  if (m.namespace) meta.namespace = m.namespace;
  meta.uid = m.uid;
  meta.resourceVersion = m.resourceVersion;
  meta.creationTimestamp = m.creationTimestamp;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: meta as KubeObject['metadata'],
    spec: typeof spec === 'number' ? { replicas: spec } : {},
    status: scaleStatus,
  };
}

/** Applies a Scale's spec.replicas to the object; the Scale's resourceVersion acts as a precondition. */
export function applyScale(obj: KubeObject, scale: KubeObject, paths: ScalePaths = DEFAULT_SCALE_PATHS): KubeObject {
  const replicas = at(scale, 'spec.replicas');
  const name = obj.metadata?.name ?? '';
  const value = replicas === undefined ? 0 : replicas;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw newInvalid('Scale', 'autoscaling', name, [
      {
        type: 'FieldValueInvalid',
        field: 'spec.replicas',
        message: `Invalid value: ${String(value)}: must be greater than or equal to 0`,
      },
    ]);
  }
  const next = JSON.parse(JSON.stringify(obj)) as KubeObject;
  setAt(next as Record<string, unknown>, paths.specReplicas, value);
  const rv = scale.metadata?.resourceVersion;
  if (next.metadata) {
    if (rv) next.metadata.resourceVersion = rv;
  }
  return next;
}
