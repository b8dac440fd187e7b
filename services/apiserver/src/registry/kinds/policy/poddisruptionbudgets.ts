import { ALL_VERBS, type KindDefinition } from '../../kind';
import { podDisruptionBudgetStrategy } from '../../strategies/poddisruptionbudgets';
import { podDisruptionBudgetTable } from '../../tables/pods';

export const poddisruptionbudgets: KindDefinition = {
  info: {
    group: 'policy',
    version: 'v1',
    resource: 'poddisruptionbudgets',
    kind: 'PodDisruptionBudget',
    listKind: 'PodDisruptionBudgetList',
    singularName: 'poddisruptionbudget',
    namespaced: true,
    shortNames: ['pdb'],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.policy.v1.PodDisruptionBudget',
    subresources: [{ name: 'status', kind: 'PodDisruptionBudget', verbs: ['get', 'patch', 'update'] }],
  },
  strategy: podDisruptionBudgetStrategy,
  table: podDisruptionBudgetTable,
};
