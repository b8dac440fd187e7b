import { isPlainObject, type KubeObject } from '../../api/object';
import { accessModesShort } from '../strategies/volume-modes';
import { ageColumn, ageOf, field, nameColumn, nameOf, text } from './common';
import { column, type TableConverter } from './types';

/** kubectl get's columns for core volumes and storage.k8s.io, as upstream's printers build them. */

const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
const DEFAULT_CLASS_ANNOTATIONS = [
  'storageclass.kubernetes.io/is-default-class',
  'storageclass.beta.kubernetes.io/is-default-class',
];

const D = {
  pvCapacity:
    "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity",
  pvAccessModes:
    'accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes',
  reclaimPolicy:
    'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming',
  pvPhase:
    'phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase',
  claimRef:
    'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding',
  pvReason:
    'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.',
  pvVolumeMode:
    'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.',
  pvcPhase: 'phase represents the current phase of PersistentVolumeClaim.',
  volumeName: 'volumeName is the binding reference to the PersistentVolume backing this claim.',
  pvcCapacity: 'capacity represents the actual resources of the underlying volume.',
  pvcAccessModes:
    'accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1',
  pvcVolumeMode:
    'volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.',
  provisioner: 'provisioner indicates the type of the provisioner.',
  scReclaimPolicy:
    'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.',
  volumeBindingMode:
    'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.',
  allowVolumeExpansion: 'allowVolumeExpansion shows whether the storage class allow volume expand.',
  attachRequired:
    'attachRequired indicates this CSI volume driver requires an attach operation (because it implements the CSI ControllerPublishVolume() method), and that the Kubernetes attach detach controller should call the attach volume interface which checks the volumeattachment status and waits until the volume is attached before proceeding to mounting. The CSI external-attacher coordinates with CSI volume driver and updates the volumeattachment status when the attach operation is complete. If the value is specified to false, the attach operation will be skipped. Otherwise the attach operation will be called.\n\nThis field is immutable.',
  podInfoOnMount:
    'podInfoOnMount indicates this CSI volume driver requires additional pod information (like podName, podUID, etc.) during mount operations, if set to true. If set to false, pod information will not be passed on mount. Default is false.\n\nThe CSI driver specifies podInfoOnMount as part of driver deployment. If true, Kubelet will pass pod information as VolumeContext in the CSI NodePublishVolume() calls. The CSI driver is responsible for parsing and validating the information passed in as VolumeContext.\n\nThe following VolumeContext will be passed if podInfoOnMount is set to true. This list might grow, but the prefix will be used. "csi.storage.k8s.io/pod.name": pod.Name "csi.storage.k8s.io/pod.namespace": pod.Namespace "csi.storage.k8s.io/pod.uid": string(pod.UID) "csi.storage.k8s.io/ephemeral": "true" if the volume is an ephemeral inline volume\n                                defined by a CSIVolumeSource, otherwise "false"\n\n"csi.storage.k8s.io/ephemeral" is a new feature in Kubernetes 1.16. It is only required for drivers which support both the "Persistent" and "Ephemeral" VolumeLifecycleMode. Other drivers can leave pod info disabled and/or ignore this field. As Kubernetes 1.15 doesn\'t support this field, drivers can only support one mode when deployed on such a cluster and the deployment determines which mode that is, for example via a command line parameter of the driver.\n\nThis field was immutable in Kubernetes < 1.29 and now is mutable.',
  storageCapacity:
    'storageCapacity indicates that the CSI volume driver wants pod scheduling to consider the storage capacity that the driver deployment will report by creating CSIStorageCapacity objects with capacity information, if set to true.\n\nThe check can be enabled immediately when deploying a driver. In that case, provisioning new volumes with late binding will pause until the driver deployment has published some suitable CSIStorageCapacity object.\n\nAlternatively, the driver can be deployed with the field unset or false and it can be flipped later when storage capacity information has been published.\n\nThis field was immutable in Kubernetes <= 1.22 and now is mutable.',
  tokenRequests:
    'tokenRequests indicates the CSI driver needs pods\' service account tokens it is mounting volume for to do necessary authentication. Kubelet will pass the tokens in VolumeContext in the CSI NodePublishVolume calls. The CSI driver should parse and validate the following VolumeContext: "csi.storage.k8s.io/serviceAccount.tokens": {\n  "<audience>": {\n    "token": <token>,\n    "expirationTimestamp": <expiration timestamp in RFC3339>,\n  },\n  ...\n}\n\nNote: Audience in each TokenRequest should be different and at most one token is empty string. To receive a new token after expiry, RequiresRepublish can be used to trigger NodePublishVolume periodically.',
  requiresRepublish:
    'requiresRepublish indicates the CSI driver wants `NodePublishVolume` being periodically called to reflect any possible change in the mounted volume. This field defaults to false.\n\nNote: After a successful initial NodePublishVolume call, subsequent calls to NodePublishVolume should only update the contents of the volume. New mount points will not be seen by a running container.',
  modes:
    'volumeLifecycleModes defines what kind of volumes this CSI volume driver supports. The default if the list is empty is "Persistent", which is the usage defined by the CSI specification and implemented in Kubernetes via the usual PV/PVC mechanism.\n\nThe other mode is "Ephemeral". In this mode, volumes are defined inline inside the pod spec with CSIVolumeSource and their lifecycle is tied to the lifecycle of that pod. A driver has to be aware of this because it is only going to get a NodePublishVolume call for such a volume.\n\nFor more information about implementing this mode, see https://kubernetes-csi.github.io/docs/ephemeral-local-volumes.html A driver can support one or more of these modes and more modes may be added in the future.\n\nThis field is beta. This field is immutable.',
  scName:
    'storageClassName represents the name of the StorageClass that the reported capacity applies to. It must meet the same requirements as the name of a StorageClass object (non-empty, DNS subdomain). If that object no longer exists, the CSIStorageCapacity object is obsolete and should be removed by its creator. This field is immutable.',
  cscCapacity:
    'capacity is the value reported by the CSI driver in its GetCapacityResponse for a GetCapacityRequest with topology and parameters that match the previous fields.\n\nThe semantic is currently (CSI spec 1.2) defined as: The available capacity, in bytes, of the storage that can be used to provision volumes. If not set, that information is currently unavailable.',
  attacher:
    'attacher indicates the name of the volume driver that MUST handle this request. This is the name returned by GetPluginName().',
  pvName: 'persistentVolumeName represents the name of the persistent volume to attach.',
  vaNode: 'nodeName represents the node that the volume should be attached to.',
  attached:
    'attached indicates the volume is successfully attached. This field must only be set by the entity completing the attach operation, i.e. the external-attacher.',
};

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function annotation(obj: KubeObject, name: string): string | undefined {
  return obj.metadata?.annotations?.[name];
}

