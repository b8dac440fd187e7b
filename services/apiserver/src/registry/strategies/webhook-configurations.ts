import type { FieldError } from '../../api/errors';
import type {
  MutatingWebhook,
  MutatingWebhookConfiguration,
  ValidatingWebhook,
  ValidatingWebhookConfiguration,
  WebhookClientConfig,
} from '../../generated/k8s.io.api.admissionregistration.v1';
import { child, duplicate, invalid, index, notSupported, required } from '../validation/field';
import { isDNS1035Label, isDNS1123Subdomain, nameIsDNSSubdomain } from '../validation/names';
import { forStore, metaOf, nextGeneration, validateMetaCreate, validateMetaUpdate, type KindStrategy } from './common';
import {
  defaultRule,
  FAILURE_POLICIES,
  MATCH_POLICIES,
  validateMatchConditions,
  validatePolicy,
  validateRuleWithOperations,
  validateSelectors,
} from './admission-common';
import { semanticEqual } from '../validation/objectmeta';

/** admissionregistration.k8s.io/v1 Validating- and MutatingWebhookConfiguration. */

type Webhook = ValidatingWebhook | MutatingWebhook;
type WebhookConfiguration = ValidatingWebhookConfiguration | MutatingWebhookConfiguration;

const DEFAULT_TIMEOUT_SECONDS = 10;
const DEFAULT_SERVICE_PORT = 443;
const SIDE_EFFECTS = ['None', 'NoneOnDryRun'];
const REVIEW_VERSIONS = ['v1', 'v1beta1'];
const REINVOCATION_POLICIES = ['IfNeeded', 'Never'];

/** SetDefaults_ValidatingWebhook / SetDefaults_MutatingWebhook and the rule and service defaults under them. */
function defaultWebhook(hook: Webhook, mutating: boolean): void {
  if (!hook.failurePolicy) hook.failurePolicy = 'Fail';
  if (!hook.matchPolicy) hook.matchPolicy = 'Equivalent';
  if (!hook.namespaceSelector) hook.namespaceSelector = {};
  if (!hook.objectSelector) hook.objectSelector = {};
  if (hook.timeoutSeconds === undefined || hook.timeoutSeconds === null) hook.timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;
  if (mutating && !(hook as MutatingWebhook).reinvocationPolicy) (hook as MutatingWebhook).reinvocationPolicy = 'Never';
  for (const r of hook.rules ?? []) defaultRule(r);
  const service = hook.clientConfig?.service;
  if (service && (service.port === undefined || service.port === null)) service.port = DEFAULT_SERVICE_PORT;
}

/** A webhook's name: a domain of at least three segments (IsFullyQualifiedName). */
function validateWebhookName(name: string, path: string): FieldError[] {
  if (name === '') return [required(path)];
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  const msgs = isDNS1123Subdomain(bare);
  if (msgs.length > 0) return [invalid(path, bare, msgs.join(','))];
  if (bare.split('.').length < 3) {
    return [invalid(path, bare, 'should be a domain with at least three segments separated by dots')];
  }
  return [];
}

function validateUrl(raw: string, path: string): FieldError[] {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return [invalid(path, raw, 'host must be specified')];
  }
  const errs: FieldError[] = [];
  if (url.protocol !== 'https:') errs.push(invalid(path, raw, "'https' is the only allowed URL scheme"));
  if (url.hostname === '') errs.push(invalid(path, raw, 'host must be specified'));
  if (url.username || url.password) errs.push(invalid(path, raw, 'user information is not permitted in the URL'));
  if (url.hash) errs.push(invalid(path, raw, 'fragments are not permitted in the URL'));
  if (url.search) errs.push(invalid(path, raw, 'query parameters are not permitted in the URL'));
  return errs;
}

function validateServicePath(p: string, path: string): FieldError[] {
  if (!p.startsWith('/')) return [invalid(path, p, "must start with a '/'")];
  if (p === '/') return [];
  const errs: FieldError[] = [];
  for (const segment of p.slice(1).split('/')) {
    if (segment === '') {
      errs.push(invalid(path, p, 'segment[0] may not be empty'));
      break;
    }
    for (const msg of isDNS1123Subdomain(segment)) errs.push(invalid(path, p, `segment ${segment}: ${msg}`));
  }
  return errs;
}

