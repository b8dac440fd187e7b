import { ageColumn, ageOf, field, integer, nameColumn, nameOf, text } from './common';
import { formatLabelSelector } from './label-selector';
import { column, type TableConverter } from './types';

export const containersColumn = () =>
  column('Containers', 'string', 'Names of each container in the template.', { priority: 1 });
export const imagesColumn = () =>
  column('Images', 'string', 'Images referenced by each container in the template.', { priority: 1 });

/** Container names and images of a pod template, each comma-joined on one line. */
export function containerCells(podSpec: unknown): [string, string] {
  const containers = field(podSpec, 'containers');
  const list = Array.isArray(containers) ? containers : [];
  return [list.map((c) => text(field(c, 'name'))).join(','), list.map((c) => text(field(c, 'image'))).join(',')];
}

export const deploymentTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'Number of the pod with ready state'),
    column(
      'Up-to-date',
      'string',
      'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
    ),
    column(
      'Available',
      'string',
      'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
    ),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column(
      'Selector',
      'string',
      'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
      { priority: 1 },
    ),
  ],
  cells: (obj, now) => {
    // spec.replicas defaults to 1 when the object is decoded, so absent means 1.
    const desired = integer(field(obj, 'spec', 'replicas'), 1);
    const ready = integer(field(obj, 'status', 'readyReplicas'));
    const [containers, images] = containerCells(field(obj, 'spec', 'template', 'spec'));
    return [
      nameOf(obj),
      `${ready}/${desired}`,
      integer(field(obj, 'status', 'updatedReplicas')),
      integer(field(obj, 'status', 'availableReplicas')),
      ageOf(obj, now),
      containers,
      images,
      formatLabelSelector(field(obj, 'spec', 'selector')),
    ];
  },
};
