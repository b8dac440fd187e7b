import type { FieldError } from '../../api/errors';
import { child, duplicate, forbidden, index, invalid, notSupported } from '../validation/field';
import { inclusiveRangeError, isQualifiedName } from '../validation/names';
import { arrayAt, objectAt, objectsAt, stringAt, type Obj } from './common';

/**
 * The container-status and condition rules of upstream's ValidatePodStatusUpdate:
 * terminated containers stay terminated unless the restart policy lets them
 * run again, custom condition types are qualified names, and the
 * kubelet-reported users and resource health are well formed.
 */

const MAX_INT32 = 2147483647;
const SYSTEM_CONDITIONS = new Set(['PodScheduled', 'Ready', 'Initialized']);

function isTerminated(status: Obj | undefined): boolean {
  return objectAt(objectAt(status, 'state'), 'terminated') !== undefined;
}

function exitCode(status: Obj): number {
  const code = objectAt(objectAt(status, 'state'), 'terminated')?.exitCode;
  return typeof code === 'number' ? code : 0;
}

/**
 * ValidateContainerStateTransition (and its init-container variant, which also
 * lets sidecars restart): a container that ended for good may not be reported
 * running or waiting again.
 */
function validateStateTransitions(
  next: Obj[],
  old: Obj[],
  path: string,
  restartPolicy: string,
  mayRestart: (name: string) => boolean = () => false,
): FieldError[] {
  if (restartPolicy === 'Always') return [];
  const errs: FieldError[] = [];
  old.forEach((o, i) => {
    if (!isTerminated(o)) return;
    if (exitCode(o) !== 0 && restartPolicy === 'OnFailure') return;
    const name = stringAt(o, 'name');
    if (mayRestart(name)) return;
    for (const n of next) {
      if (stringAt(n, 'name') === name && !isTerminated(n)) {
        errs.push(forbidden(child(index(path, i), 'state'), 'may not be transitioned to non-terminated state'));
      }
    }
  });
  return errs;
}

/** validatePodConditions: reported, as upstream does, under `metadata.conditions[i].Type`. */
function validatePodConditions(conditions: Obj[]): FieldError[] {
  const errs: FieldError[] = [];
  conditions.forEach((c, i) => {
    const type = stringAt(c, 'type');
    if (SYSTEM_CONDITIONS.has(type)) return;
    for (const msg of isQualifiedName(type)) errs.push(invalid(`metadata.conditions[${i}].Type`, type, msg));
  });
  return errs;
}

function validID(value: unknown, path: string): FieldError[] {
  if (typeof value !== 'number') return [];
  return value < 0 || value > MAX_INT32 ? [invalid(path, value, inclusiveRangeError(0, MAX_INT32))] : [];
}

/** validateContainerStatusUsers: Linux ids in range; none on a Windows pod. */
function validateContainerStatusUsers(statuses: Obj[], path: string, osName: string): FieldError[] {
  const errs: FieldError[] = [];
  statuses.forEach((s, i) => {
    const user = objectAt(s, 'user');
    if (!user) return;
    const linux = objectAt(user, 'linux');
    const p = child(index(path, i), 'linux');
    if (osName === 'windows') {
      if (linux) errs.push(forbidden(p, 'cannot be set for a windows pod'));
      return;
    }
    if (osName !== 'linux' || !linux) return;
    errs.push(...validID(linux.uid, child(p, 'uid')), ...validID(linux.gid, child(p, 'gid')));
    arrayAt(linux, 'supplementalGroups').forEach((g, j) =>
      errs.push(...validID(g, index(child(p, 'supplementalGroups'), j))),
    );
  });
  return errs;
}

const HEALTH_VALUES = ['Healthy', 'Unhealthy', 'Unknown'];

function allocatedNameError(name: string, container: Obj): string | undefined {
  const resources = objectAt(container, 'resources');
  if (name.startsWith('claim:')) {
    const claims = objectsAt(resources, 'claims').map((c) => {
      const request = stringAt(c, 'request');
      return `claim:${stringAt(c, 'name')}${request !== '' ? `/${request}` : ''}`;
    });
    return claims.includes(name)
      ? undefined
      : "must match one of the container's resource claims in a format 'claim:<claimName>/<request>' or 'claim:<claimName>' if request is empty";
  }
  return name in (objectAt(resources, 'requests') ?? {})
    ? undefined
    : "must match one of the container's resource requests";
}

