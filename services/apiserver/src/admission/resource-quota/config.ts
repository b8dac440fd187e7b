import type { ScopedResourceSelectorRequirement } from '../../generated/k8s.io.api.core.v1';
import type { PluginConfiguration } from '../admission-config';

/**
 * One entry of ResourceQuotaConfiguration.limitedResources: consumption of these
 * resource names (by substring) or scopes is refused unless a quota covers it.
 */
export interface LimitedResource {
  apiGroup: string;
  resource: string;
  matchContains: string[];
  matchScopes: ScopedResourceSelectorRequirement[];
}

const API_VERSIONS = new Set([
  'apiserver.config.k8s.io/v1',
  'resourcequota.admission.k8s.io/v1beta1',
  'resourcequota.admission.k8s.io/v1alpha1',
]);

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The plugin's entry of --admission-control-config-file; none means nothing is limited by default. */
export function parseQuotaConfiguration(raw: PluginConfiguration | undefined): LimitedResource[] {
  if (!raw) return [];
  if (raw.kind !== 'ResourceQuotaConfiguration' && raw.kind !== 'Configuration') {
    throw new Error(`ResourceQuota configuration: unexpected kind ${String(raw.kind)}`);
  }
  if (typeof raw.apiVersion !== 'string' || !API_VERSIONS.has(raw.apiVersion)) {
    throw new Error(`ResourceQuota configuration: unexpected apiVersion ${String(raw.apiVersion)}`);
  }
  const list = Array.isArray(raw.limitedResources) ? (raw.limitedResources as unknown[]) : [];
  return list.flatMap((e) => {
    if (typeof e !== 'object' || e === null) return [];
    const r = e as Record<string, unknown>;
    const scopes = Array.isArray(r.matchScopes) ? (r.matchScopes as ScopedResourceSelectorRequirement[]) : [];
    return [
      {
        apiGroup: typeof r.apiGroup === 'string' ? r.apiGroup : '',
        resource: typeof r.resource === 'string' ? r.resource : '',
        matchContains: strings(r.matchContains),
        matchScopes: scopes.map((s) => ({
          scopeName: s.scopeName ?? '',
          operator: s.operator ?? '',
          values: strings(s.values),
        })),
      },
    ];
  });
}

/** Go's %v of a []ScopedResourceSelectorRequirement, as upstream's message prints it. */
export function goFormatScopes(scopes: readonly ScopedResourceSelectorRequirement[]): string {
  return `[${scopes.map((s) => `{${s.scopeName ?? ''} ${s.operator ?? ''} [${(s.values ?? []).join(' ')}]}`).join(' ')}]`;
}
