import { ALL_VERBS, type KindDefinition } from '../../kind';
import { cronJobStrategy } from '../../strategies/cronjobs';
import { cronJobTable } from '../../tables/workloads';

export const cronjobs: KindDefinition = {
  info: {
    group: 'batch',
    version: 'v1',
    resource: 'cronjobs',
    kind: 'CronJob',
    listKind: 'CronJobList',
    singularName: 'cronjob',
    namespaced: true,
    shortNames: ['cj'],
    categories: ['all'],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.batch.v1.CronJob',
    subresources: [{ name: 'status', kind: 'CronJob', verbs: ['get', 'patch', 'update'] }],
  },
  strategy: cronJobStrategy,
  table: cronJobTable,
};
