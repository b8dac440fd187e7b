import type { JsonObject } from '../api/object';

/**
 * The table of served built-in resources. Adding a resource is one entry here plus
 * its messages in proto/ and, if it needs more than ObjectMeta validation, a Strategy.
 */
export interface SubresourceInfo {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
  /**
   * Older versions of the request kind a POST may also carry, with the same
   * fields (pods/eviction takes policy/v1beta1 Evictions too).
   */
  alsoAccepts?: string[];
  /**
   * A connect subresource (services/proxy and friends): its kind names the
   * options of a connection, not an object read or written, so it has no
   * object operations in OpenAPI.
   */
  connect?: boolean;
}

export interface ResourceInfo {
  group: string;
  version: string;
  /** plural, lowercase: the URL segment */
  resource: string;
  kind: string;
  listKind: string;
  singularName: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  /** fully qualified proto message, e.g. k8s.io.api.core.v1.ConfigMap */
  messageType: string;
  subresources: SubresourceInfo[];
  /** Version kube-apiserver 1.32 stores this kind at, when not the served one (discovery hashes it). */
  storageVersion?: string;
  /** Never stored (componentstatuses): discovery gives it no storageVersionHash. */
  unstored?: boolean;
  /** The Warning every request to a deprecated version gets, e.g. "v1 ComponentStatus is deprecated in v1.19+". */
  deprecationWarning?: string;
  /** Served from a CustomResourceDefinition: JSON only, no strategic merge patch. */
  custom?: boolean;
  /** The message the field manager walks when not messageType (a custom resource's schema-shaped one). */
  fieldsMessageType?: string;
  /** The list kind's message when messageForKind cannot find it (custom resources). */
  listMessageType?: string;
  /** A custom resource version's openAPIV3Schema, published in OpenAPI as its kind's schema. */
  openApiSchema?: JsonObject;
  /** A remote APIService's groupPriorityMinimum and versionPriority, which order discovery. */
  apiServicePriority?: { group: number; version: number };
  /** Where the scale subresource reads and writes, when not spec.replicas/status.replicas/spec.selector. */
  scalePaths?: { specReplicas: string; statusReplicas: string; selector: string };
}

export function groupVersionString(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}
