/**
 * Resource lists as LimitRanger reads them: a pod's containers' requests and
 * limits, parsed, and the pod-wide totals upstream's podRequests/podLimits
 * compute (sidecars run alongside the app containers, other init containers
 * one at a time).
 */
import { toQuantity, type Quantity } from '../../api/quantity-format';

export type ResourceList = Map<string, Quantity>;

export interface ContainerLike {
  name?: string;
  restartPolicy?: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

/** The parsed list; values the codec would have refused are left out. */
export function parseResourceList(raw: Record<string, unknown> | undefined): ResourceList {
  const out: ResourceList = new Map();
  for (const [name, v] of Object.entries(raw ?? {})) {
    const q = toQuantity(typeof v === 'number' ? String(v) : typeof v === 'string' ? v : '');
    if (q) out.set(name, q);
  }
  return out;
}

/** Quantity.Add: the sum keeps the first operand's format unless that one is zero. */
function sum(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos + b.nanos, format: a.nanos === 0n ? b.format : a.format };
}

function addInto(list: ResourceList, more: ResourceList): void {
  for (const [name, q] of more) {
    const have = list.get(name);
    list.set(name, have ? sum(have, q) : q);
  }
}

function maxInto(list: ResourceList, more: ResourceList): void {
  for (const [name, q] of more) {
    const have = list.get(name);
    if (!have || q.nanos > have.nanos) list.set(name, q);
  }
}

type Pick = (c: ContainerLike) => ResourceList;

/** What the pod needs at its peak: app containers and sidecars together, or the largest init step. */
function podTotal(containers: ContainerLike[], initContainers: ContainerLike[], pick: Pick): ResourceList {
  const total: ResourceList = new Map();
  for (const c of containers) addInto(total, pick(c));
  const sidecars: ResourceList = new Map();
  const initPeak: ResourceList = new Map();
  for (const c of initContainers) {
    const own = pick(c);
    const step: ResourceList = new Map();
    if (c.restartPolicy === 'Always') {
      addInto(total, own);
      addInto(sidecars, own);
      addInto(step, sidecars);
    } else {
      addInto(step, own);
      addInto(step, sidecars);
    }
    maxInto(initPeak, step);
  }
  maxInto(total, initPeak);
  return total;
}

export const requestsOf: Pick = (c) => parseResourceList(c.resources?.requests);
export const limitsOf: Pick = (c) => parseResourceList(c.resources?.limits);

export function podRequests(containers: ContainerLike[], initContainers: ContainerLike[]): ResourceList {
  return podTotal(containers, initContainers, requestsOf);
}

export function podLimits(containers: ContainerLike[], initContainers: ContainerLike[]): ResourceList {
  return podTotal(containers, initContainers, limitsOf);
}
