import type { FieldError } from '../../api/errors';
import { timeNow } from '../../api/time';
import type {
  APIService,
  APIServiceCondition,
} from '../../generated/k8s.io.kube_aggregator.pkg.apis.apiregistration.v1';
import { invalid, notSupported, required } from '../validation/field';
import { isDNS1035Label, isDNS1123Subdomain, validatePathSegmentName, type NameValidator } from '../validation/names';
import { validateObjectMetaCreate } from '../validation/objectmeta';
import { deepClone, forStore, validateMetaUpdate, type KindStrategy } from './common';
import { STATUS_PATHS } from './spec-status';

const MAX_GROUP_PRIORITY_MINIMUM = 20000;
const MAX_VERSION_PRIORITY = 1000;
const CONDITION_STATUSES = ['True', 'False', 'Unknown'];

export const AVAILABLE_CONDITION = 'Available';
export const LOCAL_REASON = 'Local';
export const LOCAL_MESSAGE = 'Local APIServices are always available';

/** The condition a local APIService gets on create: nothing has to be reached to serve it. */
export function localAvailableCondition(): APIServiceCondition {
  return {
    type: AVAILABLE_CONDITION,
    status: 'True',
    lastTransitionTime: timeNow(),
    reason: LOCAL_REASON,
    message: LOCAL_MESSAGE,
  };
}

function isLocal(svc: APIService): boolean {
  return svc.spec?.service === undefined || svc.spec.service === null;
}

/** caBundle is base64 on the wire; upstream reports its decoded length. */
function caBundleBytes(caBundle: string | undefined): number {
  return caBundle ? Buffer.from(caBundle, 'base64').length : 0;
}

/** The name must be a path segment and exactly `<version>.<group>`, so it names what it serves. */
function nameValidatorFor(svc: APIService): NameValidator {
  const requiredName = `${svc.spec?.version ?? ''}.${svc.spec?.group ?? ''}`;
  return (name, prefix) => {
    const segmentErrs = validatePathSegmentName(name, prefix);
    if (segmentErrs.length > 0) return segmentErrs;
    return name === requiredName ? [] : [`must be \`spec.version+"."+spec.group\`: ${JSON.stringify(requiredName)}`];
  };
}

function validateSpec(svc: APIService): FieldError[] {
  const spec = svc.spec ?? {};
  const group = spec.group ?? '';
  const version = spec.version ?? '';
  const errs: FieldError[] = [];
  if (group === '' && version !== 'v1')
    errs.push(required('spec.group', 'only v1 may have an empty group and it better be legacy kube'));
  if (group !== '') for (const msg of isDNS1123Subdomain(group)) errs.push(invalid('spec.group', group, msg));
  for (const msg of isDNS1035Label(version)) errs.push(invalid('spec.version', version, msg));

  const groupPriority = spec.groupPriorityMinimum ?? 0;
  if (groupPriority <= 0 || groupPriority > MAX_GROUP_PRIORITY_MINIMUM)
    errs.push(invalid('spec.groupPriorityMinimum', groupPriority, 'must be positive and less than 20000'));
  const versionPriority = spec.versionPriority ?? 0;
  if (versionPriority <= 0 || versionPriority > MAX_VERSION_PRIORITY)
    errs.push(invalid('spec.versionPriority', versionPriority, 'must be positive and less than 1000'));

  const insecure = spec.insecureSkipTLSVerify === true;
  const caBytes = caBundleBytes(spec.caBundle);
  if (isLocal(svc)) {
    if (caBytes !== 0)
      errs.push(invalid('spec.caBundle', `${caBytes} bytes`, 'local APIServices may not have a caBundle'));
    if (insecure)
      errs.push(
        invalid('spec.insecureSkipTLSVerify', insecure, 'local APIServices may not have insecureSkipTLSVerify'),
      );
    return errs;
  }
  const service = spec.service ?? {};
  if (!service.namespace) errs.push(required('spec.service.namespace'));
  if (!service.name) errs.push(required('spec.service.name'));
  if (insecure && caBytes > 0)
    errs.push(invalid('spec.insecureSkipTLSVerify', insecure, 'may not be true if caBundle is present'));
  return errs;
}

export function validateAPIService(svc: APIService): FieldError[] {
  const metaErrs = validateObjectMetaCreate(svc.metadata, { namespaced: false, nameValidator: nameValidatorFor(svc) });
  return [...metaErrs, ...validateSpec(svc)];
}

export function validateAPIServiceUpdate(svc: APIService, old: APIService): FieldError[] {
  return [...validateMetaUpdate(svc, old), ...validateAPIService(svc)];
}

export function validateAPIServiceStatusUpdate(svc: APIService, old: APIService): FieldError[] {
  const errs = validateMetaUpdate(svc, old);
  (svc.status?.conditions ?? []).forEach((c, i) => {
    const status = c.status ?? '';
    if (!CONDITION_STATUSES.includes(status))
      errs.push(notSupported(`status.conditions[${i}].status`, status, CONDITION_STATUSES));
  });
  return errs;
}

export const apiServiceStrategy: KindStrategy = forStore<APIService>({
  namespaced: false,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: false,
  statusPaths: STATUS_PATHS,

  applyDefaults(obj) {
    const service = obj.spec?.service;
    if (service && service.port === undefined) service.port = 443;
  },

  prepareForCreate(obj) {
    obj.status = {};
    if (isLocal(obj)) obj.status.conditions = [localAvailableCondition()];
  },

  prepareForUpdate(obj, old) {
    obj.status = deepClone(old.status);
  },

  prepareForStatusUpdate(obj, old) {
    obj.spec = deepClone(old.spec);
  },

  validate: validateAPIService,
  validateUpdate: validateAPIServiceUpdate,
  validateStatusUpdate: validateAPIServiceStatusUpdate,
});
