import { setTimeout as sleep } from 'node:timers/promises';
import { StatusError } from '../../api/errors';
import type { KubeObject } from '../../api/object';
import { DEFAULT_SERVICE_ACCOUNT } from '../../controllers/namespace-defaults';
import type { PodSpec, ServiceAccount } from '../../generated/k8s.io.api.core.v1';
import { MIRROR_POD_ANNOTATION } from '../../registry/strategies/pod-annotations-validation';
import { admissionForbidden, type AdmissionAttributes, type AdmissionPlugin } from '../interface';
import type { AdmissionDeps, AdmissionPluginFactory } from './deps';
import {
  enforcesMountableSecrets,
  ephemeralSecretReferenceRefusal,
  secretReferenceRefusal,
} from './pod-admission/mountable-secrets';
import { entries, plainAdmissionError, podSpecOf } from './pod-admission/pod-spec';
import { podReferencesSecrets } from './pod-admission/secret-references';
import { mountServiceAccountToken } from './pod-admission/token-volume';

/** the controller creates `default` shortly after its namespace: wait that long for it, as upstream */
const DEFAULT_ACCOUNT_ATTEMPTS = 10;

function isMirrorPod(pod: KubeObject): boolean {
  return pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined;
}

function usesTokenProjection(spec: PodSpec): boolean {
  return entries(spec.volumes).some((v) => entries(v.projected?.sources).some((s) => s.serviceAccountToken));
}

function shouldAutomount(sa: ServiceAccount, spec: PodSpec): boolean {
  return spec.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true;
}

class ServiceAccountAdmission implements AdmissionPlugin {
  readonly name = 'ServiceAccount';

  constructor(private readonly deps: AdmissionDeps) {}

  handles(op: string): boolean {
    // UPDATE only for the ephemeral containers an ephemeralcontainers write adds
    return op === 'CREATE' || op === 'UPDATE';
  }

  private ignored(a: AdmissionAttributes): boolean {
    if (a.resource.group !== '' || a.resource.resource !== 'pods') return true;
    if (a.subresource !== '' && a.subresource !== 'ephemeralcontainers') return true;
    return a.object === undefined;
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    if (this.ignored(a) || a.operation !== 'CREATE') return;
    const pod = a.object as KubeObject;
    // a mirror pod's spec must stay what the kubelet wrote: only the checks apply
    if (isMirrorPod(pod)) return this.validate(a);
    const spec = podSpecOf(pod);
    if (!spec.serviceAccountName) {
      spec.serviceAccountName = DEFAULT_SERVICE_ACCOUNT;
      // v1's deprecated twin reads the same once converted back
      spec.serviceAccount = DEFAULT_SERVICE_ACCOUNT;
    }
    const sa = await this.lookUp(a, spec.serviceAccountName);
    if (shouldAutomount(sa, spec)) mountServiceAccountToken(spec);
    const pullSecrets = entries(sa.imagePullSecrets);
    if ((spec.imagePullSecrets ?? []).length === 0 && pullSecrets.length > 0) {
      spec.imagePullSecrets = pullSecrets.map((s) => ({ name: s.name ?? '' }));
    }
    return this.validate(a);
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    if (this.ignored(a)) return;
    const pod = a.object as KubeObject;
    const spec = podSpecOf(pod);
    if (a.operation === 'UPDATE' && a.subresource === 'ephemeralcontainers') {
      return this.validateEphemeralContainers(a, pod, spec);
    }
    if (a.operation !== 'CREATE') return;
    if (isMirrorPod(pod)) return this.validateMirrorPod(a, spec);
    const sa = await this.lookUpNamed(a, pod, spec);
    if (enforcesMountableSecrets(sa)) {
      const why = secretReferenceRefusal(sa, spec);
      if (why) throw admissionForbidden(a, why);
    }
  }

  private validateMirrorPod(a: AdmissionAttributes, spec: PodSpec): void {
    if (spec.serviceAccountName) throw admissionForbidden(a, 'a mirror pod may not reference service accounts');
    if (podReferencesSecrets(spec)) throw admissionForbidden(a, 'a mirror pod may not reference secrets');
    if (usesTokenProjection(spec)) {
      throw admissionForbidden(a, 'a mirror pod may not use ServiceAccountToken volume projections');
    }
  }

  private async validateEphemeralContainers(a: AdmissionAttributes, pod: KubeObject, spec: PodSpec): Promise<void> {
    const sa = await this.lookUpNamed(a, pod, spec);
    if (!enforcesMountableSecrets(sa)) return;
    const why = ephemeralSecretReferenceRefusal(sa, spec);
    // upstream returns this one unwrapped, not as a Forbidden
    if (why) throw plainAdmissionError(why);
  }

  private async lookUpNamed(a: AdmissionAttributes, pod: KubeObject, spec: PodSpec): Promise<ServiceAccount> {
    if (!spec.serviceAccountName) {
      throw admissionForbidden(a, `no service account specified for pod ${a.namespace}/${pod.metadata?.name ?? ''}`);
    }
    return this.lookUp(a, spec.serviceAccountName);
  }

  private async lookUp(a: AdmissionAttributes, name: string): Promise<ServiceAccount> {
    try {
      return await this.serviceAccount(a.namespace, name);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw admissionForbidden(a, `error looking up service account ${a.namespace}/${name}: ${why}`);
    }
  }

  /** The account, looked up again for a while when it is `default` (its controller may not have run yet). */
  private async serviceAccount(namespace: string, name: string): Promise<ServiceAccount> {
    const store = this.deps.table.store('', 'v1', 'serviceaccounts');
    if (!store) throw new Error('serviceaccounts are not served');
    const attempts = 1 + (name === DEFAULT_SERVICE_ACCOUNT ? DEFAULT_ACCOUNT_ATTEMPTS : 1);
    const pause = 100 + Math.floor(Math.random() * 100);
    for (let i = 0; i < attempts; i++) {
      // the first read and the first retry follow each other at once, as upstream's cache read and live read do
      if (i > 1) await sleep(pause);
      try {
        return (await store.get(namespace, name)) as ServiceAccount;
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 404)) throw e;
      }
    }
    throw new StatusError(404, 'NotFound', `serviceaccount "${name}" not found`);
  }
}

/** ServiceAccount: pods run as an existing account, with its token mounted unless they opt out. */
export const serviceAccount: AdmissionPluginFactory = (deps) => new ServiceAccountAdmission(deps);
