import { ALL_VERBS, type KindDefinition } from '../../kind';
import { validatingWebhookConfigurationStrategy } from '../../strategies/webhook-configurations';
import { webhookConfigurationTable } from '../../tables/admissionregistration';

export const validatingwebhookconfigurations: KindDefinition = {
  info: {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    resource: 'validatingwebhookconfigurations',
    kind: 'ValidatingWebhookConfiguration',
    listKind: 'ValidatingWebhookConfigurationList',
    singularName: 'validatingwebhookconfiguration',
    namespaced: false,
    shortNames: [],
    categories: ['api-extensions'],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.admissionregistration.v1.ValidatingWebhookConfiguration',
    subresources: [],
  },
  strategy: validatingWebhookConfigurationStrategy,
  table: webhookConfigurationTable,
};
