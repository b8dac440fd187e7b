import { ALL_VERBS, type KindDefinition } from '../../kind';
import { mutatingWebhookConfigurationStrategy } from '../../strategies/webhook-configurations';
import { webhookConfigurationTable } from '../../tables/admissionregistration';

export const mutatingwebhookconfigurations: KindDefinition = {
  info: {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    resource: 'mutatingwebhookconfigurations',
    kind: 'MutatingWebhookConfiguration',
    listKind: 'MutatingWebhookConfigurationList',
    singularName: 'mutatingwebhookconfiguration',
    namespaced: false,
    shortNames: [],
    categories: ['api-extensions'],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.admissionregistration.v1.MutatingWebhookConfiguration',
    subresources: [],
  },
  strategy: mutatingWebhookConfigurationStrategy,
  table: webhookConfigurationTable,
};
