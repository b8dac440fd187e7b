/**
 * OpenAPI definition names are Go import paths written backwards-domain style
 * (k8s.io/api/core/v1.ConfigMap → io.k8s.api.core.v1.ConfigMap). The proto packages
 * replaced the dashes of two repositories with underscores; undo that.
 */
export function openApiName(protoFullName: string): string {
  const dot = protoFullName.lastIndexOf('.');
  const pkg = protoFullName.slice(0, dot);
  const name = protoFullName.slice(dot + 1);
  const goPath = pkg.startsWith('k8s.io.') ? `io.k8s.${pkg.slice('k8s.io.'.length)}` : pkg;
  return `${goPath.replace(/_/g, '-')}.${name}`;
}

export function schemaRef(protoFullName: string): string {
  return `#/components/schemas/${openApiName(protoFullName)}`;
}

/** The short message name, e.g. DeploymentSpec. */
export function messageShortName(protoFullName: string): string {
  return protoFullName.slice(protoFullName.lastIndexOf('.') + 1);
}

/** `coordination.k8s.io` → [coordination], `rbac.authorization.k8s.io` → [rbac, authorization], core → [core]. */
function groupWords(group: string): string[] {
  if (group === '') return ['core'];
  return group.replace(/\.k8s\.io$/, '').split('.');
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The group/version part of operation ids: CoreV1, AppsV1, RbacAuthorizationV1. */
export function operationGroupVersion(group: string, version: string): string {
  return groupWords(group).map(capitalize).join('') + capitalize(version);
}

/** The tag of a group version's operations: core_v1, apps_v1, rbacAuthorization_v1. */
export function operationTag(group: string, version: string): string {
  const words = groupWords(group);
  return words[0] + words.slice(1).map(capitalize).join('') + '_' + version;
}

export function capitalized(s: string): string {
  return capitalize(s);
}
