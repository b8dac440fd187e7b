import type { KubeObject } from '../../api/object';
import { containerCells } from './apps';
import { ageColumn, ageOf, field, integer, nameColumn, nameOf, text } from './common';
import { podStatusCells, readinessGatesCell } from './pod-status';
import { formatLabelSet } from './workloads';
import { column, type TableConverter } from './types';

const POD_IP_DESCRIPTION =
  'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.';
const NODE_NAME_DESCRIPTION =
  'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename';
const NOMINATED_NODE_DESCRIPTION =
  'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.';
const READINESS_GATES_DESCRIPTION =
  'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates';

const orNone = (s: string): string => (s === '' ? '<none>' : s);

export const podTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column(
      'Restarts',
      'string',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ),
    ageColumn(),
    column('IP', 'string', POD_IP_DESCRIPTION, { priority: 1 }),
    column('Node', 'string', NODE_NAME_DESCRIPTION, { priority: 1 }),
    column('Nominated Node', 'string', NOMINATED_NODE_DESCRIPTION, { priority: 1 }),
    column('Readiness Gates', 'string', READINESS_GATES_DESCRIPTION, { priority: 1 }),
  ],
  cells: (obj: KubeObject, now) => {
    const { ready, status, restarts } = podStatusCells(obj, now);
    const podIPs = field(obj, 'status', 'podIPs');
    const podIP = Array.isArray(podIPs) && podIPs.length > 0 ? text(field(podIPs[0], 'ip')) : '';
    return [
      nameOf(obj),
      ready,
      status,
      restarts,
      ageOf(obj, now),
      orNone(podIP),
      orNone(text(field(obj, 'spec', 'nodeName'))),
      orNone(text(field(obj, 'status', 'nominatedNodeName'))),
      readinessGatesCell(obj),
    ];
  },
};

export const podTemplateTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Containers', 'string', 'Names of each container in the template.'),
    column('Images', 'string', 'Images referenced by each container in the template.'),
    column('Pod Labels', 'string', 'The labels for the pod template.'),
  ],
  cells: (obj) => {
    const [containers, images] = containerCells(field(obj, 'template', 'spec'));
    return [nameOf(obj), containers, images, formatLabelSet(field(obj, 'template', 'metadata', 'labels'))];
  },
};

/** An IntOrString cell, "N/A" when the budget does not set it. */
function intOrStringCell(v: unknown): string {
  if (typeof v === 'number') return String(v);
  return typeof v === 'string' ? v : 'N/A';
}

export const podDisruptionBudgetTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Min Available', 'string', 'The minimum number or percentage of available pods this budget requires.'),
    column('Max Unavailable', 'string', 'The maximum number or percentage of unavailable pods this budget requires.'),
    column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    ageColumn(),
  ],
  cells: (obj, now) => [
    nameOf(obj),
    intOrStringCell(field(obj, 'spec', 'minAvailable')),
    intOrStringCell(field(obj, 'spec', 'maxUnavailable')),
    integer(field(obj, 'status', 'disruptionsAllowed')),
    ageOf(obj, now),
  ],
};
