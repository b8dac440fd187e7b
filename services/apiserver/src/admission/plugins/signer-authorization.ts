import type { UserInfo } from '../../authn/user';
import type { Authorizer } from '../../authz/types';
import type { AdmissionAttributes } from '../interface';

/**
 * Whether the user may `verb` (approve, sign) CSRs of a signer: a grant on the
 * synthetic certificates.k8s.io `signers` resource named after the signer, or
 * after its domain with `/*` (`kubernetes.io/*`) for all the domain's signers.
 */
export function mayActForSigner(authorizer: Authorizer, user: UserInfo, verb: string, signerName: string): boolean {
  const allowed = (name: string): boolean =>
    authorizer.authorize({
      user,
      verb,
      isResourceRequest: true,
      path: '',
      apiGroup: 'certificates.k8s.io',
      apiVersion: '*',
      resource: 'signers',
      subresource: '',
      namespace: '',
      name,
    }).decision === 'allow';
  return allowed(signerName) || allowed(`${signerName.split('/')[0]}/*`);
}

export function isCsr(a: AdmissionAttributes): boolean {
  return a.resource.group === 'certificates.k8s.io' && a.resource.resource === 'certificatesigningrequests';
}

export function signerNameOf(csr: AdmissionAttributes['object']): string {
  const spec = csr?.spec as { signerName?: unknown } | undefined;
  return typeof spec?.signerName === 'string' ? spec.signerName : '';
}
