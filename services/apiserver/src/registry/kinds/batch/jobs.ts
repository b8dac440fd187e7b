import { ALL_VERBS, type KindDefinition } from '../../kind';
import { jobStrategy } from '../../strategies/jobs';
import { jobTable } from '../../tables/workloads';

export const jobs: KindDefinition = {
  info: {
    group: 'batch',
    version: 'v1',
    resource: 'jobs',
    kind: 'Job',
    listKind: 'JobList',
    singularName: 'job',
    namespaced: true,
    shortNames: [],
    categories: ['all'],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.batch.v1.Job',
    subresources: [{ name: 'status', kind: 'Job', verbs: ['get', 'patch', 'update'] }],
  },
  strategy: jobStrategy,
  table: jobTable,
};
