import { ALL_VERBS, type KindDefinition } from '../../kind';
import { eventStrategy } from '../../strategies/events';
import { eventTable } from '../../tables/core';

export const events: KindDefinition = {
  info: {
    group: '',
    version: 'v1',
    resource: 'events',
    kind: 'Event',
    listKind: 'EventList',
    singularName: 'event',
    namespaced: true,
    shortNames: ['ev'],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.core.v1.Event',
    subresources: [],
  },
  strategy: eventStrategy,
  table: eventTable,
};
