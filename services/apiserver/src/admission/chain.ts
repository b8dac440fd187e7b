import type { Admission, AdmissionAttributes, AdmissionPlugin } from './interface';
import type { AdmissionDeps } from './plugins/deps';
import { PLUGIN_FACTORIES } from './plugins';

/**
 * Upstream's AllOrderedPlugins of 1.32 (pkg/kubeapiserver/options/plugins.go): the
 * order plugins run in, whatever order the flags name them.
 */
export const ORDERED_PLUGINS = [
  'AlwaysAdmit',
  'NamespaceAutoProvision',
  'NamespaceLifecycle',
  'NamespaceExists',
  'AlwaysPullImages',
  'LimitPodHardAntiAffinityTopology',
  'LimitRanger',
  'ServiceAccount',
  'NodeRestriction',
  'TaintNodesByCondition',
  'AlwaysDeny',
  'ImagePolicyWebhook',
  'PodSecurity',
  'PodNodeSelector',
  'Priority',
  'DefaultTolerationSeconds',
  'PodTolerationRestriction',
  'EventRateLimit',
  'ExtendedResourceToleration',
  'DefaultStorageClass',
  'StorageObjectInUseProtection',
  'OwnerReferencesPermissionEnforcement',
  'PersistentVolumeClaimResize',
  'RuntimeClass',
  'CertificateApproval',
  'CertificateSigning',
  'ClusterTrustBundleAttest',
  'CertificateSubjectRestriction',
  'DefaultIngressClass',
  'denyserviceexternalips',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
] as const;

/** Upstream's DefaultOffAdmissionPlugins complement: what runs when no flag names plugins. */
export const DEFAULT_ON_PLUGINS: ReadonlySet<string> = new Set([
  'NamespaceLifecycle',
  'LimitRanger',
  'ServiceAccount',
  'TaintNodesByCondition',
  'PodSecurity',
  'Priority',
  'DefaultTolerationSeconds',
  'DefaultStorageClass',
  'StorageObjectInUseProtection',
  'PersistentVolumeClaimResize',
  'RuntimeClass',
  'CertificateApproval',
  'CertificateSigning',
  'ClusterTrustBundleAttest',
  'CertificateSubjectRestriction',
  'DefaultIngressClass',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
]);

/**
 * The plugin names that run, in upstream's order: the defaults plus
 * --enable-admission-plugins, minus --disable-admission-plugins. A name upstream
 * does not know is an error, as there.
 */
export function enabledPluginNames(enable: readonly string[], disable: readonly string[]): string[] {
  const known = new Set<string>(ORDERED_PLUGINS);
  for (const n of [...enable, ...disable]) {
    if (!known.has(n)) throw new Error(`admission-control plugin "${n}" is unknown`);
  }
  const on = new Set([...DEFAULT_ON_PLUGINS, ...enable]);
  for (const n of disable) on.delete(n);
  return ORDERED_PLUGINS.filter((n) => on.has(n));
}

/**
 * The admission chain the stores call. Built before the plugins can be (they read
 * other stores), so the plugins are set once the stores exist; until then, and for
 * the server's own writes, nothing runs.
 */
export class AdmissionChain implements Admission {
  private plugins: AdmissionPlugin[] = [];

  setPlugins(plugins: readonly AdmissionPlugin[]): void {
    this.plugins = [...plugins];
  }

  /** Every plugin's informers synced (upstream's ValidateInitialization before serving). */
  async synced(): Promise<void> {
    await Promise.all(this.plugins.map((p) => p.synced));
  }

  async close(): Promise<void> {
    await Promise.all(this.plugins.map((p) => p.close?.()));
  }

  names(): string[] {
    return this.plugins.map((p) => p.name);
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    for (const p of this.plugins) {
      if (p.admit && p.handles(a.operation)) await p.admit(a);
    }
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    for (const p of this.plugins) {
      if (p.validate && p.handles(a.operation)) await p.validate(a);
    }
  }
}

/** The enabled plugins kapi has, built in upstream's order. */
export function buildAdmissionPlugins(names: readonly string[], deps: AdmissionDeps): AdmissionPlugin[] {
  return names.flatMap((n) => {
    const factory = PLUGIN_FACTORIES[n];
    return factory ? [factory(deps)] : [];
  });
}
