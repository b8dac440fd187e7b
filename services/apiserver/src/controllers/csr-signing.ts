import { X509Certificate } from 'node:crypto';
import { StatusError } from '../api/errors';
import type { KubeObject } from '../api/object';
import { timeNow } from '../api/time';
import { parseCsrPem, signCsr, type ParsedCsr, type SigningCa } from '../certs/csr';
import type { CertificateSigningRequest } from '../generated/k8s.io.api.certificates.v1';
import type { GenericStore } from '../registry/generic-store';
import { bytesField } from '../registry/strategies/certificates';
import { runInformer } from './informer';
import { errorText, type LeaderController } from './util';
import { logError } from '../logging/line-log';

/**
 * kube-controller-manager's csrsigning controller for the three kubernetes.io
 * signers kube-apiserver trusts: an approved request that meets its signer's
 * rules gets a certificate from the cluster CA in status.certificate; one that
 * does not gets a Failed condition. Other signers' requests are left alone.
 */

export const KUBE_APISERVER_CLIENT = 'kubernetes.io/kube-apiserver-client';
export const KUBE_APISERVER_CLIENT_KUBELET = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING = 'kubernetes.io/kubelet-serving';

/** kube-controller-manager's --cluster-signing-duration default. */
export const DEFAULT_SIGNING_DURATION_MS = 365 * 24 * 60 * 60 * 1000;
/** Issued certificates start this far in the past, for clients whose clocks lag. */
const BACKDATE_MS = 5 * 60 * 1000;

const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  new Set(a).size === new Set(b).size && a.every((u) => b.includes(u));

function usagesMatch(usages: readonly string[], withRsa: readonly string[], withoutRsa: readonly string[]): boolean {
  return sameSet(usages, withRsa) || sameSet(usages, withoutRsa);
}

const KUBELET_CLIENT_USAGES = ['client auth', 'digital signature', 'key encipherment'];
const KUBELET_SERVING_USAGES = ['digital signature', 'key encipherment', 'server auth'];

function checkNodesOrganization(req: ParsedCsr): void {
  if (req.organizations.length !== 1 || req.organizations[0] !== 'system:nodes') {
    throw new Error('subject organization is not system:nodes');
  }
}

function checkNodeCommonName(req: ParsedCsr): void {
  if (!req.commonName.startsWith('system:node:'))
    throw new Error('subject common name does not begin with system:node:');
}

function validateKubeletClient(req: ParsedCsr, usages: readonly string[]): void {
  checkNodesOrganization(req);
  if (req.dnsNames.length > 0) throw new Error('DNS subjectAltNames are not allowed');
  if (req.emailAddresses.length > 0) throw new Error('Email subjectAltNames are not allowed');
  if (req.ipAddresses.length > 0) throw new Error('IP subjectAltNames are not allowed');
  if (req.uris.length > 0) throw new Error('URI subjectAltNames are not allowed');
  checkNodeCommonName(req);
  if (!usagesMatch(usages, KUBELET_CLIENT_USAGES, ['client auth', 'digital signature'])) {
    throw new Error(`usages did not match [${KUBELET_CLIENT_USAGES.join(' ')}]`);
  }
}

function validateKubeletServing(req: ParsedCsr, usages: readonly string[]): void {
  checkNodesOrganization(req);
  if (req.dnsNames.length === 0 && req.ipAddresses.length === 0) {
    throw new Error('DNS or IP subjectAltName is required');
  }
  if (req.emailAddresses.length > 0) throw new Error('Email subjectAltNames are not allowed');
  if (req.uris.length > 0) throw new Error('URI subjectAltNames are not allowed');
  if (!usagesMatch(usages, KUBELET_SERVING_USAGES, ['digital signature', 'server auth'])) {
    throw new Error(`usages did not match [${KUBELET_SERVING_USAGES.join(' ')}]`);
  }
  checkNodeCommonName(req);
}

function validateApiserverClient(_req: ParsedCsr, usages: readonly string[]): void {
  let clientAuth = false;
  for (const u of usages) {
    if (u === 'client auth') clientAuth = true;
    else if (u !== 'digital signature' && u !== 'key encipherment') {
      throw new Error(`invalid usage for client certificate: ${u}`);
    }
  }
  if (!clientAuth) throw new Error('missing required usage for client certificate: client auth');
}

