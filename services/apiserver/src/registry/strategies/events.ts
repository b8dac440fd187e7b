import type { FieldError } from '../../api/errors';
import type { Event } from '../../generated/k8s.io.api.core.v1';
import { invalid, required } from '../validation/field';
import { isDNS1123Subdomain, isQualifiedName, validatePathSegmentName } from '../validation/names';
import {
  forStore,
  metaOf,
  objectAt,
  stringAt,
  validateMetaCreate,
  validateMetaUpdate,
  type KindStrategy,
} from './common';

const REPORTING_INSTANCE_MAX = 128;
const ACTION_MAX = 128;
const REASON_MAX = 128;
const NOTE_MAX = 1024;
const NAMESPACE_DEFAULT = 'default';
const NAMESPACE_SYSTEM = 'kube-system';

function tooManyChars(field: string, max: number): FieldError {
  return invalid(field, '', `can have at most ${max} characters`);
}

/**
 * core/v1 Event rules (upstream's legacy event validation, which the v1 API keeps
 * for compatibility): old-style events (no eventTime) only need a consistent
 * namespace; new-style events must name their reporter, action and reason.
 */
export function validateCoreEvent(obj: Event): FieldError[] {
  const errs: FieldError[] = [];
  const namespace = metaOf(obj).namespace ?? '';
  const involvedNamespace = stringAt(objectAt(obj, 'involvedObject'), 'namespace');
  const mismatch = (): FieldError =>
    invalid('involvedObject.namespace', involvedNamespace, 'does not match event.namespace');
  const eventTime = obj.eventTime;
  if (eventTime === undefined || eventTime === null || eventTime === '') {
    if (involvedNamespace === '') {
      // Old clients record cluster-scoped objects' events in "default".
      if (namespace !== '' && namespace !== NAMESPACE_DEFAULT) errs.push(mismatch());
    } else if (namespace !== involvedNamespace) {
      errs.push(mismatch());
    }
  } else {
    if (involvedNamespace === '' && namespace !== NAMESPACE_DEFAULT && namespace !== NAMESPACE_SYSTEM) {
      errs.push(mismatch());
    }
    // Upstream's field paths name the internal type's field, reportingController.
    const reportingController = stringAt(obj, 'reportingComponent');
    if (reportingController === '') errs.push(required('reportingController'));
    for (const msg of isQualifiedName(reportingController)) {
      errs.push(invalid('reportingController', reportingController, msg));
    }
    const reportingInstance = stringAt(obj, 'reportingInstance');
    if (reportingInstance === '') errs.push(required('reportingInstance'));
    if (reportingInstance.length > REPORTING_INSTANCE_MAX) {
      errs.push(tooManyChars('reportingInstance', REPORTING_INSTANCE_MAX));
    }
    const action = stringAt(obj, 'action');
    if (action === '') errs.push(required('action'));
    if (action.length > ACTION_MAX) errs.push(tooManyChars('action', ACTION_MAX));
    const reason = stringAt(obj, 'reason');
    if (reason === '') errs.push(required('reason'));
    if (reason.length > REASON_MAX) errs.push(tooManyChars('reason', REASON_MAX));
    if (stringAt(obj, 'message').length > NOTE_MAX) errs.push(tooManyChars('message', NOTE_MAX));
  }
  for (const msg of isDNS1123Subdomain(namespace)) errs.push(invalid('namespace', namespace, msg));
  return errs;
}

const metaRules = { namespaced: true, nameValidator: validatePathSegmentName };

/** Typed by core/v1 Event, so events.k8s.io/v1 can run the same rules on converted objects. */
export const coreEventRules: KindStrategy<Event> = {
  namespaced: true,
  // Event recorders PUT events without knowing whether they already exist.
  allowCreateOnUpdate: true,
  allowUnconditionalUpdate: true,

  // As upstream's BeforeCreate: the generic metadata checks run only once the kind's own
  // rules pass, so the specific message is the one shown (BeforeUpdate runs both).
  validate(obj) {
    const errs = validateCoreEvent(obj);
    return errs.length > 0 ? errs : validateMetaCreate(obj, metaRules);
  },

  validateUpdate(obj, old) {
    return [...validateMetaUpdate(obj, old), ...validateCoreEvent(obj)];
  },

  selectableFields(obj) {
    const involved = objectAt(obj, 'involvedObject');
    const source = stringAt(objectAt(obj, 'source'), 'component') || stringAt(obj, 'reportingComponent');
    return {
      'involvedObject.kind': stringAt(involved, 'kind'),
      'involvedObject.namespace': stringAt(involved, 'namespace'),
      'involvedObject.name': stringAt(involved, 'name'),
      'involvedObject.uid': stringAt(involved, 'uid'),
      'involvedObject.apiVersion': stringAt(involved, 'apiVersion'),
      'involvedObject.resourceVersion': stringAt(involved, 'resourceVersion'),
      'involvedObject.fieldPath': stringAt(involved, 'fieldPath'),
      reason: stringAt(obj, 'reason'),
      reportingComponent: stringAt(obj, 'reportingComponent'),
      source,
      type: stringAt(obj, 'type'),
    };
  },
};

export const eventStrategy: KindStrategy = forStore(coreEventRules);
