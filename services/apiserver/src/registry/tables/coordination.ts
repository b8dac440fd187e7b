import { ageColumn, ageOf, field, nameColumn, nameOf, text } from './common';
import { column, type TableConverter } from './types';

export const leaseTable: TableConverter = {
  columns: [
    nameColumn(),
    column(
      'Holder',
      'string',
      'holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.',
    ),
    ageColumn(),
  ],
  cells: (obj, now) => [nameOf(obj), text(field(obj, 'spec', 'holderIdentity')), ageOf(obj, now)],
};
