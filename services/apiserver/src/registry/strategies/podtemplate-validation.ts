import type { FieldError } from '../../api/errors';
import { isPlainObject } from '../../api/object';
import {
  child,
  duplicate,
  forbidden,
  index,
  invalid,
  notFound,
  notSupported,
  required,
  validateNonnegative,
} from '../validation/field';
import { isDNS1123Label, isDNS1123Subdomain, isEnvVarName, isValidPortName, isValidPortNum } from '../validation/names';
import { validateAnnotations, validateLabels } from '../validation/objectmeta';
import { numberAt, objectAt, objectsAt, stringAt, stringMapAt, type Obj } from './common';
import { volumeSourcesOf } from './podtemplate-defaults';
import { validateAffinity } from './pod-affinity-validation';
import { validatePodSpecificAnnotations, validateProfileAnnotationsMatchFields } from './pod-annotations-validation';
import {
  podUsesHostUsers,
  validateContainerSecurityContext,
  validateHostUsers,
  validatePodOS,
  validatePodSecurityContext,
  validateWindowsHostProcessPod,
} from './pod-security-context-validation';
import { validateTopologySpreadConstraints } from './pod-topology-validation';
import { validatePodResources, validateTolerations } from './podtemplate-validation-resources';

/**
 * Validation of a workload's pod template, following upstream's
 * ValidatePodTemplateSpec/ValidatePodSpec for the fields most manifests use:
 * containers (names, images, ports, env, probes, mounts, security
 * contexts), volumes and the pod-level policies, the pod security context,
 * container resources, tolerations, affinity, topology spread constraints,
 * spec.os and ephemeral containers.
 */

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
const LIFECYCLE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'];
const MAX_INT32 = 2147483647;

function dns1123Label(value: string, path: string): FieldError[] {
  return isDNS1123Label(value).map((msg) => invalid(path, value, msg));
}

function enumField(value: string, path: string, allowed: string[], requiredDetail = ''): FieldError[] {
  if (value === '') return [required(path, requiredDetail)];
  return allowed.includes(value) ? [] : [notSupported(path, value, allowed)];
}

function validatePorts(ports: Obj[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = index(path, i);
    const name = stringAt(port, 'name');
    if (name !== '') {
      const msgs = isValidPortName(name);
      if (msgs.length > 0) for (const msg of msgs) errs.push(invalid(child(p, 'name'), name, msg));
      else if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
      else names.add(name);
    }
    const containerPort = numberAt(port, 'containerPort') ?? 0;
    if (containerPort === 0) errs.push(required(child(p, 'containerPort')));
    else
      for (const msg of isValidPortNum(containerPort))
        errs.push(invalid(child(p, 'containerPort'), containerPort, msg));
    const hostPort = numberAt(port, 'hostPort') ?? 0;
    if (hostPort !== 0)
      for (const msg of isValidPortNum(hostPort)) errs.push(invalid(child(p, 'hostPort'), hostPort, msg));
    const protocol = stringAt(port, 'protocol');
    errs.push(...enumField(protocol, child(p, 'protocol'), PORT_PROTOCOLS));
  });
  return errs;
}

