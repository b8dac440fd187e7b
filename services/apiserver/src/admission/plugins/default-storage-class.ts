import type { KubeObject } from '../../api/object';
import type { AdmissionPlugin } from '../interface';
import { cachedClusterList, newestDefault } from './default-class';
import type { AdmissionPluginFactory } from './deps';

const IS_DEFAULT = 'storageclass.kubernetes.io/is-default-class';
const BETA_IS_DEFAULT = 'storageclass.beta.kubernetes.io/is-default-class';
/** A claim that names its class by this annotation has one, whatever spec says. */
const BETA_CLAIM_CLASS = 'volume.beta.kubernetes.io/storage-class';

function isDefaultStorageClass(c: KubeObject): boolean {
  const ann = c.metadata?.annotations ?? {};
  return ann[IS_DEFAULT] === 'true' || ann[BETA_IS_DEFAULT] === 'true';
}

/** An explicit "" is a class too: the claim asks for no dynamic provisioning. */
function claimHasClass(pvc: KubeObject): boolean {
  if (pvc.metadata?.annotations?.[BETA_CLAIM_CLASS] !== undefined) return true;
  const spec = pvc.spec as { storageClassName?: unknown } | undefined;
  return spec?.storageClassName !== undefined && spec.storageClassName !== null;
}

/** DefaultStorageClass: a claim created without a class gets the cluster's default StorageClass. */
export const defaultStorageClass: AdmissionPluginFactory = (deps): AdmissionPlugin => ({
  name: 'DefaultStorageClass',
  handles: (op) => op === 'CREATE',
  async admit(a) {
    if (a.resource.group !== '' || a.resource.resource !== 'persistentvolumeclaims' || a.subresource) return;
    const pvc = a.object;
    if (!pvc || claimHasClass(pvc)) return;
    const classes = await cachedClusterList(deps, 'storage.k8s.io', 'v1', 'storageclasses');
    const chosen = newestDefault(classes, isDefaultStorageClass);
    if (chosen === undefined) return;
    pvc.spec = { ...((pvc.spec as Record<string, unknown> | undefined) ?? {}), storageClassName: chosen };
  },
});
