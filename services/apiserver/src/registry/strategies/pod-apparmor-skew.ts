import { ensureObject, objectAt, type Obj } from './common';
import { semanticEqual } from '../validation/objectmeta';
import { containersWithPaths, validateAppArmorProfileField } from './pod-security-context-validation';

/**
 * The pod strategy's AppArmor version skew handling at create (KEP-24): a
 * container's deprecated annotation and its field are kept in step, so that
 * kubelets older than the fields still enforce what the fields ask for.
 */

const ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const LOCALHOST_PREFIX = 'localhost/';

function annotationForField(profile: Obj): string {
  switch (profile.type) {
    case 'Unconfined':
      return 'unconfined';
    case 'RuntimeDefault':
      return 'runtime/default';
    case 'Localhost':
      return typeof profile.localhostProfile === 'string' ? LOCALHOST_PREFIX + profile.localhostProfile : '';
    default:
      return '';
  }
}

function fieldForAnnotation(annotation: string): Obj | undefined {
  if (annotation === 'unconfined') return { type: 'Unconfined' };
  if (annotation === 'runtime/default') return { type: 'RuntimeDefault' };
  if (annotation.startsWith(LOCALHOST_PREFIX) && annotation.length > LOCALHOST_PREFIX.length) {
    return { type: 'Localhost', localhostProfile: annotation.slice(LOCALHOST_PREFIX.length) };
  }
  return undefined;
}

export function applyAppArmorVersionSkew(pod: Obj): void {
  const spec = objectAt(pod, 'spec');
  if (!spec || objectAt(spec, 'os')?.name === 'windows') return;
  const podProfile = objectAt(objectAt(spec, 'securityContext'), 'appArmorProfile');
  const metadata = ensureObject(pod, 'metadata');
  for (const { c } of containersWithPaths(spec, 'spec')) {
    const key = ANNOTATION_PREFIX + String(c.name);
    const annotations = objectAt(metadata, 'annotations');
    const annotation = annotations?.[key];
    const containerProfile = objectAt(objectAt(c, 'securityContext'), 'appArmorProfile');
    if (typeof annotation !== 'string') {
      const profile = containerProfile ?? podProfile;
      const value = profile ? annotationForField(profile) : '';
      if (value !== '') ensureObject(metadata, 'annotations')[key] = value;
      continue;
    }
    if (containerProfile) continue;
    const field = fieldForAnnotation(annotation);
    // an annotation that would make an invalid field is left to validation
    if (!field || validateAppArmorProfileField(field, '').length > 0) continue;
    // a container inherits the pod's profile, so an equal one needs no field of its own
    if (!semanticEqual(field, podProfile)) ensureObject(c, 'securityContext').appArmorProfile = field;
  }
}