function validateEnv(env: Obj[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  env.forEach((ev, i) => {
    const p = index(path, i);
    const name = stringAt(ev, 'name');
    if (name === '') errs.push(required(child(p, 'name')));
    else for (const msg of isEnvVarName(name)) errs.push(invalid(child(p, 'name'), name, msg));
    const valueFrom = objectAt(ev, 'valueFrom');
    if (!valueFrom) return;
    const vp = child(p, 'valueFrom');
    const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((s) =>
      isPlainObject(valueFrom[s]),
    );
    if (stringAt(ev, 'value') !== '' && sources.length !== 0) {
      errs.push(invalid(vp, '', 'may not be specified when `value` is not empty'));
    } else if (sources.length === 0) {
      errs.push(
        invalid(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'),
      );
    } else if (sources.length > 1) {
      errs.push(invalid(vp, '', 'may not have more than one field specified at a time'));
    }
    for (const ref of ['configMapKeyRef', 'secretKeyRef']) {
      const r = objectAt(valueFrom, ref);
      if (!r) continue;
      if (stringAt(r, 'key') === '') errs.push(required(child(child(vp, ref), 'key')));
    }
    const fieldRef = objectAt(valueFrom, 'fieldRef');
    if (fieldRef && stringAt(fieldRef, 'fieldPath') === '')
      errs.push(required(child(child(vp, 'fieldRef'), 'fieldPath')));
  });
  return errs;
}

function validateHandler(handler: Obj, path: string, kinds: string[]): FieldError[] {
  const errs: FieldError[] = [];
  const present = kinds.filter((k) => isPlainObject(handler[k]));
  if (present.length === 0) return [required(path, 'must specify a handler type')];
  for (const extra of present.slice(1))
    errs.push(forbidden(child(path, extra), 'may not specify more than 1 handler type'));
  const exec = objectAt(handler, 'exec');
  if (exec && !(Array.isArray(exec.command) && exec.command.length > 0)) {
    errs.push(required(child(child(path, 'exec'), 'command')));
  }
  for (const k of ['httpGet', 'tcpSocket']) {
    const action = objectAt(handler, k);
    if (!action) continue;
    const port = action.port;
    const portPath = child(child(path, k), 'port');
    if (typeof port === 'number') for (const msg of isValidPortNum(port)) errs.push(invalid(portPath, port, msg));
    else if (typeof port === 'string') for (const msg of isValidPortName(port)) errs.push(invalid(portPath, port, msg));
    else errs.push(required(portPath));
  }
  const httpGet = objectAt(handler, 'httpGet');
  const scheme = stringAt(httpGet, 'scheme');
  if (httpGet && scheme !== '' && scheme !== 'HTTP' && scheme !== 'HTTPS') {
    errs.push(notSupported(child(child(path, 'httpGet'), 'scheme'), scheme, ['HTTP', 'HTTPS']));
  }
  return errs;
}

function validateProbe(probe: Obj | undefined, path: string, successMustBeOne: boolean): FieldError[] {
  if (!probe) return [];
  const errs = validateHandler(probe, path, PROBE_HANDLERS);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    errs.push(...validateNonnegative(numberAt(probe, f), child(path, f)));
  }
  const grace = numberAt(probe, 'terminationGracePeriodSeconds');
  if (grace !== undefined && grace <= 0) {
    errs.push(invalid(child(path, 'terminationGracePeriodSeconds'), grace, 'must be greater than 0'));
  }
  const success = numberAt(probe, 'successThreshold');
  if (successMustBeOne && success !== undefined && success !== 1) {
    errs.push(invalid(child(path, 'successThreshold'), success, 'must be 1'));
  }
  return errs;
}

function validateVolumeMounts(mounts: Obj[], volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const mountPoints = new Set<string>();
  mounts.forEach((m, i) => {
    const p = index(path, i);
    const name = stringAt(m, 'name');
    if (name === '') errs.push(required(child(p, 'name')));
    if (!volumes.has(name)) errs.push(notFound(child(p, 'name'), name));
    const mountPath = stringAt(m, 'mountPath');
    if (mountPath === '') errs.push(required(child(p, 'mountPath')));
    if (mountPoints.has(mountPath)) errs.push(invalid(child(p, 'mountPath'), mountPath, 'must be unique'));
    mountPoints.add(mountPath);
  });
  return errs;
}

function validateContainerCommon(c: Obj, volumes: Set<string>, path: string, hostUsers: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const name = stringAt(c, 'name');
  if (name === '') errs.push(required(child(path, 'name')));
  else errs.push(...dns1123Label(name, child(path, 'name')));
  if (stringAt(c, 'image') === '') errs.push(required(child(path, 'image')));
  errs.push(
    ...enumField(
      stringAt(c, 'terminationMessagePolicy'),
      child(path, 'terminationMessagePolicy'),
      TERMINATION_MESSAGE_POLICIES,
      "must be 'File' or 'FallbackToLogsOnError'",
    ),
  );
  errs.push(...validatePorts(objectsAt(c, 'ports'), child(path, 'ports')));
  errs.push(...validateEnv(objectsAt(c, 'env'), child(path, 'env')));
  errs.push(...validateVolumeMounts(objectsAt(c, 'volumeMounts'), volumes, child(path, 'volumeMounts')));
  errs.push(...enumField(stringAt(c, 'imagePullPolicy'), child(path, 'imagePullPolicy'), PULL_POLICIES));
  errs.push(
    ...validateContainerSecurityContext(objectAt(c, 'securityContext'), child(path, 'securityContext'), hostUsers),
  );
  return errs;
}

function validateLifecycle(lifecycle: Obj | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const hook of ['postStart', 'preStop']) {
    const h = objectAt(lifecycle, hook);
    if (h) errs.push(...validateHandler(h, child(path, hook), LIFECYCLE_HANDLERS));
  }
  return errs;
}