/** Exactly one of url and service, each well-formed. */
export function validateClientConfig(cc: WebhookClientConfig | undefined, path: string): FieldError[] {
  const hasUrl = cc?.url !== undefined && cc.url !== null;
  const service = cc?.service;
  if (hasUrl === !!service) return [required(path, 'exactly one of url or service is required')];
  if (hasUrl) return validateUrl(cc?.url ?? '', child(path, 'url'));
  const errs: FieldError[] = [];
  const sp = child(path, 'service');
  if (!service?.name) errs.push(required(child(sp, 'name'), 'service name is required'));
  if (!service?.namespace) errs.push(required(child(sp, 'namespace'), 'service namespace is required'));
  if (service?.path !== undefined && service.path !== null) {
    errs.push(...validateServicePath(service.path, child(sp, 'path')));
  }
  const port = service?.port;
  if (typeof port === 'number' && (port < 1 || port > 65535)) {
    errs.push(invalid(child(sp, 'port'), port, 'port is not valid: must be between 1 and 65535, inclusive'));
  }
  return errs;
}

function validateReviewVersions(versions: readonly string[], path: string): FieldError[] {
  if (versions.length === 0) return [required(path, `must specify one of ${REVIEW_VERSIONS.join(', ')}`)];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    for (const msg of isDNS1035Label(v)) errs.push(invalid(index(path, i), v, msg));
    if (seen.has(v)) errs.push(duplicate(index(path, i), v));
    seen.add(v);
  });
  if (!versions.some((v) => REVIEW_VERSIONS.includes(v))) {
    errs.push(invalid(path, versions, `must include at least one of ${REVIEW_VERSIONS.join(', ')}`));
  }
  return errs;
}

function validateWebhook(hook: Webhook, path: string, mutating: boolean): FieldError[] {
  const errs = validateWebhookName(hook.name ?? '', child(path, 'name'));
  (hook.rules ?? []).forEach((r, i) => errs.push(...validateRuleWithOperations(r, index(child(path, 'rules'), i))));
  errs.push(...validatePolicy(hook.failurePolicy, FAILURE_POLICIES, child(path, 'failurePolicy')));
  errs.push(...validatePolicy(hook.matchPolicy, MATCH_POLICIES, child(path, 'matchPolicy')));
  const sideEffects = hook.sideEffects;
  if (!sideEffects) errs.push(required(child(path, 'sideEffects'), `must specify one of ${SIDE_EFFECTS.join(', ')}`));
  else if (!SIDE_EFFECTS.includes(sideEffects)) {
    errs.push(notSupported(child(path, 'sideEffects'), sideEffects, SIDE_EFFECTS));
  }
  const timeout = hook.timeoutSeconds;
  if (typeof timeout === 'number' && (timeout < 1 || timeout > 30)) {
    errs.push(invalid(child(path, 'timeoutSeconds'), timeout, 'the timeout value must be between 1 and 30 seconds'));
  }
  errs.push(...validateSelectors(hook, path));
  errs.push(...validateReviewVersions(hook.admissionReviewVersions ?? [], child(path, 'admissionReviewVersions')));
  errs.push(...validateClientConfig(hook.clientConfig, child(path, 'clientConfig')));
  if (mutating) {
    const policy = (hook as MutatingWebhook).reinvocationPolicy;
    if (policy && !REINVOCATION_POLICIES.includes(policy)) {
      errs.push(notSupported(child(path, 'reinvocationPolicy'), policy, REINVOCATION_POLICIES));
    }
  }
  errs.push(...validateMatchConditions(hook.matchConditions ?? [], child(path, 'matchConditions')));
  return errs;
}

/** Everything but metadata; names must be unique within the configuration. */
export function validateWebhookConfiguration(obj: WebhookConfiguration, mutating: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (obj.webhooks ?? []).forEach((hook, i) => {
    const path = index('webhooks', i);
    errs.push(...validateWebhook(hook, path, mutating));
    const name = hook.name ?? '';
    if (name !== '' && seen.has(name)) errs.push(duplicate(child(path, 'name'), name));
    seen.add(name);
  });
  return errs;
}

function webhookStrategy<T extends WebhookConfiguration>(mutating: boolean): KindStrategy {
  return forStore<T>({
    namespaced: false,
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: true,

    applyDefaults(obj) {
      for (const hook of obj.webhooks ?? []) defaultWebhook(hook, mutating);
    },

    prepareForCreate(obj) {
      metaOf(obj).generation = 1;
    },

    prepareForUpdate(obj, old) {
      nextGeneration(obj, old, !semanticEqual(obj.webhooks, old.webhooks));
    },

    validate: (obj) => [
      ...validateMetaCreate(obj, { namespaced: false, nameValidator: nameIsDNSSubdomain }),
      ...validateWebhookConfiguration(obj, mutating),
    ],

    validateUpdate: (obj, old) => [...validateMetaUpdate(obj, old), ...validateWebhookConfiguration(obj, mutating)],
  });
}

export const validatingWebhookConfigurationStrategy = webhookStrategy<ValidatingWebhookConfiguration>(false);
export const mutatingWebhookConfigurationStrategy = webhookStrategy<MutatingWebhookConfiguration>(true);
