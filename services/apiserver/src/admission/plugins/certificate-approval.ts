import { admissionForbidden, type AdmissionPlugin } from '../interface';
import type { AdmissionPluginFactory } from './deps';
import { isCsr, mayActForSigner, signerNameOf } from './signer-authorization';

/** CertificateApproval: approving or denying a CSR takes `approve` on its signer. */
export const certificateApproval: AdmissionPluginFactory = (deps): AdmissionPlugin => ({
  name: 'CertificateApproval',
  handles: (op) => op === 'UPDATE',
  validate(a) {
    if (!isCsr(a) || a.subresource !== 'approval') return;
    // the stored signer counts: an approval that also changes spec.signerName is invalid anyway
    const signer = signerNameOf(a.oldObject);
    if (mayActForSigner(deps.authorizer, a.userInfo, 'approve', signer)) return;
    throw admissionForbidden(a, `user not permitted to approve requests with signerName ${JSON.stringify(signer)}`);
  },
});