/** The beta annotation wins over spec.storageClassName (GetPersistentVolume(Claim)Class). */
function storageClassOf(obj: KubeObject): string {
  return annotation(obj, BETA_STORAGE_CLASS_ANNOTATION) ?? text(field(obj, 'spec', 'storageClassName'));
}

function terminatingOr(obj: KubeObject, phase: unknown): string {
  return obj.metadata?.deletionTimestamp ? 'Terminating' : text(phase);
}

function quantity(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return '0';
}

function boolOr(v: unknown, fallback: boolean): boolean {
  return typeof v === 'boolean' ? v : fallback;
}

function textOr(v: unknown, fallback: string): string {
  return typeof v === 'string' ? v : fallback;
}

export const persistentVolumeTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Capacity', 'string', D.pvCapacity),
    column('Access Modes', 'string', D.pvAccessModes),
    column('Reclaim Policy', 'string', D.reclaimPolicy),
    column('Status', 'string', D.pvPhase),
    column('Claim', 'string', D.claimRef),
    column('StorageClass', 'string', 'StorageClass of the pv'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    column('Reason', 'string', D.pvReason),
    ageColumn(),
    column('VolumeMode', 'string', D.pvVolumeMode, { priority: 1 }),
  ],
  cells: (obj, now) => {
    const spec = field(obj, 'spec');
    const claim = field(spec, 'claimRef');
    const claimText = isPlainObject(claim) ? `${text(claim.namespace)}/${text(claim.name)}` : '';
    const capacity = field(spec, 'capacity', 'storage');
    return [
      nameOf(obj),
      quantity(capacity),
      accessModesShort(strings(field(spec, 'accessModes'))),
      text(field(spec, 'persistentVolumeReclaimPolicy')),
      terminatingOr(obj, field(obj, 'status', 'phase')),
      claimText,
      storageClassOf(obj),
      textOr(field(spec, 'volumeAttributesClassName'), '<unset>'),
      text(field(obj, 'status', 'reason')),
      ageOf(obj, now),
      textOr(field(spec, 'volumeMode'), '<unset>'),
    ];
  },
};

