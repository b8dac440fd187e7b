import { performance } from 'node:perf_hooks';
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

export type AdmissionStep = 'admit' | 'validate';

/** Told how long each admission phase and each plugin in it took, and whether it refused. */
export interface AdmissionObserver {
  step(type: AdmissionStep, operation: string, rejected: boolean, seconds: number): void;
  controller(name: string, type: AdmissionStep, operation: string, rejected: boolean, seconds: number): void;
}

/**
 * The admission chain the stores call. Built before the plugins can be (they read
 * other stores), so the plugins are set once the stores exist; until then, and for
 * the server's own writes, nothing runs.
 */
export class AdmissionChain implements Admission {
  private plugins: AdmissionPlugin[] = [];
  private observer?: AdmissionObserver;

  setPlugins(plugins: readonly AdmissionPlugin[]): void {
    this.plugins = [...plugins];
  }

  /** Times each phase and each plugin from now on (the apiserver_admission_* metrics). */
  setObserver(observer: AdmissionObserver): void {
    this.observer = observer;
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
    if (this.observer) return this.observed('admit', a, this.observer);
    for (const p of this.plugins) {
      if (p.admit && p.handles(a.operation)) await p.admit(a);
    }
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    if (this.observer) return this.observed('validate', a, this.observer);
    for (const p of this.plugins) {
      if (p.validate && p.handles(a.operation)) await p.validate(a);
    }
  }

  private async observed(step: AdmissionStep, a: AdmissionAttributes, o: AdmissionObserver): Promise<void> {
    const stepStart = performance.now();
    try {
      for (const p of this.plugins) {
        const run = step === 'admit' ? p.admit : p.validate;
        if (!run || !p.handles(a.operation)) continue;
        const start = performance.now();
        try {
          await run.call(p, a);
        } catch (e) {
          o.controller(p.name, step, a.operation, true, (performance.now() - start) / 1000);
          throw e;
        }
        o.controller(p.name, step, a.operation, false, (performance.now() - start) / 1000);
      }
    } catch (e) {
      o.step(step, a.operation, true, (performance.now() - stepStart) / 1000);
      throw e;
    }
    o.step(step, a.operation, false, (performance.now() - stepStart) / 1000);
  }
}

/** The enabled plugins kapi has, built in upstream's order. */
export function buildAdmissionPlugins(names: readonly string[], deps: AdmissionDeps): AdmissionPlugin[] {
  return names.flatMap((n) => {
    const factory = PLUGIN_FACTORIES[n];
    return factory ? [factory(deps)] : [];
  });
}
