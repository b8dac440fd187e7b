import { ALL_VERBS, type KindDefinition } from '../../kind';
import { deploymentStrategy } from '../../strategies/deployments';
import { deploymentTable } from '../../tables/apps';

export const deployments: KindDefinition = {
  info: {
    group: 'apps',
    version: 'v1',
    resource: 'deployments',
    kind: 'Deployment',
    listKind: 'DeploymentList',
    singularName: 'deployment',
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.apps.v1.Deployment',
    subresources: [
      { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] },
      { name: 'status', kind: 'Deployment', verbs: ['get', 'patch', 'update'] },
    ],
  },
  strategy: deploymentStrategy,
  table: deploymentTable,
};
