import type { FieldError } from '../../api/errors';
import { child, forbidden, index, invalid, key, required } from '../validation/field';
import { inclusiveRangeError } from '../validation/names';
import { semanticEqual } from '../validation/objectmeta';
import { deepClone, numberAt, objectAt, objectsAt, stringAt, type Obj } from './common';
import { computePodQOS } from './pod-qos';
import { validateTolerations } from './podtemplate-validation-resources';

/**
 * ValidatePodUpdate: a pod's spec is fixed once created, except for the few
 * fields the kubelet and controllers may still move. Everything else changed
 * is one Forbidden error at `spec` carrying upstream's message and a diff.
 */

const MAX_INT32 = 2147483647;

export const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,' +
  '`spec.initContainers[*].image`,' +
  '`spec.activeDeadlineSeconds`,' +
  '`spec.tolerations` (only additions to existing tolerations),' +
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

function validateContainerUpdates(next: Obj[], old: Obj[], path: string): { errs: FieldError[]; stop: boolean } {
  if (next.length !== old.length) {
    return { errs: [forbidden(path, 'pod updates may not add or remove containers')], stop: true };
  }
  const errs: FieldError[] = [];
  next.forEach((c, i) => {
    if (stringAt(c, 'image') === '') errs.push(required(child(index(path, i), 'image')));
  });
  return { errs, stop: false };
}

function validateActiveDeadlineUpdate(spec: Obj, oldSpec: Obj): FieldError[] {
  const path = 'spec.activeDeadlineSeconds';
  const next = numberAt(spec, 'activeDeadlineSeconds');
  const old = numberAt(oldSpec, 'activeDeadlineSeconds');
  if (next !== undefined) {
    if (next < 0 || next > MAX_INT32) return [invalid(path, next, inclusiveRangeError(0, MAX_INT32))];
    if (old !== undefined && old < next) return [invalid(path, next, 'must be less than or equal to previous value')];
    return [];
  }
  return old !== undefined ? [invalid(path, null, 'must not update from a positive integer to nil value')] : [];
}

function sameTolerationButSeconds(a: Obj, b: Obj): boolean {
  const { tolerationSeconds: _a, ...restA } = a;
  const { tolerationSeconds: _b, ...restB } = b;
  return semanticEqual(restA, restB);
}

/** validateOnlyAddedTolerations: every existing toleration stays, only its NoExecute seconds may change. */
function validateOnlyAddedTolerations(next: Obj[], old: Obj[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const o of old) {
    const kept = next.some(
      (n) => semanticEqual(n, o) || (sameTolerationButSeconds(n, o) && stringAt(o, 'effect') === 'NoExecute'),
    );
    if (!kept) errs.push(forbidden(path, 'existing toleration can not be modified except its tolerationSeconds'));
  }
  return [...errs, ...validateTolerations(next, path)];
}

function validateOnlyDeletedSchedulingGates(next: Obj[], old: Obj[], path: string): FieldError[] {
  const oldNames = new Set(old.map((g) => stringAt(g, 'name')));
  return next
    .map((g) => stringAt(g, 'name'))
    .filter((name) => !oldNames.has(name))
    .map((name) => forbidden(path, `only deletion is allowed, but found new scheduling gate '${name}'`));
}

/** A short rendering of what differs, in place of Go's cmp.Diff: one -/+ pair per changed field. */
export function specDiff(old: Obj, next: Obj): string {
  const lines: string[] = [];
  for (const k of [...new Set([...Object.keys(old), ...Object.keys(next)])].sort()) {
    if (semanticEqual(old[k], next[k])) continue;
    if (old[k] !== undefined) lines.push(`- \t${k}: ${JSON.stringify(old[k])},`);
    if (next[k] !== undefined) lines.push(`+ \t${k}: ${JSON.stringify(next[k])},`);
  }
  return ['  core.PodSpec{', ...lines, '  }', ''].join('\n');
}