function validateContainers(containers: Obj[], volumes: Set<string>, path: string, hostUsers: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (containers.length === 0) errs.push(required(path));
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const p = index(path, i);
    errs.push(...validateContainerCommon(c, volumes, p, hostUsers));
    const name = stringAt(c, 'name');
    if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else names.add(name);
    errs.push(...validateLifecycle(objectAt(c, 'lifecycle'), child(p, 'lifecycle')));
    errs.push(...validateProbe(objectAt(c, 'livenessProbe'), child(p, 'livenessProbe'), true));
    errs.push(...validateProbe(objectAt(c, 'readinessProbe'), child(p, 'readinessProbe'), false));
    errs.push(...validateProbe(objectAt(c, 'startupProbe'), child(p, 'startupProbe'), true));
    if (c.restartPolicy !== undefined)
      errs.push(forbidden(child(p, 'restartPolicy'), 'may not be set for non-init containers'));
  });
  return errs;
}

function validateInitContainers(
  inits: Obj[],
  containers: Obj[],
  volumes: Set<string>,
  path: string,
  hostUsers: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set(containers.map((c) => stringAt(c, 'name')));
  inits.forEach((c, i) => {
    const p = index(path, i);
    errs.push(...validateContainerCommon(c, volumes, p, hostUsers));
    const name = stringAt(c, 'name');
    if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else names.add(name);
    const restartPolicy = stringAt(c, 'restartPolicy');
    if (restartPolicy !== '' && restartPolicy !== 'Always') {
      errs.push(notSupported(child(p, 'restartPolicy'), restartPolicy, ['Always']));
    }
    if (restartPolicy === 'Always') {
      // Restartable init containers are sidecars and may carry probes and hooks.
      errs.push(...validateLifecycle(objectAt(c, 'lifecycle'), child(p, 'lifecycle')));
      errs.push(...validateProbe(objectAt(c, 'livenessProbe'), child(p, 'livenessProbe'), true));
      errs.push(...validateProbe(objectAt(c, 'readinessProbe'), child(p, 'readinessProbe'), false));
      errs.push(...validateProbe(objectAt(c, 'startupProbe'), child(p, 'startupProbe'), true));
      return;
    }
    for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
      if (c[f] !== undefined) {
        errs.push(forbidden(child(p, f), 'may not be set for init containers without restartPolicy=Always'));
      }
    }
  });
  return errs;
}

/** Returns the names of valid volumes (mounts may only refer to those) and the errors. */
function validateVolumes(volumes: Obj[], path: string): { names: Set<string>; errs: FieldError[] } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  volumes.forEach((v, i) => {
    const p = index(path, i);
    const el: FieldError[] = [];
    const sources = volumeSourcesOf(v);
    if (sources.length === 0) el.push(required(p, 'must specify a volume type'));
    for (const extra of sources.slice(1))
      el.push(forbidden(child(p, extra), 'may not specify more than 1 volume type'));
    const name = stringAt(v, 'name');
    if (name === '') el.push(required(child(p, 'name')));
    else el.push(...dns1123Label(name, child(p, 'name')));
    if (names.has(name)) el.push(duplicate(child(p, 'name'), name));
    if (el.length === 0) names.add(name);
    errs.push(...el);
  });
  return { names, errs };
}

/** Fields an ephemeral container may not set, as upstream's validateEphemeralContainers lists them. */
const EPHEMERAL_FORBIDDEN = ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe', 'ports', 'resizePolicy'];

