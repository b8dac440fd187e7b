import type { AdmissionPluginFactory } from './deps';
import { mutatingAdmissionWebhook } from './mutating-webhook';
import { namespaceLifecycle } from './namespace-lifecycle';
import { podSecurity } from './pod-security';
import { resourceQuota } from './resource-quota';
import { validatingAdmissionPolicy } from './validating-admission-policy';
import { validatingAdmissionWebhook } from './validating-webhook';

/**
 * The plugins kapi has, by upstream's name. An enabled name without an entry here
 * (a plugin upstream has and kapi does not) is skipped.
 */
export const PLUGIN_FACTORIES: Readonly<Record<string, AdmissionPluginFactory>> = {
  NamespaceLifecycle: namespaceLifecycle,
  PodSecurity: podSecurity,
  MutatingAdmissionWebhook: mutatingAdmissionWebhook,
  ValidatingAdmissionPolicy: validatingAdmissionPolicy,
  ValidatingAdmissionWebhook: validatingAdmissionWebhook,
  ResourceQuota: resourceQuota,
};
