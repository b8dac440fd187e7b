import { StatusError } from '../../api/errors';
import type { KubeObject } from '../../api/object';
import type { PriorityClass } from '../../generated/k8s.io.api.scheduling.v1';
import { admissionForbidden, type AdmissionAttributes, type AdmissionPlugin } from '../interface';
import type { AdmissionDeps, AdmissionPluginFactory } from './deps';
import { plainAdmissionError, podSpecOf } from './pod-admission/pod-spec';

/** What a pod gets when it names no class and no class is the global default. */
const NO_DEFAULT_PRIORITY = 0;
const NO_DEFAULT_PREEMPTION_POLICY = 'PreemptLowerPriority';

interface Resolved {
  className: string;
  value: number;
  preemptionPolicy: string | undefined;
}

function isResource(a: AdmissionAttributes, group: string, resource: string): boolean {
  return a.resource.group === group && a.resource.resource === resource;
}

class PriorityAdmission implements AdmissionPlugin {
  readonly name = 'Priority';

  constructor(private readonly deps: AdmissionDeps) {}

  handles(op: string): boolean {
    return op === 'CREATE' || op === 'UPDATE' || op === 'DELETE';
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    if (a.subresource !== '' || !isResource(a, '', 'pods')) return;
    if (a.operation === 'UPDATE') return this.keepPriorityOnUpdate(a);
    if (a.operation === 'CREATE') return this.resolvePodPriority(a);
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    if (a.subresource !== '' || !isResource(a, 'scheduling.k8s.io', 'priorityclasses')) return;
    if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return;
    const pc = a.object as PriorityClass | undefined;
    if (!pc?.globalDefault) return;
    const current = await this.defaultClass();
    if (!current) return;
    const name = pc.metadata?.name ?? a.name;
    if (a.operation === 'CREATE' || current.metadata?.name !== name) {
      throw admissionForbidden(
        a,
        `PriorityClass ${current.metadata?.name ?? ''} is already marked as default. Only one default can exist`,
      );
    }
  }

  private store() {
    const store = this.deps.table.store('scheduling.k8s.io', 'v1', 'priorityclasses');
    if (!store) throw new Error('priorityclasses are not served');
    return store;
  }

  /**
   * The global default class; of several (two creates may race) the one with the
   * lowest value, as upstream picks.
   */
  private async defaultClass(): Promise<PriorityClass | undefined> {
    let items: PriorityClass[];
    try {
      const list = await this.store().list('', {});
      items = (Array.isArray(list.items) ? list.items : []) as PriorityClass[];
    } catch (e) {
      throw plainAdmissionError(`failed to get default priority class: ${(e as Error).message}`);
    }
    let found: PriorityClass | undefined;
    for (const pc of items) {
      if (pc.globalDefault && (!found || (found.value ?? 0) > (pc.value ?? 0))) found = pc;
    }
    return found;
  }

  /** Validation keeps priority immutable; a replacement that leaves it out keeps the stored one. */
  private keepPriorityOnUpdate(a: AdmissionAttributes): void {
    if (!a.object || !a.oldObject) return;
    const spec = podSpecOf(a.object);
    const old = podSpecOf(a.oldObject);
    if (spec.priority === undefined && old.priority !== undefined) spec.priority = old.priority;
    if (spec.preemptionPolicy === undefined && old.preemptionPolicy !== undefined) {
      spec.preemptionPolicy = old.preemptionPolicy;
    }
  }

  private async resolve(a: AdmissionAttributes, className: string): Promise<Resolved> {
    if (className === '') {
      const pc = await this.defaultClass();
      if (!pc) return { className: '', value: NO_DEFAULT_PRIORITY, preemptionPolicy: NO_DEFAULT_PREEMPTION_POLICY };
      return { className: pc.metadata?.name ?? '', value: pc.value ?? 0, preemptionPolicy: pc.preemptionPolicy };
    }
    let pc: PriorityClass;
    try {
      pc = (await this.store().get('', className)) as KubeObject as PriorityClass;
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) {
        throw admissionForbidden(a, `no PriorityClass with name ${className} was found`);
      }
      throw plainAdmissionError(`failed to get PriorityClass with name ${className}: ${(e as Error).message}`);
    }
    return { className, value: pc.value ?? 0, preemptionPolicy: pc.preemptionPolicy };
  }

  private async resolvePodPriority(a: AdmissionAttributes): Promise<void> {
    if (!a.object) return;
    const spec = podSpecOf(a.object);
    const resolved = await this.resolve(a, spec.priorityClassName ?? '');
    if (resolved.className !== '') spec.priorityClassName = resolved.className;
    if (spec.priority !== undefined && spec.priority !== resolved.value) {
      throw admissionForbidden(
        a,
        `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${resolved.value} from the given PriorityClass name`,
      );
    }
    spec.priority = resolved.value;
    const policy = resolved.preemptionPolicy;
    if (policy === undefined) return;
    if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== policy) {
      throw admissionForbidden(
        a,
        `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`,
      );
    }
    spec.preemptionPolicy = policy;
  }
}

/** Priority: pods get the value and preemption policy of their PriorityClass; one global default. */
export const priority: AdmissionPluginFactory = (deps) => new PriorityAdmission(deps);
