import { bytesField } from '../../registry/strategies/certificates';
import { admissionForbidden, type AdmissionPlugin } from '../interface';
import type { KubeObject } from '../../api/object';
import type { AdmissionPluginFactory } from './deps';
import { isCsr, mayActForSigner, signerNameOf } from './signer-authorization';

/** status.certificate as sent: absent and empty differ, as a nil and an empty []byte do upstream. */
function certificateOf(csr: KubeObject | undefined): Buffer | undefined {
  const status = csr?.status as { certificate?: unknown } | undefined;
  return status?.certificate === undefined || status.certificate === null ? undefined : bytesField(status.certificate);
}

function sameCertificate(a: Buffer | undefined, b: Buffer | undefined): boolean {
  return a === undefined || b === undefined ? a === b : a.equals(b);
}

/** CertificateSigning: issuing (writing status.certificate) takes `sign` on the CSR's signer. */
export const certificateSigning: AdmissionPluginFactory = (deps): AdmissionPlugin => ({
  name: 'CertificateSigning',
  handles: (op) => op === 'UPDATE',
  validate(a) {
    if (!isCsr(a) || a.subresource !== 'status') return;
    if (sameCertificate(certificateOf(a.oldObject), certificateOf(a.object))) return;
    const signer = signerNameOf(a.oldObject);
    if (mayActForSigner(deps.authorizer, a.userInfo, 'sign', signer)) return;
    throw admissionForbidden(a, `user not permitted to sign requests with signerName ${JSON.stringify(signer)}`);
  },
});
