import type { PolicyRule } from '../generated/k8s.io.api.rbac.v1';
import { rulesAllow } from './rbac/rules';
import type { Attributes, Authorizer, AuthorizerResult, RulesForResult, UserInfo } from './types';

export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** Object kinds the node graph relates to nodes (through the pods scheduled on them). */
export type NodeGraphVertex =
  'configmap' | 'secret' | 'pvc' | 'pv' | 'volumeattachment' | 'serviceaccount' | 'resourceclaim' | 'pod';

/**
 * Whether an object is reachable from a node: a pod bound to the node uses it.
 * Upstream keeps this graph from pod, PV and VolumeAttachment informers; kapi's
 * lead supplies it (or not: then graph-guarded requests get no opinion).
 */
export interface NodeGraph {
  hasPathFrom(nodeName: string, vertex: NodeGraphVertex, namespace: string, name: string): boolean;
}

/** upstream's NodeIdentity: group system:nodes and name system:node:<name> ('' name is a node with no name). */
export function nodeIdentity(user: UserInfo): { isNode: boolean; nodeName: string } {
  if (!user.name.startsWith(NODE_USER_PREFIX)) return { isNode: false, nodeName: '' };
  if (!user.groups.includes(NODES_GROUP)) return { isNode: false, nodeName: '' };
  return { isNode: true, nodeName: user.name.slice(NODE_USER_PREFIX.length) };
}

const allow: AuthorizerResult = { decision: 'allow', reason: '' };
const noOpinion = (reason = ''): AuthorizerResult => ({ decision: 'noOpinion', reason });

/**
 * upstream's Node authorizer, for kubelets: secrets, configmaps, volumes,
 * volume attachments and service-account tokens only for objects its pods
 * use (NodeGraph), its own Lease and CSINode, and for everything else the
 * static system:node rules. With 1.32's AuthorizeNodeWithSelectors (beta, on) a
 * node reads only its own Node and lists or watches only the pods bound to it
 * (fieldSelector spec.nodeName=<node>).
 *
 * Not done: DRA ResourceSlices (resource.k8s.io is off by default in 1.32).
 */
export class NodeAuthorizer implements Authorizer {
  constructor(
    private readonly staticRules: readonly PolicyRule[],
    private readonly graph?: NodeGraph,
  ) {}

  authorize(a: Attributes): AuthorizerResult {
    const { isNode, nodeName } = nodeIdentity(a.user);
    if (!isNode) return noOpinion();
    if (nodeName === '') return noOpinion(`unknown node for user ${JSON.stringify(a.user.name)}`);
    if (a.isResourceRequest) {
      const special = this.subdivided(nodeName, a);
      if (special) return special;
    }
    return rulesAllow(a, this.staticRules) ? allow : noOpinion();
  }

  private subdivided(nodeName: string, a: Attributes): AuthorizerResult | undefined {
    const gr = `${a.apiGroup}/${a.resource}`;
    switch (gr) {
      case '/nodes':
        return this.node(nodeName, a);
      case '/pods':
        return this.pod(nodeName, a);
      case '/secrets':
        return this.readNamespaced(nodeName, 'secret', a);
      case '/configmaps':
        return this.readNamespaced(nodeName, 'configmap', a);
      case '/persistentvolumeclaims':
        if (a.subresource === 'status') return this.statusUpdate(nodeName, 'pvc', a);
        return this.getOnly(nodeName, 'pvc', a);
      case '/persistentvolumes':
        return this.getOnly(nodeName, 'pv', a);
      case 'resource.k8s.io/resourceclaims':
        return this.getOnly(nodeName, 'resourceclaim', a);
      case 'storage.k8s.io/volumeattachments':
        return this.getOnly(nodeName, 'volumeattachment', a);
      case '/serviceaccounts':
        return this.createToken(nodeName, a);
      case 'coordination.k8s.io/leases':
        return this.ownObject(nodeName, a, 'a node lease', 'node lease', true);
      case 'storage.k8s.io/csinodes':
        return this.ownObject(nodeName, a, 'a CSINode', 'CSINode', false);
      default:
        return undefined;
    }
  }

