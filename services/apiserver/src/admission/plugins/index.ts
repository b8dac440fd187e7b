import type { AdmissionPluginFactory } from './deps';
import { defaultTolerationSeconds } from './default-toleration-seconds';
import { mutatingAdmissionWebhook } from './mutating-webhook';
import { namespaceLifecycle } from './namespace-lifecycle';
import { podSecurity } from './pod-security';
import { priority } from './priority';
import { runtimeClass } from './runtime-class';
import { serviceAccount } from './service-account';
import { validatingAdmissionPolicy } from './validating-admission-policy';
import { validatingAdmissionWebhook } from './validating-webhook';

/**
 * The plugins kapi has, by upstream's name. An enabled name without an entry here
 * (a plugin upstream has and kapi does not) is skipped.
 */
export const PLUGIN_FACTORIES: Readonly<Record<string, AdmissionPluginFactory>> = {
  NamespaceLifecycle: namespaceLifecycle,
  ServiceAccount: serviceAccount,
  PodSecurity: podSecurity,
  Priority: priority,
  DefaultTolerationSeconds: defaultTolerationSeconds,
  RuntimeClass: runtimeClass,
  MutatingAdmissionWebhook: mutatingAdmissionWebhook,
  ValidatingAdmissionPolicy: validatingAdmissionPolicy,
  ValidatingAdmissionWebhook: validatingAdmissionWebhook,
};
