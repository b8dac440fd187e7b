import type { Container, PodSpec, Volume, VolumeMount } from '../../../generated/k8s.io.api.core.v1';
import { entries } from './pod-spec';
import { generateNameFrom } from '../../../registry/validation/names';

/** Where a pod's service account credentials are mounted in every container. */
export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The volume's name is this plus `-` and five random characters. */
export const TOKEN_VOLUME_PREFIX = 'kube-api-access';
/**
 * Upstream's WarnOnlyBoundTokenExpirationSeconds: one hour and seven seconds, so a
 * token still used after an hour is recognisable as one the kubelet failed to refresh.
 */
export const TOKEN_EXPIRATION_SECONDS = 3607;

/** The projected volume: a bound token, the cluster's CA bundle and the pod's namespace. */
export function tokenVolume(name: string): Volume {
  return {
    name,
    projected: {
      // written out, as upstream does, so the volume compares equal after a round trip
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        {
          downwardAPI: {
            items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
          },
        },
      ],
    },
  };
}

function mountsTokenPath(c: Container): boolean {
  return entries(c.volumeMounts).some((m) => m.mountPath === TOKEN_MOUNT_PATH);
}

/**
 * Mounts the token volume in every init and regular container that has nothing at
 * the token path yet (ephemeral containers are left alone), and adds the volume
 * when a container needs it. A volume already named kube-api-access-* is reused.
 */
export function mountServiceAccountToken(spec: PodSpec, randomName = generateNameFrom): void {
  const existing = entries(spec.volumes).find((v) => (v.name ?? '').startsWith(`${TOKEN_VOLUME_PREFIX}-`));
  const volumeName = existing?.name ?? randomName(`${TOKEN_VOLUME_PREFIX}-`);
  const mount: VolumeMount = { name: volumeName, readOnly: true, mountPath: TOKEN_MOUNT_PATH };
  let needed = false;
  for (const c of [...entries(spec.initContainers), ...entries(spec.containers)]) {
    if (mountsTokenPath(c)) continue;
    c.volumeMounts = [...(c.volumeMounts ?? []), { ...mount }];
    needed = true;
  }
  if (needed && !existing) spec.volumes = [...(spec.volumes ?? []), tokenVolume(volumeName)];
}
