import { isPlainObject, type KubeObject } from '../../api/object';
import { containerCells, containersColumn, imagesColumn } from './apps';
import { ageColumn, ageOf, field, integer, nameColumn, nameOf, text } from './common';
import { humanDuration, timestampSince } from './human-duration';
import { formatLabelSelector } from './label-selector';
import { column, type TableConverter } from './types';

/** labels.FormatLabels: sorted key=value pairs, "<none>" when empty. */
export function formatLabelSet(m: unknown): string {
  if (!isPlainObject(m) || Object.keys(m).length === 0) return '<none>';
  return Object.keys(m)
    .sort()
    .map((k) => `${k}=${String(m[k])}`)
    .join(',');
}

const REPLICAS_DESCRIPTION =
  'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller';
const STATUS_REPLICAS_DESCRIPTION =
  'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller';

/** The columns ReplicaSets and ReplicationControllers share; the selector cell is the kind's. */
function replicaTable(
  readyDescription: string,
  selectorDescription: string,
  selectorCell: (obj: KubeObject) => string,
): TableConverter {
  return {
    columns: [
      nameColumn(),
      column('Desired', 'integer', REPLICAS_DESCRIPTION),
      column('Current', 'integer', STATUS_REPLICAS_DESCRIPTION),
      column('Ready', 'integer', readyDescription),
      ageColumn(),
      containersColumn(),
      imagesColumn(),
      column('Selector', 'string', selectorDescription, { priority: 1 }),
    ],
    cells: (obj, now) => {
      const [containers, images] = containerCells(field(obj, 'spec', 'template', 'spec'));
      return [
        nameOf(obj),
        integer(field(obj, 'spec', 'replicas'), 1),
        integer(field(obj, 'status', 'replicas')),
        integer(field(obj, 'status', 'readyReplicas')),
        ageOf(obj, now),
        containers,
        images,
        selectorCell(obj),
      ];
    },
  };
}

export const replicaSetTable = replicaTable(
  'readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition.',
  "Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
  (obj) => formatLabelSelector(field(obj, 'spec', 'selector')),
);

export const replicationControllerTable = replicaTable(
  'The number of ready replicas for this replication controller.',
  'Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
  (obj) => formatLabelSet(field(obj, 'spec', 'selector')),
);

export const statefulSetTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'Number of the pod with ready state'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
  ],
  cells: (obj, now) => {
    const [containers, images] = containerCells(field(obj, 'spec', 'template', 'spec'));
    const ready = integer(field(obj, 'status', 'readyReplicas'));
    const desired = integer(field(obj, 'spec', 'replicas'), 1);
    return [nameOf(obj), `${ready}/${desired}`, ageOf(obj, now), containers, images];
  },
};

export const daemonSetTable: TableConverter = {
  columns: [
    nameColumn(),
    column(
      'Desired',
      'integer',
      'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/',
    ),
    column(
      'Current',
      'integer',
      'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/',
    ),
    column(
      'Ready',
      'integer',
      'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.',
    ),
    column('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
    column(
      'Available',
      'integer',
      'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)',
    ),
    column(
      'Node Selector',
      'string',
      "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
    ),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column(
      'Selector',
      'string',
      "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
      { priority: 1 },
    ),
  ],
  cells: (obj, now) => {
    const podSpec = field(obj, 'spec', 'template', 'spec');
    const [containers, images] = containerCells(podSpec);
    return [
      nameOf(obj),
      integer(field(obj, 'status', 'desiredNumberScheduled')),
      integer(field(obj, 'status', 'currentNumberScheduled')),
      integer(field(obj, 'status', 'numberReady')),
      integer(field(obj, 'status', 'updatedNumberScheduled')),
      integer(field(obj, 'status', 'numberAvailable')),
      formatLabelSet(field(podSpec, 'nodeSelector')),
      ageOf(obj, now),
      containers,
      images,
      formatLabelSelector(field(obj, 'spec', 'selector')),
    ];
  },
};

/** `<kind>.<group>/<name>` of the controlling owner, as kubectl names resources; "<none>" without one. */
function controllerOf(obj: KubeObject): string {
  const refs = obj.metadata?.ownerReferences ?? [];
  const ref = refs.find((r) => r.controller === true);
  if (!ref) return '<none>';
  const apiVersion = text(ref.apiVersion);
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const kind = group ? `${text(ref.kind)}.${group}` : text(ref.kind);
  return kind ? `${kind.toLowerCase()}/${text(ref.name)}` : text(ref.name);
}

export const controllerRevisionTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Controller', 'string', 'Controller of the object'),
    column('Revision', 'integer', 'Revision indicates the revision of the state represented by Data.'),
    ageColumn(),
  ],
  cells: (obj, now) => [nameOf(obj), controllerOf(obj), integer(obj.revision), ageOf(obj, now)],
};

