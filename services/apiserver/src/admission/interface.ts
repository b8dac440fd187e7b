import { StatusError } from '../api/errors';
import type { KubeObject } from '../api/object';
import type { UserInfo } from '../authn/user';

/** Upstream's admission.Operation. */
export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

/**
 * What one request collects on its way through admission: warnings for the
 * response's Warning headers and annotations for its audit event.
 */
export interface AdmissionRecorder {
  warnings: string[];
  /** key → value; a plugin prefixes its keys with its own name, as upstream (e.g. `pod-security.kubernetes.io/enforce-policy`) */
  auditAnnotations: Record<string, string>;
}

/**
 * Upstream's admission.Attributes: the request one admission plugin judges.
 * `object` is the object as it will be stored (a mutating plugin may change it in
 * place or replace it); `oldObject` is the stored one for UPDATE and DELETE and
 * must not be changed.
 */
export interface AdmissionAttributes {
  operation: AdmissionOperation;
  /** the kind and resource as served to this request (the store's version) */
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  /** '' for the main resource, else e.g. 'status', 'scale', 'eviction', 'binding' */
  subresource: string;
  /** '' for cluster-scoped resources */
  namespace: string;
  /** '' when the create asks for generateName */
  name: string;
  object?: KubeObject;
  oldObject?: KubeObject;
  userInfo: UserInfo;
  dryRun: boolean;
  /** CreateOptions, UpdateOptions or DeleteOptions as upstream's AdmissionRequest.options carries them */
  operationOptions?: KubeObject;
  recorder: AdmissionRecorder;
}

/**
 * One admission plugin, as upstream's admission.Interface with MutationInterface
 * and/or ValidationInterface. All mutating plugins run before any validating one.
 * A refusal throws a StatusError (see `admissionForbidden`).
 */
export interface AdmissionPlugin {
  /** upstream's plugin name, as --enable-admission-plugins spells it */
  readonly name: string;
  handles(operation: AdmissionOperation): boolean;
  admit?(a: AdmissionAttributes): void | Promise<void>;
  validate?(a: AdmissionAttributes): void | Promise<void>;
  /** resolves once the plugin's informers have synced: the replica serves only after that */
  synced?: Promise<void>;
  /** stops the plugin's informers and timers when the replica stops */
  close?(): void | Promise<void>;
}

/** The chain the stores call: every enabled plugin's admit, then every one's validate, in order. */
export interface Admission {
  admit(a: AdmissionAttributes): Promise<void>;
  validate(a: AdmissionAttributes): Promise<void>;
}

/**
 * Upstream's admission.NewForbidden: 403 Forbidden, `<resource> "<name>" is
 * forbidden: <reason>`. The resource is named without its subresource
 * (`pods`, `certificatesigningrequests.certificates.k8s.io`) and the name falls
 * back to the object's when the request has none; without either it is left out.
 */
export function admissionForbidden(a: AdmissionAttributes, reason: string): StatusError {
  const { group, resource } = a.resource;
  const gr = group ? `${resource}.${group}` : resource;
  const name = a.name || a.object?.metadata?.name || '';
  const message = name ? `${gr} "${name}" is forbidden: ${reason}` : `${gr} is forbidden: ${reason}`;
  return new StatusError(403, 'Forbidden', message, {
    ...(group ? { group } : {}),
    kind: resource,
    ...(name ? { name } : {}),
  });
}

export function newRecorder(): AdmissionRecorder {
  return { warnings: [], auditAnnotations: {} };
}
