import type { FieldError } from '../../api/errors';
import { isPlainObject } from '../../api/object';
import { child, forbidden, goQuote, invalid, key } from '../validation/field';
import { objectAt, stringAt, type Obj } from './common';
import { containersWithPaths, validateLocalDescendingPath } from './pod-security-context-validation';
import { validateTolerations } from './podtemplate-validation-resources';

/**
 * The pod-specific annotation rules of upstream (ValidatePodSpecificAnnotations,
 * ValidatePodSpecificAnnotationUpdates) and the create-time consistency of the
 * deprecated seccomp/AppArmor annotations with the fields that replaced them.
 */

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
const TOLERATIONS_ANNOTATION = 'scheduler.alpha.kubernetes.io/tolerations';
const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';
const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';
const APPARMOR_CONTAINER_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const SECCOMP_LOCALHOST_PREFIX = 'localhost/';

type Annotations = Record<string, string>;

/** strconv.ParseInt(s, 10, 32) succeeds: optional sign, decimal digits, within int32. */
function isInt32Text(s: string): boolean {
  if (!/^[+-]?[0-9]+$/.test(s)) return false;
  const n = Number(s);
  return n >= -2147483648 && n <= 2147483647;
}

function validateSeccompAnnotationValue(value: string, path: string): FieldError[] {
  if (value === 'runtime/default' || value === 'docker/default' || value === 'unconfined') return [];
  if (value.startsWith(SECCOMP_LOCALHOST_PREFIX)) {
    return validateLocalDescendingPath(value.slice(SECCOMP_LOCALHOST_PREFIX.length), path);
  }
  return [invalid(path, value, 'must be a valid seccomp profile')];
}

function appArmorFormatError(profile: string): string | undefined {
  if (profile === '' || profile === 'runtime/default' || profile === 'unconfined') return undefined;
  if (profile.startsWith('localhost/')) return undefined;
  return `invalid AppArmor profile name: ${goQuote(profile)}`;
}

function tolerationsFromAnnotation(text: string): Obj[] | string {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null) return [];
    if (!Array.isArray(parsed) || !parsed.every(isPlainObject)) {
      return 'json: cannot unmarshal into Go value of type []v1.Toleration';
    }
    return parsed;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** ValidatePodSpecificAnnotations, for pods and templates alike. */
export function validatePodSpecificAnnotations(
  annotations: Annotations | undefined,
  spec: Obj,
  path: string,
  allowInvalidDeletionCost = false,
): FieldError[] {
  const a = annotations ?? {};
  const errs: FieldError[] = [];
  const mirror = a[MIRROR_POD_ANNOTATION];
  if (mirror !== undefined && stringAt(spec, 'nodeName') === '') {
    errs.push(
      invalid(key(path, MIRROR_POD_ANNOTATION), mirror, 'must set spec.nodeName if mirror pod annotation is set'),
    );
  }
  const tolerations = a[TOLERATIONS_ANNOTATION];
  if (tolerations !== undefined && tolerations !== '') {
    const parsed = tolerationsFromAnnotation(tolerations);
    if (typeof parsed === 'string') errs.push(invalid(path, TOLERATIONS_ANNOTATION, parsed));
    else if (parsed.length > 0) errs.push(...validateTolerations(parsed, child(path, TOLERATIONS_ANNOTATION)));
  }
  const cost = a[POD_DELETION_COST];
  if (!allowInvalidDeletionCost && cost !== undefined && !isInt32Text(cost)) {
    errs.push(invalid(key(path, POD_DELETION_COST), cost, 'must be a 32bit integer'));
  }
  const seccompPod = a[SECCOMP_POD_ANNOTATION];
  if (seccompPod !== undefined) {
    errs.push(...validateSeccompAnnotationValue(seccompPod, child(path, SECCOMP_POD_ANNOTATION)));
  }
  const names = new Set(containersWithPaths(spec, 'spec').map(({ c }) => c.name));
  for (const k of Object.keys(a).sort()) {
    if (k.startsWith(SECCOMP_CONTAINER_PREFIX)) errs.push(...validateSeccompAnnotationValue(a[k], child(path, k)));
    if (!k.startsWith(APPARMOR_CONTAINER_PREFIX)) continue;
    const container = k.slice(APPARMOR_CONTAINER_PREFIX.length);
    if (!names.has(container)) errs.push(invalid(key(path, k), container, 'container not found'));
    const formatError = appArmorFormatError(a[k]);
    if (formatError) errs.push(invalid(key(path, k), a[k], formatError));
  }
  return errs;
}

/** Whether a stored pod's deletion cost was already unparsable, so an update may keep it. */
export function hasInvalidDeletionCost(annotations: Annotations | undefined): boolean {
  const cost = annotations?.[POD_DELETION_COST];
  return cost !== undefined && !isInt32Text(cost);
}

