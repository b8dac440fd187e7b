import { parseCsrPem } from '../../certs/csr';
import { bytesField } from '../../registry/strategies/certificates';
import { admissionForbidden, type AdmissionPlugin } from '../interface';
import type { AdmissionPluginFactory } from './deps';
import { isCsr, signerNameOf } from './signer-authorization';

const CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';

/**
 * CertificateSubjectRestriction: the API server's client signer must not hand
 * out system:masters, the group no authorizer can refuse.
 */
export const certificateSubjectRestriction: AdmissionPluginFactory = (): AdmissionPlugin => ({
  name: 'CertificateSubjectRestriction',
  handles: (op) => op === 'CREATE',
  validate(a) {
    if (!isCsr(a) || a.subresource !== '' || signerNameOf(a.object) !== CLIENT_SIGNER) return;
    const request = (a.object?.spec as { request?: unknown } | undefined)?.request;
    let organizations: string[];
    try {
      organizations = parseCsrPem(bytesField(request).toString('latin1')).organizations;
    } catch (e) {
      throw admissionForbidden(a, `failed to parse CSR: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (organizations.includes('system:masters')) {
      throw admissionForbidden(a, `use of ${CLIENT_SIGNER} signer with system:masters group is not allowed`);
    }
  },
});
