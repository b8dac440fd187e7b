import type { FieldError } from '../../api/errors';
import type {
  CustomResourceColumnDefinition,
  CustomResourceDefinition,
  CustomResourceDefinitionNames,
  CustomResourceDefinitionSpec,
  CustomResourceDefinitionVersion,
} from '../../generated/k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
import { child, goQuote, GoValue, index, invalid, notSupported, required } from '../validation/field';
import { isDNS1035Label, isDNS1123Subdomain, nameIsDNSSubdomain, type NameValidator } from '../validation/names';
import type { JsonValue } from '../../api/object';
import { deepEqual } from '../../apply/typed-fields';
import { validateConversion } from './crd-conversion-validation';
import { validateOpenApiSchema } from './crd-schema-validation';
import { validateImmutableField, validateObjectMetaCreate, validateObjectMetaUpdate } from '../validation/objectmeta';

export const SCOPES = ['Cluster', 'Namespaced'];

// Go prints pointers by address; any fixed address keeps the message's shape
const GO_POINTER = '0xc000000000';

function goPointer(type: string, set: boolean): string {
  return `(*${type})(${set ? GO_POINTER : 'nil'})`;
}

function goColumns(cols: CustomResourceColumnDefinition[] | undefined): string {
  const t = 'apiextensions.CustomResourceColumnDefinition';
  if (!cols) return `[]${t}(nil)`;
  const items = cols.map(
    (c) =>
      `${t}{Name:${goQuote(c.name ?? '')}, Type:${goQuote(c.type ?? '')}, Format:${goQuote(c.format ?? '')}, ` +
      `Description:${goQuote(c.description ?? '')}, Priority:${c.priority ?? 0}, JSONPath:${goQuote(c.jsonPath ?? '')}}`,
  );
  return `[]${t}{${items.join(', ')}}`;
}

/** Go's %#v of the internal versions list, as upstream's Invalid errors on spec.versions print it. */
export function goVersions(versions: CustomResourceDefinitionVersion[] | undefined): GoValue {
  const t = 'apiextensions.CustomResourceDefinitionVersion';
  if (!versions) return new GoValue(`[]${t}(nil)`);
  const items = versions.map((v) =>
    [
      `${t}{Name:${goQuote(v.name ?? '')}`,
      `Served:${v.served === true}`,
      `Storage:${v.storage === true}`,
      `Deprecated:${v.deprecated === true}`,
      `DeprecationWarning:${goPointer('string', v.deprecationWarning !== undefined)}`,
      `Schema:${goPointer('apiextensions.CustomResourceValidation', v.schema !== undefined)}`,
      `Subresources:${goPointer('apiextensions.CustomResourceSubresources', v.subresources !== undefined)}`,
      `AdditionalPrinterColumns:${goColumns(v.additionalPrinterColumns)}`,
      `SelectableFields:[]apiextensions.SelectableField(${v.selectableFields ? '…' : 'nil'})}`,
    ].join(', '),
  );
  return new GoValue(`[]${t}{${items.join(', ')}}`);
}

function dns1035(field: string, value: string | undefined, mixedCase = false, evenEmpty = false): FieldError[] {
  if (!value && !evenEmpty) return [];
  value ??= '';
  const errs = isDNS1035Label(mixedCase ? value.toLowerCase() : value);
  if (errs.length === 0) return [];
  const detail = mixedCase ? `may have mixed case, but should otherwise match: ${errs.join(',')}` : errs.join(',');
  return [invalid(field, value, detail)];
}

/** Upstream's ValidateCustomResourceDefinitionNames: spec.names and status.acceptedNames alike. */
export function validateNames(names: CustomResourceDefinitionNames | undefined, path: string): FieldError[] {
  const n = names ?? {};
  const errs = [
    ...dns1035(child(path, 'plural'), n.plural),
    ...dns1035(child(path, 'singular'), n.singular),
    ...dns1035(child(path, 'kind'), n.kind, true),
    ...dns1035(child(path, 'listKind'), n.listKind, true),
  ];
  (n.shortNames ?? []).forEach((s, i) => errs.push(...dns1035(index(child(path, 'shortNames'), i), s, false, true)));
  if (n.kind && n.kind === n.listKind) {
    errs.push(invalid(child(path, 'listKind'), n.listKind, 'kind and listKind may not be the same'));
  }
  (n.categories ?? []).forEach((c, i) => errs.push(...dns1035(index(child(path, 'categories'), i), c, false, true)));
  return errs;
}

function validateGroup(group: string | undefined): FieldError[] {
  if (!group) return [required('spec.group')];
  const errs = isDNS1123Subdomain(group);
  if (errs.length > 0) return [invalid('spec.group', group, errs.join(','))];
  if (group.split('.').length < 2) return [invalid('spec.group', group, 'should be a domain with at least one dot')];
  return [];
}

function validateScope(scope: string | undefined): FieldError[] {
  if (!scope) return [required('spec.scope')];
  return SCOPES.includes(scope) ? [] : [notSupported('spec.scope', scope, SCOPES)];
}

/** The root of a version's openAPIV3Schema: present, and an object (the structural rules' first ones). */
function validateVersionSchema(v: CustomResourceDefinitionVersion, path: string, unchanged: boolean): FieldError[] {
  const schemaPath = child(child(path, 'schema'), 'openAPIV3Schema');
  const schema = v.schema?.openAPIV3Schema;
  if (!schema) return [required(schemaPath, 'schemas are required')];
  if (!schema.type) return [required(child(schemaPath, 'type'), 'must not be empty at the root')];
  if (schema.type !== 'object') return [invalid(child(schemaPath, 'type'), schema.type, 'must be object at the root')];
  return validateOpenApiSchema(schema, schemaPath, { suppressPerExpressionCost: unchanged });
}

