import type { PodMetaView, PodSpecView } from './pod-shape';

/** One check's verdict: the short reason is always shown, the detail only when one object is judged. */
export interface CheckResult {
  allowed: boolean;
  reason?: string;
  detail?: string;
}

export type CheckFn = (meta: PodMetaView, spec: PodSpecView) => CheckResult;

export interface VersionedCheck {
  /** the first v1.x policy version this behaviour applies to */
  minimumMinor: number;
  check: CheckFn;
  /** baseline check ids this restricted check replaces at restricted level */
  overrides?: readonly string[];
}

export interface Check {
  id: string;
  level: 'baseline' | 'restricted';
  /** strictly increasing minimumMinor */
  versions: readonly VersionedCheck[];
}

export const ALLOWED: CheckResult = { allowed: true };

export function forbidden(reason: string, detail: string): CheckResult {
  return { allowed: false, reason, detail };
}

/** `pod and container "a"`-style lists of who set a bad value. */
export function setters(pod: boolean, containers: readonly string[]): string[] {
  const out = pod ? ['pod'] : [];
  if (containers.length > 0)
    out.push(`${containers.length === 1 ? 'container' : 'containers'} ${quoteList(containers)}`);
  return out;
}

function quoteList(items: readonly string[]): string {
  return `"${items.join('", "')}"`;
}

export function isWindowsPod(spec: PodSpecView): boolean {
  return spec.os?.name === 'windows';
}