/** Each signer's rules; throws the reason a request does not meet them. */
export const SIGNER_RULES: Readonly<Record<string, (req: ParsedCsr, usages: readonly string[]) => void>> = {
  [KUBE_APISERVER_CLIENT]: validateApiserverClient,
  [KUBE_APISERVER_CLIENT_KUBELET]: validateKubeletClient,
  [KUBELET_SERVING]: validateKubeletServing,
};

/** What the signer does with a CSR: nothing, fail it with a reason, or issue this certificate. */
export type SigningDecision = { kind: 'skip' } | { kind: 'fail'; message: string } | { kind: 'issue'; certPem: string };

function hasCondition(csr: CertificateSigningRequest, type: string): boolean {
  return (csr.status?.conditions ?? []).some((c) => c.type === type);
}

/** The signing decision for one CSR at `now`, with the CA's validity capping the certificate's. */
export function decideSigning(csr: CertificateSigningRequest, ca: SigningCa, now = Date.now()): SigningDecision {
  if (!hasCondition(csr, 'Approved') || hasCondition(csr, 'Denied') || hasCondition(csr, 'Failed')) {
    return { kind: 'skip' };
  }
  if (bytesField(csr.status?.certificate).length > 0) return { kind: 'skip' };
  const rules = SIGNER_RULES[csr.spec?.signerName ?? ''];
  if (!rules) return { kind: 'skip' };
  let req: ParsedCsr;
  try {
    req = parseCsrPem(bytesField(csr.spec?.request).toString('latin1'));
  } catch {
    // validation admitted only parseable requests; nothing to sign here
    return { kind: 'skip' };
  }
  const usages = csr.spec?.usages ?? [];
  try {
    rules(req, usages);
  } catch (e) {
    return { kind: 'fail', message: errorText(e) };
  }
  const requested = csr.spec?.expirationSeconds;
  const ttl = Math.min(DEFAULT_SIGNING_DURATION_MS, typeof requested === 'number' ? requested * 1000 : Infinity);
  const caNotAfter = new Date(new X509Certificate(ca.certPem).validTo).getTime();
  const notAfter = new Date(Math.min(now + ttl, caNotAfter));
  // a short-lived certificate is backdated less, so that most of its lifetime lies ahead
  const backdate = Math.min(BACKDATE_MS, ttl / 2);
  const certPem = signCsr(ca, req, { usages, notBefore: new Date(now - backdate), notAfter });
  return { kind: 'issue', certPem };
}

export class CsrSigningController implements LeaderController {
  readonly name = 'csrsigning-controller';
  private task: Promise<void> = Promise.resolve();
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: () => GenericStore | undefined,
    private readonly ca: SigningCa,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  start(signal: AbortSignal): void {
    const store = this.store();
    if (!store) return;
    const enqueue = (obj: KubeObject): void => {
      this.pending = this.pending.then(() => (signal.aborted ? undefined : this.sync(store, obj)));
    };
    this.task = runInformer(
      store,
      signal,
      {
        onList: (items) => items.forEach(enqueue),
        onEvent: (type, obj) => {
          if (type !== 'DELETED') enqueue(obj);
        },
      },
      this.log,
    );
  }

  async stopped(): Promise<void> {
    await this.task;
    await this.pending;
  }

  private async sync(store: GenericStore, obj: KubeObject): Promise<void> {
    const csr = obj as CertificateSigningRequest;
    const name = csr.metadata?.name ?? '';
    let decision: SigningDecision;
    try {
      decision = decideSigning(csr, this.ca);
    } catch (e) {
      logError(this.log, `csrsigning: ${name}: ${errorText(e)}`);
      return;
    }
    if (decision.kind === 'skip') return;
    const status = { ...(csr.status ?? {}) };
    if (decision.kind === 'issue') status.certificate = Buffer.from(decision.certPem).toString('base64');
    else {
      const now = timeNow();
      status.conditions = [
        ...(status.conditions ?? []),
        {
          type: 'Failed',
          status: 'True',
          reason: 'SignerValidationFailure',
          message: decision.message,
          lastUpdateTime: now,
          lastTransitionTime: now,
        },
      ];
    }
    try {
      // the resourceVersion read makes a concurrent change a conflict, retried from the next event
      await store.updateStatus('', name, { ...obj, status } as KubeObject, { manager: 'kube-controller-manager' });
    } catch (e) {
      if (!(e instanceof StatusError && (e.code === 404 || e.code === 409))) {
        logError(this.log, `csrsigning: ${name}: ${errorText(e)}`);
      }
    }
  }
}
