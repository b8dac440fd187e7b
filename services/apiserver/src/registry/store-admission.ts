import type { KubeObject } from '../api/object';
import type { UserInfo } from '../authn/user';
import {
  newRecorder,
  type AdmissionAttributes,
  type AdmissionOperation,
  type AdmissionRecorder,
} from '../admission/interface';
import type { ResourceInfo } from './resources';

const OPTIONS_KIND: Record<AdmissionOperation, string> = {
  CREATE: 'CreateOptions',
  UPDATE: 'UpdateOptions',
  DELETE: 'DeleteOptions',
  CONNECT: '',
};

export interface AttributeFields {
  namespace: string;
  name: string;
  subresource?: string;
  object?: KubeObject;
  oldObject?: KubeObject;
  dryRun?: boolean;
  recorder?: AdmissionRecorder;
  /** a subresource served as a kind of its own (Eviction, Binding, TokenRequest) */
  kind?: { group: string; version: string; kind: string };
}

/** The attributes of one write to a resource of `info`, as upstream's handlers fill them in. */
export function admissionAttributes(
  info: ResourceInfo,
  operation: AdmissionOperation,
  userInfo: UserInfo,
  f: AttributeFields,
): AdmissionAttributes {
  const dryRun = f.dryRun === true;
  const optionsKind = OPTIONS_KIND[operation];
  return {
    operation,
    kind: f.kind ?? { group: info.group, version: info.version, kind: info.kind },
    resource: { group: info.group, version: info.version, resource: info.resource },
    subresource: f.subresource ?? '',
    namespace: info.namespaced ? f.namespace : '',
    name: f.name,
    object: f.object,
    oldObject: f.oldObject,
    userInfo,
    dryRun,
    operationOptions: optionsKind
      ? { apiVersion: 'meta.k8s.io/v1', kind: optionsKind, ...(dryRun ? { dryRun: ['All'] } : {}) }
      : undefined,
    recorder: f.recorder ?? newRecorder(),
  };
}