/**
 * The versions whose schema an update leaves as it was: their rules' per-expression cost
 * is not checked again, so a definition accepted before stays updatable (upstream's
 * versionsWithUnchangedSchemas).
 */
function unchangedSchemas(
  spec: CustomResourceDefinitionSpec | undefined,
  old: CustomResourceDefinitionSpec | undefined,
): Set<string> {
  const out = new Set<string>();
  if (!old) return out;
  const before = new Map((old.versions ?? []).map((v) => [v.name ?? '', v.schema?.openAPIV3Schema]));
  for (const v of spec?.versions ?? []) {
    const prior = before.get(v.name ?? '');
    if (prior !== undefined && deepEqual(prior as JsonValue, v.schema?.openAPIV3Schema as JsonValue))
      out.add(v.name ?? '');
  }
  return out;
}

function validateVersions(
  versions: CustomResourceDefinitionVersion[] | undefined,
  unchanged: ReadonlySet<string>,
): FieldError[] {
  const errs: FieldError[] = [];
  const list = versions ?? [];
  const seen = new Set<string>();
  let unique = true;
  let storageCount = 0;
  list.forEach((v, i) => {
    const path = index('spec.versions', i);
    if (v.storage) storageCount++;
    if (seen.has(v.name ?? '')) unique = false;
    seen.add(v.name ?? '');
    const nameErrs = isDNS1035Label(v.name ?? '');
    if (nameErrs.length > 0) errs.push(invalid(child(path, 'name'), v.name ?? '', nameErrs.join(',')));
    errs.push(...validateVersionSchema(v, path, unchanged.has(v.name ?? '')));
  });
  if (!unique) errs.push(invalid('spec.versions', goVersions(versions), 'must contain unique version names'));
  if (storageCount !== 1) {
    errs.push(
      invalid('spec.versions', goVersions(versions), 'must have exactly one version marked as storage version'),
    );
  }
  return errs;
}

function validateSpec(
  spec: CustomResourceDefinitionSpec | undefined,
  old?: CustomResourceDefinitionSpec,
): FieldError[] {
  const s = spec ?? {};
  const errs = [
    ...validateGroup(s.group),
    ...validateScope(s.scope),
    ...validateVersions(s.versions, unchangedSchemas(spec, old)),
  ];
  const names = s.names ?? {};
  if (!names.plural) errs.push(required('spec.names.plural'));
  if (!names.singular) errs.push(required('spec.names.singular'));
  if (!names.kind) errs.push(required('spec.names.kind'));
  if (!names.listKind) errs.push(required('spec.names.listKind'));
  errs.push(...validateNames(s.names, 'spec.names'));
  errs.push(...validateConversion(s));
  return errs;
}

/** metadata.name must be the plural and the group: the resource's identity. */
function crdNameValidator(crd: CustomResourceDefinition): NameValidator {
  return (name, prefix) => {
    const errs = nameIsDNSSubdomain(name, prefix);
    const wanted = `${crd.spec?.names?.plural ?? ''}.${crd.spec?.group ?? ''}`;
    if (name !== wanted) errs.push('must be spec.names.plural+"."+spec.group');
    return errs;
  };
}

function validateStatus(crd: CustomResourceDefinition): FieldError[] {
  return validateNames(crd.status?.acceptedNames, 'status.acceptedNames');
}

function validateStoredVersions(crd: CustomResourceDefinition): FieldError[] {
  const served = new Set((crd.spec?.versions ?? []).map((v) => v.name ?? ''));
  const errs: FieldError[] = [];
  (crd.status?.storedVersions ?? []).forEach((v, i) => {
    if (!served.has(v)) errs.push(invalid(index('status.storedVersions', i), v, 'must appear in spec.versions'));
  });
  return errs;
}

export function validateCrd(crd: CustomResourceDefinition): FieldError[] {
  return [
    ...validateObjectMetaCreate(crd.metadata, { namespaced: false, nameValidator: crdNameValidator(crd) }),
    ...validateSpec(crd.spec),
    ...validateStatus(crd),
  ];
}

export function isEstablished(crd: CustomResourceDefinition): boolean {
  return (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
}

export function validateCrdUpdate(crd: CustomResourceDefinition, old: CustomResourceDefinition): FieldError[] {
  const errs = [...validateObjectMetaUpdate(crd.metadata, old.metadata), ...validateSpec(crd.spec, old.spec)];
  if (isEstablished(old)) {
    // the scope and kind are what stored objects were written under
    errs.push(...validateImmutableField(crd.spec?.scope, old.spec?.scope, 'spec.scope'));
    errs.push(...validateImmutableField(crd.spec?.names?.kind, old.spec?.names?.kind, 'spec.names.kind'));
  }
  errs.push(...validateImmutableField(crd.spec?.group, old.spec?.group, 'spec.group'));
  errs.push(...validateImmutableField(crd.spec?.names?.plural, old.spec?.names?.plural, 'spec.names.plural'));
  errs.push(...validateStatus(crd), ...validateStoredVersions(crd));
  return errs;
}

export function validateCrdStatusUpdate(crd: CustomResourceDefinition, old: CustomResourceDefinition): FieldError[] {
  return [...validateObjectMetaUpdate(crd.metadata, old.metadata), ...validateStatus(crd)];
}