  /**
   * Its own Node only (by name, not through the graph, so a kubelet can look for its Node
   * before creating it); writes are left to NodeRestriction admission.
   */
  private node(nodeName: string, a: Attributes): AuthorizerResult {
    if (a.subresource === '') {
      if (['create', 'update', 'patch'].includes(a.verb)) return allow;
      if (['get', 'list', 'watch'].includes(a.verb)) {
        if (a.name === nodeName) return allow;
        if (a.name === '') return noOpinion(`node '${nodeName}' cannot read all nodes, only its own Node object`);
        return noOpinion(`node '${nodeName}' cannot read '${a.name}', only its own Node object`);
      }
    } else if (a.subresource === 'status' && (a.verb === 'update' || a.verb === 'patch')) {
      return allow;
    }
    return noOpinion();
  }

  /** Pods bound to the node: lists and watches must select spec.nodeName=<node>. */
  private pod(nodeName: string, a: Attributes): AuthorizerResult {
    switch (a.subresource) {
      case '':
        if (a.verb === 'get') return this.getOnly(nodeName, 'pod', a);
        if (a.verb === 'list' || a.verb === 'watch') {
          const scoped = (a.fieldSelector?.requirements ?? []).some(
            (r) => r.field === 'spec.nodeName' && r.op === '=' && r.value === nodeName,
          );
          if (scoped) return allow;
          if (a.name !== '') return this.related(nodeName, 'pod', a);
          return noOpinion('can only list/watch pods with spec.nodeName field selector');
        }
        // mirror pods; NodeRestriction admission limits them to the node's own
        if (a.verb === 'create' || a.verb === 'delete') return allow;
        return noOpinion();
      case 'status':
        return a.verb === 'update' || a.verb === 'patch' ? allow : noOpinion();
      case 'eviction':
        return a.verb === 'create' ? allow : noOpinion();
      default:
        return noOpinion();
    }
  }

  private related(nodeName: string, vertex: NodeGraphVertex, a: Attributes): AuthorizerResult {
    if (a.name === '') return noOpinion('No Object name found');
    if (this.graph?.hasPathFrom(nodeName, vertex, a.namespace, a.name)) return allow;
    return noOpinion(`no relationship found between node '${nodeName}' and this object`);
  }

  private readNamespaced(nodeName: string, vertex: NodeGraphVertex, a: Attributes): AuthorizerResult {
    if (!['get', 'list', 'watch'].includes(a.verb)) return noOpinion('can only read resources of this type');
    if (a.subresource) return noOpinion('cannot read subresource');
    if (!a.namespace) return noOpinion('can only read namespaced object of this type');
    return this.related(nodeName, vertex, a);
  }

  private getOnly(nodeName: string, vertex: NodeGraphVertex, a: Attributes): AuthorizerResult {
    if (a.verb !== 'get') return noOpinion('can only get individual resources of this type');
    if (a.subresource) return noOpinion('cannot get subresource');
    return this.related(nodeName, vertex, a);
  }

  private statusUpdate(nodeName: string, vertex: NodeGraphVertex, a: Attributes): AuthorizerResult {
    if (a.verb !== 'update' && a.verb !== 'patch') return noOpinion('can only get/update/patch this type');
    if (a.subresource !== 'status') return noOpinion('can only update status subresource');
    return this.related(nodeName, vertex, a);
  }

  private createToken(nodeName: string, a: Attributes): AuthorizerResult {
    if (a.verb !== 'create' || a.name === '')
      return noOpinion('can only create tokens for individual service accounts');
    if (a.subresource !== 'token') return noOpinion('can only create token subresource of serviceaccount');
    return this.related(nodeName, 'serviceaccount', a);
  }

  /** Leases in kube-node-lease and CSINodes: only the node's own, by name (create is checked by admission). */
  private ownObject(nodeName: string, a: Attributes, what: string, short: string, lease: boolean): AuthorizerResult {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) {
      return noOpinion(`can only get, create, update, patch, or delete ${what}`);
    }
    if (lease && a.namespace !== NODE_LEASE_NAMESPACE) {
      return noOpinion(`can only access leases in the ${JSON.stringify(NODE_LEASE_NAMESPACE)} system namespace`);
    }
    if (a.verb !== 'create' && a.name !== nodeName) {
      return noOpinion(`can only access ${short} with the same name as the requesting node`);
    }
    return allow;
  }

  /** Nodes' permissions are not enumerable: the graph decides. */
  rulesFor(user: UserInfo): RulesForResult {
    const { isNode } = nodeIdentity(user);
    return {
      resourceRules: [],
      nonResourceRules: [],
      incomplete: isNode,
      evaluationError: isNode ? 'node authorizer does not support user rule resolution' : '',
    };
  }
}
