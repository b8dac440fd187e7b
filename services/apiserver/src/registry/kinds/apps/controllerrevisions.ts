import { ALL_VERBS, type KindDefinition } from '../../kind';
import { controllerRevisionStrategy } from '../../strategies/controllerrevisions';
import { controllerRevisionTable } from '../../tables/workloads';

export const controllerrevisions: KindDefinition = {
  info: {
    group: 'apps',
    version: 'v1',
    resource: 'controllerrevisions',
    kind: 'ControllerRevision',
    listKind: 'ControllerRevisionList',
    singularName: 'controllerrevision',
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.apps.v1.ControllerRevision',
    subresources: [],
  },
  strategy: controllerRevisionStrategy,
  table: controllerRevisionTable,
};
