import type { PersistentVolumeClaim } from '../../generated/k8s.io.api.core.v1';
import { objectCountName, type QuotaEvaluator } from './evaluator';
import { count, parseResourceList, type Amount, type ResourceList } from './resource-list';

const PVC_COUNT = objectCountName({ group: '', resource: 'persistentvolumeclaims' });
const PVC_RESOURCES = ['persistentvolumeclaims', 'requests.storage'];
/** `<class>.storageclass.storage.k8s.io/<resource>`: usage of one storage class. */
const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';
const BETA_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

const ONE_BYTE = 1_000_000_000n;

/** Storage is charged in whole bytes, so quota usage always validates. */
function wholeBytes(a: Amount): Amount {
  const rem = a.nanos % ONE_BYTE;
  return rem === 0n ? a : { nanos: a.nanos - rem + (a.nanos > 0n ? ONE_BYTE : 0n), format: a.format };
}

function storageClassOf(pvc: PersistentVolumeClaim): string {
  return pvc.metadata?.annotations?.[BETA_CLASS_ANNOTATION] ?? pvc.spec?.storageClassName ?? '';
}

/** The request, or the size already allocated when a failed expansion left it larger. */
function storageUsage(pvc: PersistentVolumeClaim): Amount | undefined {
  const requested = parseResourceList(pvc.spec?.resources?.requests).get('storage');
  if (!requested) return undefined;
  const allocated = parseResourceList(pvc.status?.allocatedResources).get('storage');
  return wholeBytes(allocated && allocated.nanos > requested.nanos ? allocated : requested);
}

/** Upstream's persistentvolumeclaim evaluator: counts and requested storage, also per storage class. */
export const persistentVolumeClaimEvaluator: QuotaEvaluator = {
  groupResource: { group: '', resource: 'persistentvolumeclaims' },
  handles: (op, subresource) => subresource === '' && (op === 'CREATE' || op === 'UPDATE'),
  matchingResources: (input) =>
    input.filter(
      (n) =>
        n === PVC_COUNT || PVC_RESOURCES.includes(n) || PVC_RESOURCES.some((r) => n.endsWith(STORAGE_CLASS_SUFFIX + r)),
    ),
  // scopes select pods only: a scoped quota never matches these objects
  matchesScope: () => false,
  constraints: () => undefined,
  usage(obj): ResourceList {
    const pvc = obj as PersistentVolumeClaim;
    const out: ResourceList = new Map([
      ['persistentvolumeclaims', count(1)],
      [PVC_COUNT, count(1)],
    ]);
    const cls = storageClassOf(pvc);
    if (cls) out.set(`${cls}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`, count(1));
    const storage = storageUsage(pvc);
    if (storage) {
      out.set('requests.storage', storage);
      if (cls) out.set(`${cls}${STORAGE_CLASS_SUFFIX}requests.storage`, storage);
    }
    return out;
  },
};