/** The spec as it would be if only the mutable fields had changed. */
function mungedSpec(spec: Obj, oldSpec: Obj): Obj {
  const munged = deepClone(spec);
  for (const list of ['containers', 'initContainers']) {
    const oldList = objectsAt(oldSpec, list);
    objectsAt(munged, list).forEach((c, i) => {
      if (oldList[i]) c.image = oldList[i].image;
    });
  }
  const copyFromOld = (k: string): void => {
    if (oldSpec[k] === undefined) delete munged[k];
    else munged[k] = deepClone(oldSpec[k]);
  };
  copyFromOld('activeDeadlineSeconds');
  copyFromOld('tolerations');
  const oldGrace = numberAt(oldSpec, 'terminationGracePeriodSeconds');
  if (oldGrace !== undefined && oldGrace < 0 && numberAt(munged, 'terminationGracePeriodSeconds') === 1) {
    munged.terminationGracePeriodSeconds = oldGrace;
  }
  if (objectsAt(oldSpec, 'schedulingGates').length > 0) copyFromOld('schedulingGates');
  return munged;
}

export function validatePodSpecUpdate(pod: Obj, old: Obj): FieldError[] {
  const spec = objectAt(pod, 'spec') ?? {};
  const oldSpec = objectAt(old, 'spec') ?? {};
  const errs: FieldError[] = [];
  for (const list of ['containers', 'initContainers']) {
    const r = validateContainerUpdates(objectsAt(spec, list), objectsAt(oldSpec, list), child('spec', list));
    errs.push(...r.errs);
    if (r.stop) return errs;
  }
  const deadlineErrs = validateActiveDeadlineUpdate(spec, oldSpec);
  if (deadlineErrs.length > 0) return [...errs, ...deadlineErrs];
  errs.push(
    ...validateOnlyAddedTolerations(
      objectsAt(spec, 'tolerations'),
      objectsAt(oldSpec, 'tolerations'),
      'spec.tolerations',
    ),
  );
  errs.push(
    ...validateOnlyDeletedSchedulingGates(
      objectsAt(spec, 'schedulingGates'),
      objectsAt(oldSpec, 'schedulingGates'),
      'spec.schedulingGates',
    ),
  );
  if (semanticEqual(spec, oldSpec)) return errs;
  const oldQos = stringAt(objectAt(old, 'status'), 'qosClass') || computePodQOS(oldSpec);
  if (oldQos !== computePodQOS(spec)) {
    errs.push(invalid('metadata', stringAt(objectAt(pod, 'status'), 'qosClass'), 'Pod QoS is immutable'));
  }
  const munged = mungedSpec(spec, oldSpec);
  if (!semanticEqual(munged, oldSpec)) {
    errs.push(forbidden('spec', `${POD_UPDATE_FORBIDDEN}\n${specDiff(oldSpec, munged)}`));
  }
  return errs;
}

/**
 * ValidatePodEphemeralContainersUpdate's own rule: ephemeral containers are
 * only ever added; one that exists may not change or go away.
 */
export function validateEphemeralContainersUpdate(pod: Obj, old: Obj): FieldError[] {
  const path = 'spec.ephemeralContainers';
  const next = new Map(objectsAt(objectAt(pod, 'spec'), 'ephemeralContainers').map((c) => [stringAt(c, 'name'), c]));
  const errs: FieldError[] = [];
  for (const c of objectsAt(objectAt(old, 'spec'), 'ephemeralContainers')) {
    const name = stringAt(c, 'name');
    const now = next.get(name);
    if (!now) errs.push(forbidden(path, `existing ephemeral containers ${JSON.stringify(name)} may not be removed\n`));
    else if (!semanticEqual(now, c)) {
      errs.push(
        forbidden(key(path, name), `existing ephemeral containers ${JSON.stringify(name)} may not be changed\n`),
      );
    }
  }
  return errs;
}
