import { StatusError } from '../../api/errors';
import { parseQuantity } from '../../api/quantity';
import type { KubeObject } from '../../api/object';
import type { PodSpec, Toleration } from '../../generated/k8s.io.api.core.v1';
import type { RuntimeClass } from '../../generated/k8s.io.api.node.v1';
import { admissionForbidden, type AdmissionAttributes, type AdmissionPlugin } from '../interface';
import type { AdmissionDeps, AdmissionPluginFactory } from './deps';
import { entries, isPodMainResource, podSpecOf } from './pod-admission/pod-spec';
import { mergeTolerations } from './pod-admission/tolerations';

const OVERHEAD_MISMATCH = "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead";
const OVERHEAD_WITHOUT_CLASS = 'pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead';

function sameQuantity(a: string, b: string): boolean {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  return x !== undefined && y !== undefined ? x === y : a === b;
}

/** Semantic equality of two resource lists: same names, equal quantities; missing and empty are the same. */
function sameResources(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  if (ka.length !== kb.length) return false;
  return ka.every((k) => b !== undefined && Object.hasOwn(b, k) && sameQuantity((a ?? {})[k], b[k]));
}

class RuntimeClassAdmission implements AdmissionPlugin {
  readonly name = 'RuntimeClass';

  constructor(private readonly deps: AdmissionDeps) {}

  handles(op: string): boolean {
    return op === 'CREATE';
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    if (!isPodMainResource(a) || !a.object) return;
    const spec = podSpecOf(a.object);
    const rc = await this.runtimeClassOf(a, spec);
    if (!rc) return;
    this.setOverhead(a, spec, rc);
    this.setScheduling(a, spec, rc);
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    if (!isPodMainResource(a) || !a.object) return;
    const spec = podSpecOf(a.object);
    const rc = await this.runtimeClassOf(a, spec);
    if (rc?.overhead) {
      if (!sameResources(rc.overhead.podFixed, spec.overhead)) throw admissionForbidden(a, OVERHEAD_MISMATCH);
    } else if (spec.overhead !== undefined) {
      throw admissionForbidden(a, OVERHEAD_WITHOUT_CLASS);
    }
  }

  private async runtimeClassOf(a: AdmissionAttributes, spec: PodSpec): Promise<RuntimeClass | undefined> {
    const name = spec.runtimeClassName;
    if (name === undefined) return undefined;
    const store = this.deps.table.store('node.k8s.io', 'v1', 'runtimeclasses');
    if (!store) throw new Error('runtimeclasses are not served');
    try {
      return (await store.get('', name)) as KubeObject as RuntimeClass;
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) {
        throw admissionForbidden(a, `pod rejected: RuntimeClass ${JSON.stringify(name)} not found`);
      }
      throw e;
    }
  }

  private setOverhead(a: AdmissionAttributes, spec: PodSpec, rc: RuntimeClass): void {
    if (!rc.overhead) return;
    const fixed = rc.overhead.podFixed;
    if (Object.keys(spec.overhead ?? {}).length > 0 && !sameResources(fixed, spec.overhead)) {
      throw admissionForbidden(a, OVERHEAD_MISMATCH);
    }
    if (fixed === undefined) delete spec.overhead;
    else spec.overhead = { ...fixed };
  }

  private setScheduling(a: AdmissionAttributes, spec: PodSpec, rc: RuntimeClass): void {
    if (!rc.scheduling) return;
    const wanted = rc.scheduling.nodeSelector ?? {};
    if (spec.nodeSelector === undefined) {
      if (rc.scheduling.nodeSelector !== undefined) spec.nodeSelector = { ...wanted };
    } else {
      for (const [key, value] of Object.entries(wanted)) {
        const podValue = Object.hasOwn(spec.nodeSelector, key) ? spec.nodeSelector[key] : undefined;
        if (podValue !== undefined && podValue !== value) {
          throw admissionForbidden(
            a,
            `conflict: runtimeClass.scheduling.nodeSelector[${key}] = ${value}; pod.spec.nodeSelector[${key}] = ${podValue}`,
          );
        }
        spec.nodeSelector[key] = value;
      }
    }
    const podTolerations = (Array.isArray(spec.tolerations) ? spec.tolerations : []) as (Toleration | null)[];
    // null entries are Go's zero toleration
    const merged = mergeTolerations(
      podTolerations.map((t) => t ?? {}),
      entries(rc.scheduling.tolerations),
    );
    if (merged.length > 0) spec.tolerations = merged;
    else delete spec.tolerations;
  }
}

/** RuntimeClass: a pod's RuntimeClass sets its overhead and adds its scheduling constraints. */
export const runtimeClass: AdmissionPluginFactory = (deps) => new RuntimeClassAdmission(deps);
