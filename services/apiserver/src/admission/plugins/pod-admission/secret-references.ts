import { entries } from './pod-spec';
import type { Container, EphemeralContainer, PodSpec, Volume } from '../../../generated/k8s.io.api.core.v1';

type AnyContainer = Container | EphemeralContainer;

function containerNamesSecret(c: AnyContainer): boolean {
  return (
    entries(c.envFrom).some((e) => e.secretRef !== undefined) ||
    entries(c.env).some((e) => e.valueFrom?.secretKeyRef !== undefined)
  );
}

function volumeNamesSecret(v: Volume): boolean {
  // the first volume source set decides, as upstream's switch does
  if (v.azureFile) return (v.azureFile.secretName ?? '') !== '';
  if (v.cephfs) return v.cephfs.secretRef !== undefined;
  if (v.cinder) return v.cinder.secretRef !== undefined;
  if (v.flexVolume) return v.flexVolume.secretRef !== undefined;
  if (v.projected) return entries(v.projected.sources).some((s) => s.secret !== undefined);
  if (v.rbd) return v.rbd.secretRef !== undefined;
  if (v.secret) return true;
  if (v.scaleIO) return v.scaleIO.secretRef !== undefined;
  if (v.iscsi) return v.iscsi.secretRef !== undefined;
  if (v.storageos) return v.storageos.secretRef !== undefined;
  if (v.csi) return v.csi.nodePublishSecretRef !== undefined;
  return false;
}

/** Whether the pod names any secret (upstream's VisitPodSecretNames over all containers finds one). */
export function podReferencesSecrets(spec: PodSpec): boolean {
  if ((spec.imagePullSecrets ?? []).length > 0) return true;
  const containers: AnyContainer[] = [
    ...entries(spec.initContainers),
    ...entries(spec.containers),
    ...entries(spec.ephemeralContainers),
  ];
  return containers.some(containerNamesSecret) || entries(spec.volumes).some(volumeNamesSecret);
}
