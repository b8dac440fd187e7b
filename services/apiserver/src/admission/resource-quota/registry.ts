import type { GroupResource, QuotaEvaluator } from './evaluator';
import { objectCountEvaluator } from './object-count';
import { persistentVolumeClaimEvaluator } from './persistent-volume-claims';
import { podEvaluator } from './pods';
import { serviceEvaluator } from './services';

/** Core resources quota counted by their own name before `count/` existed. */
const LEGACY_COUNTED = ['configmaps', 'secrets', 'resourcequotas', 'replicationcontrollers'];

const SPECIAL: readonly QuotaEvaluator[] = [
  podEvaluator,
  serviceEvaluator,
  persistentVolumeClaimEvaluator,
  ...LEGACY_COUNTED.map((r) => objectCountEvaluator({ group: '', resource: r }, r)),
];

/** Resources quota never charges: virtual ones and events (upstream's ignoredResources). */
const IGNORED = new Set([
  '/bindings',
  '/componentstatuses',
  '/events',
  'events.k8s.io/events',
  'authentication.k8s.io/tokenreviews',
  'authentication.k8s.io/selfsubjectreviews',
  'authorization.k8s.io/subjectaccessreviews',
  'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/localsubjectaccessreviews',
  'authorization.k8s.io/selfsubjectrulesreviews',
]);

export function isIgnoredResource(gr: GroupResource): boolean {
  return IGNORED.has(`${gr.group}/${gr.resource}`);
}

const countEvaluators = new Map<string, QuotaEvaluator>();

/** The evaluator of a resource: a specific one, else an object count (made once per resource). */
export function evaluatorFor(gr: GroupResource): QuotaEvaluator {
  const special = SPECIAL.find((e) => e.groupResource.group === gr.group && e.groupResource.resource === gr.resource);
  if (special) return special;
  const key = `${gr.group}/${gr.resource}`;
  let e = countEvaluators.get(key);
  if (!e) {
    e = objectCountEvaluator(gr);
    countEvaluators.set(key, e);
  }
  return e;
}

/** Which resource a quota name counts, for the names that say so: `count/<resource>[.<group>]` and the legacy names. */
export function groupResourceOfName(name: string): GroupResource | undefined {
  for (const e of SPECIAL) if (e.matchingResources([name]).length > 0) return e.groupResource;
  if (!name.startsWith('count/')) return undefined;
  const rest = name.slice('count/'.length);
  const dot = rest.indexOf('.');
  return dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
}
