import { certificateApproval } from './certificate-approval';
import { certificateSigning } from './certificate-signing';
import { certificateSubjectRestriction } from './certificate-subject-restriction';
import { defaultIngressClass } from './default-ingress-class';
import { defaultStorageClass } from './default-storage-class';
import type { AdmissionPluginFactory } from './deps';
import { limitRanger } from './limit-ranger';
import { mutatingAdmissionWebhook } from './mutating-webhook';
import { namespaceLifecycle } from './namespace-lifecycle';
import { nodeRestriction } from './node-restriction';
import { podSecurity } from './pod-security';
import { taintNodesByCondition } from './taint-nodes-by-condition';
import { validatingAdmissionPolicy } from './validating-admission-policy';
import { validatingAdmissionWebhook } from './validating-webhook';

/**
 * The plugins kapi has, by upstream's name. An enabled name without an entry here
 * (a plugin upstream has and kapi does not) is skipped.
 */
export const PLUGIN_FACTORIES: Readonly<Record<string, AdmissionPluginFactory>> = {
  NamespaceLifecycle: namespaceLifecycle,
  LimitRanger: limitRanger,
  NodeRestriction: nodeRestriction,
  TaintNodesByCondition: taintNodesByCondition,
  PodSecurity: podSecurity,
  DefaultStorageClass: defaultStorageClass,
  CertificateApproval: certificateApproval,
  CertificateSigning: certificateSigning,
  CertificateSubjectRestriction: certificateSubjectRestriction,
  DefaultIngressClass: defaultIngressClass,
  MutatingAdmissionWebhook: mutatingAdmissionWebhook,
  ValidatingAdmissionPolicy: validatingAdmissionPolicy,
  ValidatingAdmissionWebhook: validatingAdmissionWebhook,
};
