import type { PluginConfiguration } from '../admission-config';
import { DEFAULT_POLICY, LEVEL_ERROR, MODES, VERSION_ERROR, isLevel, parseVersion, type Policy } from './levels';

/** pod-security.admission.config.k8s.io PodSecurityConfiguration: the default policy and the exemptions. */
export interface PodSecurityConfiguration {
  defaults: Policy;
  exemptions: {
    usernames: ReadonlySet<string>;
    namespaces: ReadonlySet<string>;
    runtimeClasses: ReadonlySet<string>;
  };
}

const API_VERSIONS = new Set([
  'pod-security.admission.config.k8s.io/v1',
  'pod-security.admission.config.k8s.io/v1beta1',
  'pod-security.admission.config.k8s.io/v1alpha1',
]);

/** Upstream's default: privileged:latest in every mode, nobody exempt. */
export const DEFAULT_CONFIGURATION: PodSecurityConfiguration = {
  defaults: DEFAULT_POLICY,
  exemptions: { usernames: new Set(), namespaces: new Set(), runtimeClasses: new Set() },
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads the plugin's configuration; an invalid one is an error that stops start-up ("PodSecurity invalid: ..."). */
export function parsePodSecurityConfiguration(raw: PluginConfiguration | undefined): PodSecurityConfiguration {
  if (!raw) return DEFAULT_CONFIGURATION;
  if (
    raw.kind !== 'PodSecurityConfiguration' ||
    typeof raw.apiVersion !== 'string' ||
    !API_VERSIONS.has(raw.apiVersion)
  ) {
    throw new Error(
      `PodSecurity configuration error: expected kind PodSecurityConfiguration in pod-security.admission.config.k8s.io/v1, got ${String(raw.kind)} in ${String(raw.apiVersion)}`,
    );
  }
  const errors: string[] = [];
  const defaults = isObject(raw.defaults) ? raw.defaults : {};
  const policy: Policy = {
    enforce: { ...DEFAULT_POLICY.enforce },
    audit: { ...DEFAULT_POLICY.audit },
    warn: { ...DEFAULT_POLICY.warn },
  };
  for (const mode of MODES) {
    const level = defaults[mode];
    if (level !== undefined && level !== '') {
      if (typeof level === 'string' && isLevel(level)) policy[mode].level = level;
      else errors.push(`defaults.${mode}: Invalid value: ${JSON.stringify(level)}: ${LEVEL_ERROR}`);
    }
    const version = defaults[`${mode}-version`];
    if (version !== undefined && version !== '') {
      const parsed =
        typeof version === 'string' ? parseVersion(version) : { error: VERSION_ERROR, version: policy[mode].version };
      if (parsed.error)
        errors.push(`defaults.${mode}-version: Invalid value: ${JSON.stringify(version)}: ${VERSION_ERROR}`);
      else policy[mode].version = parsed.version;
    }
  }
  const exemptions = isObject(raw.exemptions) ? raw.exemptions : {};
  const list = (key: 'usernames' | 'namespaces' | 'runtimeClasses'): Set<string> => {
    const v = exemptions[key] ?? [];
    const out = new Set<string>();
    if (!Array.isArray(v)) {
      errors.push(`exemptions.${key}: Invalid value: must be a list of strings`);
      return out;
    }
    v.forEach((item, i) => {
      if (typeof item !== 'string' || item === '')
        errors.push(`exemptions.${key}[${i}]: Invalid value: ${JSON.stringify(item)}: must be a non-empty string`);
      else if (out.has(item)) errors.push(`exemptions.${key}[${i}]: Duplicate value: ${JSON.stringify(item)}`);
      else out.add(item);
    });
    return out;
  };
  const parsed: PodSecurityConfiguration = {
    defaults: policy,
    exemptions: {
      usernames: list('usernames'),
      namespaces: list('namespaces'),
      runtimeClasses: list('runtimeClasses'),
    },
  };
  if (errors.length > 0)
    throw new Error(`PodSecurity invalid: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}`);
  return parsed;
}
