import { certificateApproval } from './certificate-approval';
import { certificateSigning } from './certificate-signing';
import { certificateSubjectRestriction } from './certificate-subject-restriction';
import { defaultIngressClass } from './default-ingress-class';
import { defaultStorageClass } from './default-storage-class';
import { defaultTolerationSeconds } from './default-toleration-seconds';
import type { AdmissionPluginFactory } from './deps';
import { limitRanger } from './limit-ranger';
import { mutatingAdmissionWebhook } from './mutating-webhook';
import { namespaceLifecycle } from './namespace-lifecycle';
import { nodeRestriction } from './node-restriction';
import { podSecurity } from './pod-security';
import { priority } from './priority';
import { resourceQuota } from './resource-quota';
import { runtimeClass } from './runtime-class';
import { serviceAccount } from './service-account';
import { taintNodesByCondition } from './taint-nodes-by-condition';
import { validatingAdmissionPolicy } from './validating-admission-policy';
import { validatingAdmissionWebhook } from './validating-webhook';

/**
 * The plugins kapi has, by upstream's name. An enabled name without an entry here
 * (a plugin upstream has and kapi does not) is skipped. The chain runs them in
 * upstream's order (chain.ts), not in this object's.
 */
export const PLUGIN_FACTORIES: Readonly<Record<string, AdmissionPluginFactory>> = {
  NamespaceLifecycle: namespaceLifecycle,
  LimitRanger: limitRanger,
  ServiceAccount: serviceAccount,
  NodeRestriction: nodeRestriction,
  TaintNodesByCondition: taintNodesByCondition,
  PodSecurity: podSecurity,
  Priority: priority,
  DefaultTolerationSeconds: defaultTolerationSeconds,
  DefaultStorageClass: defaultStorageClass,
  RuntimeClass: runtimeClass,
  CertificateApproval: certificateApproval,
  CertificateSigning: certificateSigning,
  CertificateSubjectRestriction: certificateSubjectRestriction,
  DefaultIngressClass: defaultIngressClass,
  MutatingAdmissionWebhook: mutatingAdmissionWebhook,
  ValidatingAdmissionPolicy: validatingAdmissionPolicy,
  ValidatingAdmissionWebhook: validatingAdmissionWebhook,
  ResourceQuota: resourceQuota,
};
