import type { KubeObject } from '../../api/object';
import type { ScopedResourceSelectorRequirement } from '../../generated/k8s.io.api.core.v1';
import type { AdmissionOperation } from '../interface';
import type { ResourceList } from './resource-list';

/** The group and resource an evaluator measures, e.g. `{group: 'apps', resource: 'deployments'}`. */
export interface GroupResource {
  group: string;
  resource: string;
}

/**
 * Upstream's quota.Evaluator: how one kind of object uses quota. Pure functions
 * of the object, shared by admission (charging) and the controller (recounting).
 */
export interface QuotaEvaluator {
  readonly groupResource: GroupResource;
  /** Whether a request with this operation and subresource can change usage. */
  handles(operation: AdmissionOperation, subresource: string): boolean;
  /** The names among a quota's hard names this evaluator accounts for. */
  matchingResources(names: readonly string[]): string[];
  /** Whether the object falls inside a quota scope. */
  matchesScope(selector: ScopedResourceSelectorRequirement, obj: KubeObject): boolean;
  /** Why the object cannot be admitted under a quota restricting `required`, or undefined. */
  constraints(required: readonly string[], obj: KubeObject): string | undefined;
  /** What the object uses. */
  usage(obj: KubeObject, nowMs: number): ResourceList;
}

/** `count/<resource>` for core, `count/<resource>.<group>` otherwise (upstream's ObjectCountQuotaResourceNameFor). */
export function objectCountName(gr: GroupResource): string {
  return gr.group ? `count/${gr.resource}.${gr.group}` : `count/${gr.resource}`;
}
