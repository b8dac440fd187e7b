import { isPlainObject } from '../../api/object';
import { ensureObject, objectAt, objectsAt, setDefault, type Obj } from './common';
import { dropDisabledPodSpecFields } from './pod-disabled-fields';

/**
 * Upstream's core/v1 defaulting of a PodTemplateSpec as it runs inside a
 * workload (Deployment, ReplicaSet, ...). Pod-only defaults (enableServiceLinks,
 * requests from limits, hostNetwork host ports) deliberately do not apply here.
 */

export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
export const TERMINATION_MESSAGE_PATH_DEFAULT = '/dev/termination-log';
const DEFAULT_VOLUME_MODE = 420; // 0644

/**
 * Tag of an image reference the way the container runtime reads it: "latest"
 * when neither a tag nor a digest is given, "" when the reference cannot be
 * parsed or only has a digest.
 */
export function imageTag(image: string): string {
  if (image === '' || image !== image.trim()) return '';
  const at = image.indexOf('@');
  const named = at >= 0 ? image.slice(0, at) : image;
  const hasDigest = at >= 0;
  const lastSlash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  let repository = named;
  let tag = '';
  if (colon > lastSlash) {
    repository = named.slice(0, colon);
    tag = named.slice(colon + 1);
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) return '';
  }
  // Repository path components must be lowercase; the registry host (first component with '.' or ':') may not be.
  const components = repository.split('/');
  const first = components[0];
  const path =
    components.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')
      ? components.slice(1)
      : components;
  if (path.some((c) => !/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/.test(c))) return '';
  if (tag === '' && !hasDigest) return 'latest';
  return tag;
}

export function defaultImagePullPolicy(image: string): string {
  return imageTag(image) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultHTTPGet(handler: Obj | undefined): void {
  const httpGet = objectAt(handler, 'httpGet');
  if (!httpGet) return;
  setDefault(httpGet, 'path', '/');
  setDefault(httpGet, 'scheme', 'HTTP');
}

function defaultProbe(probe: Obj | undefined): void {
  if (!probe) return;
  for (const [field, value] of [
    ['timeoutSeconds', 1],
    ['periodSeconds', 10],
    ['successThreshold', 1],
    ['failureThreshold', 3],
  ] as const) {
    if (!probe[field]) probe[field] = value;
  }
  defaultHTTPGet(probe);
  const grpc = objectAt(probe, 'grpc');
  if (grpc && grpc.service === undefined) grpc.service = '';
}

function defaultFieldRef(holder: Obj | undefined): void {
  const fieldRef = objectAt(holder, 'fieldRef');
  if (fieldRef) setDefault(fieldRef, 'apiVersion', 'v1');
}

export function defaultContainer(container: Obj): void {
  if (!container.imagePullPolicy) {
    container.imagePullPolicy = defaultImagePullPolicy(typeof container.image === 'string' ? container.image : '');
  }
  setDefault(container, 'terminationMessagePath', TERMINATION_MESSAGE_PATH_DEFAULT);
  setDefault(container, 'terminationMessagePolicy', 'File');
  for (const port of objectsAt(container, 'ports')) setDefault(port, 'protocol', 'TCP');
  for (const env of objectsAt(container, 'env')) defaultFieldRef(objectAt(env, 'valueFrom'));
  // Go always prints this struct, so `resources: {}` shows even when unset.
  ensureObject(container, 'resources');
  defaultProbe(objectAt(container, 'livenessProbe'));
  defaultProbe(objectAt(container, 'readinessProbe'));
  defaultProbe(objectAt(container, 'startupProbe'));
  const lifecycle = objectAt(container, 'lifecycle');
  defaultHTTPGet(objectAt(lifecycle, 'postStart'));
  defaultHTTPGet(objectAt(lifecycle, 'preStop'));
}

const VOLUME_SOURCES = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
];

export function hasVolumeSource(volume: Obj): boolean {
  return VOLUME_SOURCES.some((s) => volume[s] !== undefined && volume[s] !== null);
}

export function volumeSourcesOf(volume: Obj): string[] {
  return VOLUME_SOURCES.filter((s) => volume[s] !== undefined && volume[s] !== null);
}

