import type { KubeObject } from '../../api/object';
import { formatLabelSelector } from './label-selector';
import { ageColumn, ageOf, field, nameColumn, nameOf, text } from './common';
import { column, type TableConverter } from './types';

const count = (value: unknown): number => (Array.isArray(value) ? value.length : 0);

/** Both webhook configuration kinds: how many webhooks each holds. */
export const webhookConfigurationTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Webhooks', 'integer', 'Webhooks is a list of webhooks and the affected resources and operations.'),
    ageColumn(),
  ],
  cells: (obj, now) => [nameOf(obj), count(obj.webhooks), ageOf(obj, now)],
};

function paramKindCell(obj: KubeObject): string {
  const pk = field(obj, 'spec', 'paramKind');
  if (pk === undefined || pk === null) return '<unset>';
  return `${text(field(pk, 'apiVersion'))}/${text(field(pk, 'kind'))}`;
}

export const validatingAdmissionPolicyTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Validations', 'integer', 'Validations contain CEL expressions which is used to apply the validation.'),
    column('ParamKind', 'string', 'ParamKind specifies the kind of resources used to parameterize this policy'),
    ageColumn(),
  ],
  cells: (obj, now) => [nameOf(obj), count(field(obj, 'spec', 'validations')), paramKindCell(obj), ageOf(obj, now)],
};

/** namespace/name of the parameter; `*` when the namespace is not given (it may be cluster-scoped). */
function paramRefCell(obj: KubeObject): string {
  const ref = field(obj, 'spec', 'paramRef');
  if (ref === undefined || ref === null) return '<unset>';
  const name = text(field(ref, 'name'));
  if (name !== '') {
    const ns = text(field(ref, 'namespace'));
    return ns !== '' ? `${ns}/${name}` : `*/${name}`;
  }
  const selector = field(ref, 'selector');
  return selector === undefined || selector === null ? '<unset>' : formatLabelSelector(selector);
}

export const validatingAdmissionPolicyBindingTable: TableConverter = {
  columns: [
    nameColumn(),
    column('PolicyName', 'string', 'PolicyName references a ValidatingAdmissionPolicy name.'),
    column('ParamRef', 'string', 'ParamRef specifies the parameter resource used to configure the policy.'),
    ageColumn(),
  ],
  cells: (obj, now) => [nameOf(obj), text(field(obj, 'spec', 'policyName')), paramRefCell(obj), ageOf(obj, now)],
};
