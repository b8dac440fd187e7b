import type { KubeObject } from '../../../api/object';
import type { Event as CoreEvent } from '../../../generated/k8s.io.api.core.v1';
import type { Event } from '../../../generated/k8s.io.api.events.v1';
import { coreEventToEventsV1, eventsV1ToCoreEvent } from '../../conversion/events-v1';
import { ALL_VERBS, type KindDefinition } from '../../kind';
import { eventsK8sIoStrategy } from '../../strategies/events-k8s-io';

/** events.k8s.io/v1 Events: the core/v1 events' objects (/registry/events), seen in this group. */
export const eventsK8sIo: KindDefinition = {
  info: {
    group: 'events.k8s.io',
    version: 'v1',
    resource: 'events',
    kind: 'Event',
    listKind: 'EventList',
    singularName: 'event',
    namespaced: true,
    shortNames: ['ev'],
    categories: [],
    verbs: ALL_VERBS,
    messageType: 'k8s.io.api.events.v1.Event',
    subresources: [],
  },
  strategy: eventsK8sIoStrategy,
  storedAs: {
    keyRoot: 'events',
    conversion: {
      toStored: (o) => eventsV1ToCoreEvent(o as Event) as KubeObject,
      toServed: (o) => coreEventToEventsV1(o as CoreEvent) as KubeObject,
    },
  },
};