export const persistentVolumeClaimTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Status', 'string', D.pvcPhase),
    column('Volume', 'string', D.volumeName),
    column('Capacity', 'string', D.pvcCapacity),
    column('Access Modes', 'string', D.pvcAccessModes),
    column('StorageClass', 'string', 'StorageClass of the pvc'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    ageColumn(),
    column('VolumeMode', 'string', D.pvcVolumeMode, { priority: 1 }),
  ],
  cells: (obj, now) => {
    const spec = field(obj, 'spec');
    const volumeName = text(field(spec, 'volumeName'));
    // capacity and modes are the bound volume's: shown only once a volume is named
    const bound = volumeName !== '';
    return [
      nameOf(obj),
      terminatingOr(obj, field(obj, 'status', 'phase')),
      volumeName,
      bound ? quantity(field(obj, 'status', 'capacity', 'storage')) : '',
      bound ? accessModesShort(strings(field(obj, 'status', 'accessModes'))) : '',
      storageClassOf(obj),
      textOr(field(spec, 'volumeAttributesClassName'), '<unset>'),
      ageOf(obj, now),
      textOr(field(spec, 'volumeMode'), '<unset>'),
    ];
  },
};

export const storageClassTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Provisioner', 'string', D.provisioner),
    column('ReclaimPolicy', 'string', D.scReclaimPolicy),
    column('VolumeBindingMode', 'string', D.volumeBindingMode),
    column('AllowVolumeExpansion', 'string', D.allowVolumeExpansion),
    ageColumn(),
  ],
  cells: (obj, now) => {
    const isDefault = DEFAULT_CLASS_ANNOTATIONS.some((a) => annotation(obj, a) === 'true');
    return [
      isDefault ? `${nameOf(obj)} (default)` : nameOf(obj),
      text(field(obj, 'provisioner')),
      textOr(field(obj, 'reclaimPolicy'), 'Delete'),
      textOr(field(obj, 'volumeBindingMode'), 'Immediate'),
      boolOr(field(obj, 'allowVolumeExpansion'), false),
      ageOf(obj, now),
    ];
  },
};

export const csiDriverTable: TableConverter = {
  columns: [
    nameColumn(),
    column('AttachRequired', 'boolean', D.attachRequired),
    column('PodInfoOnMount', 'boolean', D.podInfoOnMount),
    column('StorageCapacity', 'boolean', D.storageCapacity),
    column('TokenRequests', 'string', D.tokenRequests),
    column('RequiresRepublish', 'boolean', D.requiresRepublish),
    column('Modes', 'string', D.modes),
    ageColumn(),
  ],
  cells: (obj, now) => {
    const spec = field(obj, 'spec');
    const tokenRequests = field(spec, 'tokenRequests');
    const audiences = Array.isArray(tokenRequests)
      ? tokenRequests.map((t) => text(field(t, 'audience'))).join(',')
      : '<unset>';
    return [
      nameOf(obj),
      boolOr(field(spec, 'attachRequired'), true),
      boolOr(field(spec, 'podInfoOnMount'), false),
      boolOr(field(spec, 'storageCapacity'), false),
      audiences,
      boolOr(field(spec, 'requiresRepublish'), false),
      strings(field(spec, 'volumeLifecycleModes')).join(',') || '<none>',
      ageOf(obj, now),
    ];
  },
};

export const csiNodeTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Drivers', 'integer', 'Drivers indicates the number of CSI drivers registered on the node'),
    ageColumn(),
  ],
  cells: (obj, now) => {
    const drivers = field(obj, 'spec', 'drivers');
    return [nameOf(obj), Array.isArray(drivers) ? drivers.length : 0, ageOf(obj, now)];
  },
};

export const csiStorageCapacityTable: TableConverter = {
  columns: [nameColumn(), column('StorageClassName', 'string', D.scName), column('Capacity', 'string', D.cscCapacity)],
  cells: (obj) => {
    const capacity = field(obj, 'capacity');
    return [nameOf(obj), text(field(obj, 'storageClassName')), capacity === undefined ? '<unset>' : quantity(capacity)];
  },
};

export const volumeAttachmentTable: TableConverter = {
  columns: [
    nameColumn(),
    // upstream marks this column as a name too
    column('Attacher', 'string', D.attacher, { format: 'name' }),
    column('PV', 'string', D.pvName),
    column('Node', 'string', D.vaNode),
    column('Attached', 'boolean', D.attached),
    ageColumn(),
  ],
  cells: (obj, now) => [
    nameOf(obj),
    text(field(obj, 'spec', 'attacher')),
    text(field(obj, 'spec', 'source', 'persistentVolumeName')),
    text(field(obj, 'spec', 'nodeName')),
    boolOr(field(obj, 'status', 'attached'), false),
    ageOf(obj, now),
  ],
};