/** validateContainerStatusAllocatedResourcesStatus: names of the container's resources, unique ids, known health. */
function validateAllocatedResourcesStatus(statuses: Obj[], path: string, containers: Obj[]): FieldError[] {
  const errs: FieldError[] = [];
  statuses.forEach((s, i) => {
    const container = containers.find((c) => stringAt(c, 'name') === stringAt(s, 'name'));
    objectsAt(s, 'allocatedResourcesStatus').forEach((allocated, j) => {
      const p = index(child(index(path, i), 'allocatedResourcesStatus'), j);
      const name = stringAt(allocated, 'name');
      // a status for a container the spec lacks is ignored, as upstream does
      const nameError = container ? allocatedNameError(name, container) : undefined;
      if (nameError) errs.push(invalid(child(p, 'name'), name, nameError));
      const ids = new Set<string>();
      objectsAt(allocated, 'resources').forEach((r, k) => {
        const rp = index(child(p, 'resources'), k);
        const health = stringAt(r, 'health');
        if (!HEALTH_VALUES.includes(health)) errs.push(notSupported(child(rp, 'health'), health, HEALTH_VALUES));
        const id = stringAt(r, 'resourceID');
        if (ids.has(id)) errs.push(duplicate(child(rp, 'resourceID'), id));
        else ids.add(id);
      });
    });
  });
  return errs;
}

function validateNoAllocatedResourcesStatus(statuses: Obj[], path: string): FieldError[] {
  return statuses
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => arrayAt(s, 'allocatedResourcesStatus').length > 0)
    .map(({ i }) =>
      forbidden(child(index(path, i), 'allocatedResourcesStatus'), 'must not be specified in container status'),
    );
}

export function validateContainerStatuses(pod: Obj, old: Obj): FieldError[] {
  const status = objectAt(pod, 'status');
  const oldStatus = objectAt(old, 'status');
  const spec = objectAt(pod, 'spec');
  const oldSpec = objectAt(old, 'spec');
  const errs = validatePodConditions(objectsAt(status, 'conditions'));
  const restartPolicy = stringAt(oldSpec, 'restartPolicy');
  const sidecars = new Set(
    objectsAt(oldSpec, 'initContainers')
      .filter((c) => c.restartPolicy === 'Always')
      .map((c) => stringAt(c, 'name')),
  );
  const lists: Array<[string, string]> = [
    ['containerStatuses', 'containers'],
    ['initContainerStatuses', 'initContainers'],
    ['ephemeralContainerStatuses', 'ephemeralContainers'],
  ];
  errs.push(
    ...validateStateTransitions(
      objectsAt(status, 'containerStatuses'),
      objectsAt(oldStatus, 'containerStatuses'),
      'status.containerStatuses',
      restartPolicy,
    ),
    ...validateStateTransitions(
      objectsAt(status, 'initContainerStatuses'),
      objectsAt(oldStatus, 'initContainerStatuses'),
      'status.initContainerStatuses',
      restartPolicy,
      (name) => sidecars.has(name),
    ),
    // the kubelet never restarts an ephemeral container
    ...validateStateTransitions(
      objectsAt(status, 'ephemeralContainerStatuses'),
      objectsAt(oldStatus, 'ephemeralContainerStatuses'),
      'status.ephemeralContainerStatuses',
      'Never',
    ),
  );
  const osName = stringAt(objectAt(spec, 'os'), 'name') || 'linux';
  for (const [list] of lists) {
    errs.push(...validateContainerStatusUsers(objectsAt(status, list), `status.${list}`, osName));
  }
  for (const [list, containers] of lists.slice(0, 2)) {
    errs.push(
      ...validateAllocatedResourcesStatus(objectsAt(status, list), `status.${list}`, objectsAt(spec, containers)),
    );
  }
  errs.push(
    ...validateNoAllocatedResourcesStatus(
      objectsAt(status, 'ephemeralContainerStatuses'),
      'status.ephemeralContainerStatuses',
    ),
  );
  return errs;
}

/**
 * Kubelet-reported fields of features off by default in 1.32 (SupplementalGroupsPolicy,
 * ResourceHealthStatus): dropped from status writes, as upstream's dropDisabledPodStatusFields does.
 */
export function dropDisabledContainerStatusFields(pod: Obj, old: Obj | undefined): void {
  const status = objectAt(pod, 'status');
  const oldUsesPolicy = objectAt(objectAt(old, 'spec'), 'securityContext')?.supplementalGroupsPolicy !== undefined;
  for (const list of ['containerStatuses', 'initContainerStatuses', 'ephemeralContainerStatuses']) {
    for (const s of objectsAt(status, list)) {
      delete s.allocatedResourcesStatus;
      if (!oldUsesPolicy) delete s.user;
    }
  }
}
