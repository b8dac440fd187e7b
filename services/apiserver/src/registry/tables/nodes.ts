import { isPlainObject, type KubeObject } from '../../api/object';
import { ageColumn, ageOf, field, nameColumn, nameOf, text } from './common';
import { column, type TableConverter } from './types';

const ROLE_LABEL_PREFIX = 'node-role.kubernetes.io/';
const ROLE_LABEL = 'kubernetes.io/role';

const ADDRESSES_DESCRIPTION =
  "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is defined as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";

function objects(v: unknown): Array<Record<string, unknown>> {
  return Array.isArray(v) ? v.filter(isPlainObject) : [];
}

/** Ready or NotReady from the Ready condition (Unknown without one), then SchedulingDisabled when cordoned. */
export function nodeStatusCell(node: KubeObject): string {
  const ready = objects(field(node, 'status', 'conditions'))
    .filter((c) => c.type === 'Ready')
    .pop();
  const status = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (field(node, 'spec', 'unschedulable') === true) status.push('SchedulingDisabled');
  return status.join(',');
}

/** Roles from node-role.kubernetes.io/<role> label keys and the kubernetes.io/role value, sorted, deduplicated. */
export function nodeRoles(node: KubeObject): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith(ROLE_LABEL_PREFIX)) {
      const role = k.slice(ROLE_LABEL_PREFIX.length);
      if (role) roles.add(role);
    } else if (k === ROLE_LABEL && v !== '') {
      roles.add(v);
    }
  }
  return [...roles].sort();
}

function address(node: KubeObject, type: string): string {
  const found = objects(field(node, 'status', 'addresses')).find((a) => a.type === type);
  return found ? text(found.address) : '<none>';
}

function orUnknown(v: unknown): string {
  return text(v) || '<unknown>';
}

export const nodeTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    ageColumn(),
    column('Version', 'string', 'Kubelet Version reported by the node.'),
    column('Internal-IP', 'string', ADDRESSES_DESCRIPTION, { priority: 1 }),
    column('External-IP', 'string', ADDRESSES_DESCRIPTION, { priority: 1 }),
    column(
      'OS-Image',
      'string',
      'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
      {
        priority: 1,
      },
    ),
    column(
      'Kernel-Version',
      'string',
      "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
      {
        priority: 1,
      },
    ),
    column(
      'Container-Runtime',
      'string',
      'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
      { priority: 1 },
    ),
  ],
  cells: (obj, now) => {
    const info = field(obj, 'status', 'nodeInfo');
    return [
      nameOf(obj),
      nodeStatusCell(obj),
      nodeRoles(obj).join(',') || '<none>',
      ageOf(obj, now),
      text(field(info, 'kubeletVersion')),
      address(obj, 'InternalIP'),
      address(obj, 'ExternalIP'),
      orUnknown(field(info, 'osImage')),
      orUnknown(field(info, 'kernelVersion')),
      orUnknown(field(info, 'containerRuntimeVersion')),
    ];
  },
};