function defaultVolume(volume: Obj): void {
  if (!hasVolumeSource(volume)) volume.emptyDir = {};
  const hostPath = objectAt(volume, 'hostPath');
  if (hostPath && hostPath.type === undefined) hostPath.type = '';
  for (const source of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const s = objectAt(volume, source);
    if (s && s.defaultMode === undefined) s.defaultMode = DEFAULT_VOLUME_MODE;
  }
  for (const item of objectsAt(objectAt(volume, 'downwardAPI'), 'items')) defaultFieldRef(item);
  for (const src of objectsAt(objectAt(volume, 'projected'), 'sources')) {
    for (const item of objectsAt(objectAt(src, 'downwardAPI'), 'items')) defaultFieldRef(item);
    const token = objectAt(src, 'serviceAccountToken');
    if (token && token.expirationSeconds === undefined) token.expirationSeconds = 3600;
  }
  const iscsi = objectAt(volume, 'iscsi');
  if (iscsi) setDefault(iscsi, 'iscsiInterface', 'default');
  const rbd = objectAt(volume, 'rbd');
  if (rbd) {
    setDefault(rbd, 'pool', 'rbd');
    setDefault(rbd, 'user', 'admin');
    setDefault(rbd, 'keyring', '/etc/ceph/keyring');
  }
  const azureDisk = objectAt(volume, 'azureDisk');
  if (azureDisk) {
    setDefault(azureDisk, 'cachingMode', 'ReadWrite');
    setDefault(azureDisk, 'kind', 'Shared');
    setDefault(azureDisk, 'fsType', 'ext4');
    if (azureDisk.readOnly === undefined) azureDisk.readOnly = false;
  }
  const scaleIO = objectAt(volume, 'scaleIO');
  if (scaleIO) {
    setDefault(scaleIO, 'storageMode', 'ThinProvisioned');
    setDefault(scaleIO, 'fsType', 'xfs');
  }
  const claimSpec = objectAt(objectAt(objectAt(volume, 'ephemeral'), 'volumeClaimTemplate'), 'spec');
  if (claimSpec) setDefault(claimSpec, 'volumeMode', 'Filesystem');
  const image = objectAt(volume, 'image');
  if (image && !image.pullPolicy) {
    image.pullPolicy = defaultImagePullPolicy(typeof image.reference === 'string' ? image.reference : '');
  }
}

export function defaultPodSpec(spec: Obj): void {
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'restartPolicy', 'Always');
  if (!isPlainObject(spec.securityContext)) spec.securityContext = {};
  if (typeof spec.terminationGracePeriodSeconds !== 'number') {
    spec.terminationGracePeriodSeconds = DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  }
  setDefault(spec, 'schedulerName', DEFAULT_SCHEDULER_NAME);
  // v1's serviceAccount is the deprecated twin of serviceAccountName; conversion keeps them equal
  const serviceAccountName = typeof spec.serviceAccountName === 'string' ? spec.serviceAccountName : '';
  if (serviceAccountName !== '') spec.serviceAccount = serviceAccountName;
  else if (typeof spec.serviceAccount === 'string' && spec.serviceAccount !== '')
    spec.serviceAccountName = spec.serviceAccount;
  for (const volume of objectsAt(spec, 'volumes')) defaultVolume(volume);
  for (const c of objectsAt(spec, 'initContainers')) defaultContainer(c);
  for (const c of objectsAt(spec, 'containers')) defaultContainer(c);
  for (const c of objectsAt(spec, 'ephemeralContainers')) defaultContainer(c);
}

/**
 * Defaults a template in place. `metadata.creationTimestamp: null` is what Go
 * prints for the embedded ObjectMeta's zero time, which kubectl users see.
 */
export function defaultPodTemplateSpec(template: Obj): void {
  const metadata = ensureObject(template, 'metadata');
  if (metadata.creationTimestamp === undefined) metadata.creationTimestamp = null;
  const spec = ensureObject(template, 'spec');
  defaultPodSpec(spec);
  // upstream drops these in each workload's PrepareForCreate/Update; a template never reaches 1.32's kubelet with them
  dropDisabledPodSpecFields(spec, undefined);
}

/** Containers without requests for a resource they limit request the limit (SetDefaults_Pod). */
function defaultRequestsFromLimits(container: Obj): void {
  const resources = objectAt(container, 'resources');
  const limits = objectAt(resources, 'limits');
  if (!resources || !limits || Object.keys(limits).length === 0) return;
  const requests = ensureObject(resources, 'requests');
  for (const [name, value] of Object.entries(limits)) if (requests[name] === undefined) requests[name] = value;
}

/** Pods on the host network listen on the host: a port's hostPort is its containerPort. */
function defaultHostNetworkPorts(containers: Obj[]): void {
  for (const c of containers) {
    for (const port of objectsAt(c, 'ports')) if (!port.hostPort) port.hostPort = port.containerPort;
  }
}

/**
 * SetDefaults_Pod: what a bare Pod gets on top of its PodSpec defaults, which
 * templates in workloads never get (their pods get it when they are created).
 */
export function defaultPod(pod: object): void {
  const spec = ensureObject(pod, 'spec');
  defaultPodSpec(spec);
  if (typeof spec.enableServiceLinks !== 'boolean') spec.enableServiceLinks = true;
  const containers = [...objectsAt(spec, 'initContainers'), ...objectsAt(spec, 'containers')];
  for (const c of containers) defaultRequestsFromLimits(c);
  if (spec.hostNetwork === true) defaultHostNetworkPorts(containers);
}