/** Debug containers: names unique across the whole pod, no ports, probes or resources, an existing target. */
export function validateEphemeralContainers(spec: Obj, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const regular = objectsAt(spec, 'containers').map((c) => stringAt(c, 'name'));
  const others = new Set([...regular, ...objectsAt(spec, 'initContainers').map((c) => stringAt(c, 'name'))]);
  const hostUsers = podUsesHostUsers(spec);
  objectsAt(spec, 'ephemeralContainers').forEach((c, i) => {
    const p = index(path, i);
    const name = stringAt(c, 'name');
    errs.push(...validateContainerCommon(c, volumes, p, hostUsers));
    if (others.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else others.add(name);
    for (const f of EPHEMERAL_FORBIDDEN) {
      if (c[f] !== undefined) errs.push(forbidden(child(p, f), 'cannot be set for an Ephemeral Container'));
    }
    const resources = objectAt(c, 'resources');
    if (
      resources &&
      Object.keys(resources).some((k) => isPlainObject(resources[k]) && Object.keys(resources[k]).length > 0)
    ) {
      errs.push(forbidden(child(p, 'resources'), 'cannot be set for an Ephemeral Container'));
    }
    const target = stringAt(c, 'targetContainerName');
    if (target !== '' && !regular.includes(target)) errs.push(notFound(child(p, 'targetContainerName'), target));
  });
  return errs;
}

export function validatePodSpec(spec: Obj, path: string): FieldError[] {
  const { names: volumes, errs } = validateVolumes(objectsAt(spec, 'volumes'), child(path, 'volumes'));
  const containers = objectsAt(spec, 'containers');
  const hostUsers = podUsesHostUsers(spec);
  errs.push(...validateContainers(containers, volumes, child(path, 'containers'), hostUsers));
  errs.push(
    ...validateInitContainers(
      objectsAt(spec, 'initContainers'),
      containers,
      volumes,
      child(path, 'initContainers'),
      hostUsers,
    ),
  );
  errs.push(...validateEphemeralContainers(spec, volumes, child(path, 'ephemeralContainers')));
  errs.push(...validatePodResources(spec, path));
  errs.push(...validateTolerations(objectsAt(spec, 'tolerations'), child(path, 'tolerations')));
  errs.push(...enumField(stringAt(spec, 'restartPolicy'), child(path, 'restartPolicy'), RESTART_POLICIES));
  errs.push(...enumField(stringAt(spec, 'dnsPolicy'), child(path, 'dnsPolicy'), DNS_POLICIES));
  errs.push(...validateLabels(stringMapAt(spec, 'nodeSelector'), child(path, 'nodeSelector')));
  errs.push(...validatePodSecurityContext(spec, path));
  errs.push(...validateAffinity(spec, path));
  errs.push(...validateTopologySpreadConstraints(spec, path));
  errs.push(...validateWindowsHostProcessPod(spec, path));
  errs.push(...validateHostUsers(spec, path));
  const serviceAccountName = stringAt(spec, 'serviceAccountName');
  if (serviceAccountName !== '') {
    for (const msg of isDNS1123Subdomain(serviceAccountName)) {
      errs.push(invalid(child(path, 'serviceAccountName'), serviceAccountName, msg));
    }
  }
  const nodeName = stringAt(spec, 'nodeName');
  if (nodeName !== '') {
    for (const msg of isDNS1123Subdomain(nodeName)) errs.push(invalid(child(path, 'nodeName'), nodeName, msg));
  }
  const activeDeadline = numberAt(spec, 'activeDeadlineSeconds');
  if (activeDeadline !== undefined && (activeDeadline < 1 || activeDeadline > MAX_INT32)) {
    errs.push(
      invalid(child(path, 'activeDeadlineSeconds'), activeDeadline, `must be between 1 and ${MAX_INT32}, inclusive`),
    );
  }
  for (const f of ['hostname', 'subdomain']) {
    const v = stringAt(spec, f);
    if (v !== '') errs.push(...dns1123Label(v, child(path, f)));
  }
  errs.push(...validatePodOS(spec, path));
  return errs;
}

/** ValidatePodTemplateSpec: template labels/annotations are reported at `<path>.labels`, as upstream does. */
export function validatePodTemplateSpec(template: Obj, path: string): FieldError[] {
  const metadata = objectAt(template, 'metadata');
  const annotations = stringMapAt(metadata, 'annotations');
  const spec = objectAt(template, 'spec') ?? {};
  const errs = [
    ...validateLabels(stringMapAt(metadata, 'labels'), child(path, 'labels')),
    ...validateAnnotations(annotations, child(path, 'annotations')),
    ...validatePodSpecificAnnotations(annotations, spec, child(path, 'annotations')),
    ...validatePodSpec(spec, child(path, 'spec')),
    ...validateProfileAnnotationsMatchFields(annotations, spec, child(path, 'spec')),
  ];
  if (objectsAt(objectAt(template, 'spec'), 'ephemeralContainers').length > 0) {
    errs.push(
      forbidden(child(child(path, 'spec'), 'ephemeralContainers'), 'ephemeral containers not allowed in pod template'),
    );
  }
  return errs;
}
