import type { KubeObject } from '../../api/object';
import type {
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
} from '../../generated/k8s.io.api.admissionregistration.v1';
import { type CompiledPolicy, compilePolicy } from './compiled-policy';

interface PolicyEntry {
  policy: ValidatingAdmissionPolicy;
  compiled?: CompiledPolicy;
}

/** A policy and the bindings that name it, as one request evaluates them. */
export interface PolicyHook {
  policy: CompiledPolicy;
  bindings: ValidatingAdmissionPolicyBinding[];
}

function nameOf(obj: KubeObject): string {
  return obj.metadata?.name ?? '';
}

function byName(a: { metadata?: { name?: string } }, b: { metadata?: { name?: string } }): number {
  const x = a.metadata?.name ?? '';
  const y = b.metadata?.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The policies and bindings an informer keeps current. A policy is compiled on
 * first use after each change, so a request never compiles what did not change.
 */
export class PolicyIndex {
  private readonly policies = new Map<string, PolicyEntry>();
  private readonly bindings = new Map<string, ValidatingAdmissionPolicyBinding>();
  private hooksCache: PolicyHook[] | undefined;

  setPolicies(items: KubeObject[]): void {
    this.policies.clear();
    for (const p of items) this.policies.set(nameOf(p), { policy: p as ValidatingAdmissionPolicy });
    this.hooksCache = undefined;
  }

  setBindings(items: KubeObject[]): void {
    this.bindings.clear();
    for (const b of items) this.bindings.set(nameOf(b), b as ValidatingAdmissionPolicyBinding);
    this.hooksCache = undefined;
  }

  policyEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void {
    if (type === 'DELETED') this.policies.delete(nameOf(obj));
    else this.policies.set(nameOf(obj), { policy: obj as ValidatingAdmissionPolicy });
    this.hooksCache = undefined;
  }

  bindingEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void {
    if (type === 'DELETED') this.bindings.delete(nameOf(obj));
    else this.bindings.set(nameOf(obj), obj as ValidatingAdmissionPolicyBinding);
    this.hooksCache = undefined;
  }

  /** Every policy that some binding names, with those bindings, in name order. */
  hooks(): PolicyHook[] {
    if (this.hooksCache) return this.hooksCache;
    const bound = new Map<string, ValidatingAdmissionPolicyBinding[]>();
    for (const b of this.bindings.values()) {
      const p = b.spec?.policyName ?? '';
      if (!this.policies.has(p)) continue;
      (bound.get(p) ?? bound.set(p, []).get(p)!).push(b);
    }
    const hooks: PolicyHook[] = [];
    for (const [name, bs] of [...bound.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const entry = this.policies.get(name)!;
      entry.compiled ??= compilePolicy(entry.policy);
      hooks.push({ policy: entry.compiled, bindings: bs.sort(byName) });
    }
    this.hooksCache = hooks;
    return hooks;
  }
}
