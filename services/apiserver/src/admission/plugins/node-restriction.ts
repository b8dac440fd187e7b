import { nodeIdentity } from '../../authz/node';
import { admissionForbidden, type AdmissionAttributes, type AdmissionPlugin } from '../interface';
import { admitNode } from '../node-restriction/nodes';
import { admitCSINode, admitLease, admitPVCStatus, admitServiceAccountToken } from '../node-restriction/others';
import { admitPod, admitPodEviction, admitPodStatus } from '../node-restriction/pods';
import { storeReads, type NodeRestrictionReads } from '../node-restriction/reads';
import { q } from '../node-restriction/values';
import type { AdmissionPluginFactory } from './deps';

async function admitPodRequest(nodeName: string, a: AdmissionAttributes, reads: NodeRestrictionReads): Promise<void> {
  switch (a.subresource) {
    case '':
      return admitPod(nodeName, a, reads);
    case 'status':
      return admitPodStatus(nodeName, a);
    case 'eviction':
      return admitPodEviction(nodeName, a, reads);
    default:
      throw admissionForbidden(
        a,
        `unexpected pod subresource ${q(a.subresource)}, only 'status' and 'eviction' are allowed`,
      );
  }
}

/**
 * NodeRestriction: what a kubelet (user system:node:<name> in system:nodes) may
 * write, beyond what the Node authorizer lets it reach: its own Node, Lease and
 * CSINode, mirror pods bound to it, the status, eviction and deletion of pods
 * bound to it, PVC status, and tokens for its pods. Other users pass untouched.
 * Upstream runs it in the mutating phase, before any webhook sees the request.
 */
export function nodeRestrictionPlugin(reads: NodeRestrictionReads): AdmissionPlugin {
  return {
    name: 'NodeRestriction',
    handles: (op) => op === 'CREATE' || op === 'UPDATE' || op === 'DELETE',
    async admit(a) {
      const { isNode, nodeName } = nodeIdentity(a.userInfo);
      if (!isNode) return;
      if (nodeName === '') throw admissionForbidden(a, `could not determine node from user ${q(a.userInfo.name)}`);
      const { group, resource } = a.resource;
      const gr = `${resource}.${group}`;
      switch (gr) {
        case 'pods.':
          return admitPodRequest(nodeName, a, reads);
        case 'nodes.':
          return admitNode(nodeName, a);
        case 'persistentvolumeclaims.':
          if (a.subresource !== 'status') throw admissionForbidden(a, 'may only update PVC status');
          return admitPVCStatus(nodeName, a);
        case 'serviceaccounts.':
          return admitServiceAccountToken(nodeName, a, reads);
        case 'leases.coordination.k8s.io':
          return admitLease(nodeName, a);
        case 'csinodes.storage.k8s.io':
          return admitCSINode(nodeName, a);
        default:
          return;
      }
    },
  };
}

export const nodeRestriction: AdmissionPluginFactory = (deps) => nodeRestrictionPlugin(storeReads(deps.table));