/** ValidatePodSpecificAnnotationUpdates: AppArmor and mirror annotations are fixed at create. */
export function validatePodAnnotationUpdates(
  next: Annotations | undefined,
  old: Annotations | undefined,
  path: string,
): FieldError[] {
  const n = next ?? {};
  const o = old ?? {};
  const errs: FieldError[] = [];
  for (const k of Object.keys(o).sort()) {
    if (n[k] === o[k]) continue;
    if (k.startsWith(APPARMOR_CONTAINER_PREFIX)) {
      errs.push(forbidden(key(path, k), 'may not remove or update AppArmor annotations'));
    }
    if (k === MIRROR_POD_ANNOTATION)
      errs.push(forbidden(key(path, k), 'may not remove or update mirror pod annotation'));
  }
  for (const k of Object.keys(n).sort()) {
    if (k in o) continue;
    if (k.startsWith(APPARMOR_CONTAINER_PREFIX)) errs.push(forbidden(key(path, k), 'may not add AppArmor annotations'));
    if (k === MIRROR_POD_ANNOTATION) errs.push(forbidden(key(path, k), 'may not add mirror pod annotation'));
  }
  return errs;
}

function seccompMismatch(annotation: string, profile: Obj, path: string): FieldError | undefined {
  const typeMismatch = forbidden(child(path, 'type'), 'seccomp type in annotation and field must match');
  switch (profile.type) {
    case 'Unconfined':
      return annotation === 'unconfined' ? undefined : typeMismatch;
    case 'RuntimeDefault':
      return annotation === 'runtime/default' || annotation === 'docker/default' ? undefined : typeMismatch;
    case 'Localhost':
      if (!annotation.startsWith(SECCOMP_LOCALHOST_PREFIX)) return typeMismatch;
      if (annotation.slice(SECCOMP_LOCALHOST_PREFIX.length) !== profile.localhostProfile) {
        return forbidden(child(path, 'localhostProfile'), 'seccomp profile in annotation and field must match');
      }
      return undefined;
    default:
      return undefined;
  }
}

function appArmorMismatch(annotation: string, profile: Obj, path: string): FieldError | undefined {
  const typeMismatch = forbidden(child(path, 'type'), 'apparmor type in annotation and field must match');
  switch (profile.type) {
    case 'Unconfined':
      return annotation === 'unconfined' ? undefined : typeMismatch;
    case 'RuntimeDefault':
      return annotation === 'runtime/default' ? undefined : typeMismatch;
    case 'Localhost':
      if (!annotation.startsWith('localhost/')) return typeMismatch;
      if (annotation.slice('localhost/'.length) !== profile.localhostProfile) {
        return forbidden(child(path, 'localhostProfile'), 'apparmor profile in annotation and field must match');
      }
      return undefined;
    default:
      return undefined;
  }
}

/**
 * validateSeccompAnnotationsAndFields and validateAppArmorAnnotationsAndFieldsMatchOnCreate:
 * where a deprecated annotation and its field are both present they must agree.
 */
export function validateProfileAnnotationsMatchFields(
  annotations: Annotations | undefined,
  spec: Obj,
  specPath: string,
): FieldError[] {
  const a = annotations ?? {};
  const errs: FieldError[] = [];
  const podSC = objectAt(spec, 'securityContext');
  const podSeccomp = objectAt(podSC, 'seccompProfile');
  const podAnnotation = a[SECCOMP_POD_ANNOTATION];
  if (podSeccomp && podAnnotation !== undefined) {
    const e = seccompMismatch(podAnnotation, podSeccomp, child(child(specPath, 'securityContext'), 'seccompProfile'));
    if (e) errs.push(e);
  }
  const containers = containersWithPaths(spec, specPath);
  for (const { c, path } of containers) {
    const profile = objectAt(objectAt(c, 'securityContext'), 'seccompProfile');
    const annotation = a[SECCOMP_CONTAINER_PREFIX + String(c.name)];
    if (!profile || annotation === undefined) continue;
    const e = seccompMismatch(annotation, profile, child(child(path, 'securityContext'), 'seccompProfile'));
    if (e) errs.push(e);
  }
  if (objectAt(spec, 'os')?.name === 'windows') return errs;
  const podAppArmor = objectAt(podSC, 'appArmorProfile');
  for (const { c, path } of containers) {
    const profile = objectAt(objectAt(c, 'securityContext'), 'appArmorProfile') ?? podAppArmor;
    const annotation = a[APPARMOR_CONTAINER_PREFIX + String(c.name)];
    if (!profile || annotation === undefined) continue;
    const e = appArmorMismatch(annotation, profile, child(child(path, 'securityContext'), 'appArmorProfile'));
    if (e) errs.push(e);
  }
  return errs;
}
