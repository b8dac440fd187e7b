import { isPlainObject, type KubeObject } from '../../api/object';
import { humanDuration } from './human-duration';
import { ageColumn, ageOf, field, nameColumn, nameOf, text } from './common';
import { column, type TableConverter } from './types';

/** Denied wins over Approved, then Failed and Issued are appended, as kubectl shows a CSR's state. */
export function csrCondition(obj: KubeObject): string {
  const conditions = field(obj, 'status', 'conditions');
  const types = new Set(
    (Array.isArray(conditions) ? conditions : []).map((c) => (isPlainObject(c) ? text(c.type) : '')),
  );
  let status = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) status += ',Failed';
  if (text(field(obj, 'status', 'certificate')) !== '') status += ',Issued';
  return status;
}

function requestedDuration(obj: KubeObject): string {
  const seconds = field(obj, 'spec', 'expirationSeconds');
  return typeof seconds === 'number' ? humanDuration(seconds * 1000) : '<none>';
}

export const csrTable: TableConverter = {
  columns: [
    nameColumn(),
    ageColumn(),
    column('SignerName', 'string', 'The signer the request asks to sign it (spec.signerName).'),
    column('Requestor', 'string', 'The user who created the request (spec.username).'),
    column('RequestedDuration', 'string', 'The validity the request asks for (spec.expirationSeconds).'),
    column('Condition', 'string', 'Whether the request is pending, approved or denied, failed, and issued.'),
  ],
  cells: (obj, now) => [
    nameOf(obj),
    ageOf(obj, now),
    text(field(obj, 'spec', 'signerName')) || '<none>',
    text(field(obj, 'spec', 'username')),
    requestedDuration(obj),
    csrCondition(obj),
  ],
};
