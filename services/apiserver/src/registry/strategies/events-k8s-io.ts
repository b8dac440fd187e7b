import type { Event } from '../../generated/k8s.io.api.events.v1';
import { eventsV1ToCoreEvent } from '../conversion/events-v1';
import { forStore, type KindStrategy } from './common';
import { coreEventRules } from './events';

// events.k8s.io/v1 events are core events under other names, and upstream validates
// both through the one internal type; so the core rules run on the converted object.
// Not yet upstream's stricter events.k8s.io create rules (see the report of k10-versions).
const eventsK8sIoRules: KindStrategy<Event> = {
  namespaced: true,
  allowCreateOnUpdate: true,
  allowUnconditionalUpdate: true,
  validate(obj) {
    return coreEventRules.validate(eventsV1ToCoreEvent(obj));
  },
  validateUpdate(obj, old) {
    return coreEventRules.validateUpdate(eventsV1ToCoreEvent(obj), eventsV1ToCoreEvent(old));
  },
  selectableFields(obj) {
    return coreEventRules.selectableFields?.(eventsV1ToCoreEvent(obj)) ?? {};
  },
};

export const eventsK8sIoStrategy: KindStrategy = forStore(eventsK8sIoRules);
