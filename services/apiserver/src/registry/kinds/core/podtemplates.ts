import { ALL_VERBS, type KindDefinition } from '../../kind';
import { podTemplateStrategy } from '../../strategies/podtemplates';
import { podTemplateTable } from '../../tables/pods';

export const podtemplates: KindDefinition = {
  info: {
    group: '',
    version: 'v1',
    resource: 'podtemplates',
    kind: 'PodTemplate',
    listKind: 'PodTemplateList',
    singularName: 'podtemplate',
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.core.v1.PodTemplate',
    subresources: [],
  },
  strategy: podTemplateStrategy,
  table: podTemplateTable,
};