function hasTrueCondition(obj: KubeObject, type: string): boolean {
  const conditions = field(obj, 'status', 'conditions');
  return (
    Array.isArray(conditions) && conditions.some((c) => field(c, 'type') === type && field(c, 'status') === 'True')
  );
}

/** printJob's STATUS: the first of these that holds. */
function jobStatus(obj: KubeObject): string {
  if (hasTrueCondition(obj, 'Complete')) return 'Complete';
  if (hasTrueCondition(obj, 'Failed')) return 'Failed';
  if (obj.metadata?.deletionTimestamp) return 'Terminating';
  if (hasTrueCondition(obj, 'Suspended')) return 'Suspended';
  if (hasTrueCondition(obj, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function jobCompletions(obj: KubeObject): string {
  const succeeded = integer(field(obj, 'status', 'succeeded'));
  const completions = field(obj, 'spec', 'completions');
  if (typeof completions === 'number') return `${succeeded}/${completions}`;
  const parallelism = integer(field(obj, 'spec', 'parallelism'));
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(obj: KubeObject, now: number): string {
  const start = Date.parse(text(field(obj, 'status', 'startTime')));
  if (Number.isNaN(start)) return '';
  const completion = Date.parse(text(field(obj, 'status', 'completionTime')));
  return humanDuration((Number.isNaN(completion) ? now : completion) - start);
}

const JOB_SELECTOR_DESCRIPTION =
  'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors';

export const jobTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'Status of the job.'),
    column(
      'Completions',
      'string',
      'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.',
    ),
    column('Duration', 'string', 'Time required to complete the job.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', JOB_SELECTOR_DESCRIPTION, { priority: 1 }),
  ],
  cells: (obj, now) => {
    const [containers, images] = containerCells(field(obj, 'spec', 'template', 'spec'));
    return [
      nameOf(obj),
      jobStatus(obj),
      jobCompletions(obj),
      jobDuration(obj, now),
      ageOf(obj, now),
      containers,
      images,
      formatLabelSelector(field(obj, 'spec', 'selector')),
    ];
  },
};

/** printBoolPtr */
function boolCell(v: unknown): string {
  if (typeof v !== 'boolean') return '<unset>';
  return v ? 'True' : 'False';
}

export const cronJobTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    column(
      'Timezone',
      'string',
      'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones',
    ),
    column(
      'Suspend',
      'boolean',
      'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.',
    ),
    column('Active', 'integer', 'A list of pointers to currently running jobs.'),
    column('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', JOB_SELECTOR_DESCRIPTION, { priority: 1 }),
  ],
  cells: (obj, now) => {
    const jobSpec = field(obj, 'spec', 'jobTemplate', 'spec');
    const [containers, images] = containerCells(field(jobSpec, 'template', 'spec'));
    const active = field(obj, 'status', 'active');
    const lastSchedule = field(obj, 'status', 'lastScheduleTime');
    const timeZone = field(obj, 'spec', 'timeZone');
    return [
      nameOf(obj),
      text(field(obj, 'spec', 'schedule')),
      typeof timeZone === 'string' ? timeZone : '<none>',
      boolCell(field(obj, 'spec', 'suspend')),
      Array.isArray(active) ? active.length : 0,
      typeof lastSchedule === 'string' ? timestampSince(lastSchedule, now) : '<none>',
      ageOf(obj, now),
      containers,
      images,
      formatLabelSelector(field(jobSpec, 'selector')),
    ];
  },
};
