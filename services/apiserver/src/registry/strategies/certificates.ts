import type { FieldError } from '../../api/errors';
import { timeNow } from '../../api/time';
import { decodeFirstPem, KNOWN_KEY_USAGES, parseCsrPem } from '../../certs/csr';
import type {
  CertificateSigningRequest,
  CertificateSigningRequestCondition,
} from '../../generated/k8s.io.api.certificates.v1';
import { X509Certificate } from 'node:crypto';
import { duplicate, forbidden, GoValue, index, invalid, notSupported, required, tooLong } from '../validation/field';
import { isDNS1123Label, isDNS1123Subdomain, validatePathSegmentName } from '../validation/names';
import { semanticEqual } from '../validation/objectmeta';
import {
  deepClone,
  forStore,
  keepOldGeneration,
  validateMetaCreate,
  validateMetaUpdate,
  type KindStrategy,
} from './common';

/** certificates.k8s.io/v1 CertificateSigningRequest: upstream's csr, csr status and csr approval strategies. */

export const APPROVED = 'Approved';
export const DENIED = 'Denied';
export const FAILED = 'Failed';
const LEGACY_UNKNOWN_SIGNER = 'kubernetes.io/legacy-unknown';
const MIN_EXPIRATION_SECONDS = 600;
const DNS1123_SUBDOMAIN_MAX = 253;
const DNS1123_LABEL_MAX = 63;
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];

type Csr = CertificateSigningRequest;
type Condition = CertificateSigningRequestCondition;

/** spec.request and status.certificate are bytes: base64 in JSON. */
export function bytesField(value: unknown): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
}

/** How Go prints a []byte with %#v, as field.Invalid shows the request. */
function goBytes(b: Buffer): GoValue {
  return new GoValue(`[]byte{${[...b].map((x) => `0x${x.toString(16)}`).join(', ')}}`);
}

function conditionsOf(obj: Csr): Condition[] {
  const c = obj.status?.conditions;
  return Array.isArray(c) ? c : [];
}

function conditionsOfType(obj: Csr, type: string): Condition[] {
  return conditionsOf(obj).filter((c) => c.type === type);
}

/** Upstream's ValidateSignerName: a qualified `<domain>/<path>`. */
export function validateSignerName(path: string, signerName: string): FieldError[] {
  if (signerName === '') return [required(path)];
  const segments = signerName.split('/');
  if (segments.length !== 2) {
    return [
      invalid(path, signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'"),
    ];
  }
  const [domain, rest] = segments;
  const errs: FieldError[] = [];
  if (domain.length > DNS1123_SUBDOMAIN_MAX) errs.push(tooLong(path, DNS1123_SUBDOMAIN_MAX));
  const labels = domain.split('.');
  for (const label of labels) {
    const msgs = isDNS1123Label(label);
    if (msgs.length === 0) continue;
    // one bad label is enough: the others would repeat the same complaint
    for (const msg of msgs) errs.push(invalid(path, domain, `validating label ${JSON.stringify(label)}: ${msg}`));
    break;
  }
  if (labels.length < 2) {
    errs.push(invalid(path, domain, 'should be a domain with at least two segments separated by dots'));
  }
  for (const component of rest.split('.')) {
    const msgs = isDNS1123Subdomain(component);
    if (msgs.length === 0) continue;
    for (const msg of msgs) errs.push(invalid(path, rest, `validating component ${JSON.stringify(component)}: ${msg}`));
    break;
  }
  const maxLength = DNS1123_SUBDOMAIN_MAX + DNS1123_LABEL_MAX + 1;
  if (signerName.length > maxLength) errs.push(tooLong(path, maxLength));
  return errs;
}

function validateRequest(obj: Csr): FieldError[] {
  const raw = bytesField(obj.spec?.request);
  try {
    parseCsrPem(raw.toString('latin1'));
    return [];
  } catch (e) {
    return [invalid('spec.request', goBytes(raw), e instanceof Error ? e.message : String(e))];
  }
}

function validateUsages(usages: unknown[]): FieldError[] {
  if (usages.length === 0) return [required('spec.usages')];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  usages.forEach((u, i) => {
    const usage = String(u);
    if (!KNOWN_KEY_USAGES.includes(usage)) errs.push(notSupported(index('spec.usages', i), usage, KNOWN_KEY_USAGES));
    if (seen.has(usage)) errs.push(duplicate(index('spec.usages', i), usage));
    seen.add(usage);
  });
  return errs;
}

function validateConditions(obj: Csr): FieldError[] {
  const path = 'status.conditions';
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  conditionsOf(obj).forEach((c, i) => {
    const at = index(path, i);
    const type = c.type ?? '';
    const status = c.status ?? '';
    if (type === '') errs.push(required(`${at}.type`));
    if (status === '') errs.push(required(`${at}.status`));
    else if (!CONDITION_STATUSES.includes(status)) errs.push(notSupported(`${at}.status`, status, CONDITION_STATUSES));
    if (seen.has(type)) errs.push(duplicate(`${at}.type`, type));
    seen.add(type);
    if ((type === APPROVED || type === DENIED) && status !== 'True') {
      errs.push(notSupported(`${at}.status`, status, ['True']));
    }
  });
  if (conditionsOfType(obj, APPROVED).length > 0 && conditionsOfType(obj, DENIED).length > 0) {
    errs.push(invalid(path, conditionsOf(obj), 'Approved and Denied conditions are mutually exclusive'));
  }
  return errs;
}

/** status.certificate, when set, is one or more PEM CERTIFICATE blocks that parse. */
function certificateProblem(raw: Buffer): string | undefined {
  if (raw.length === 0) return undefined;
  let text = raw.toString('latin1');
  let blocks = 0;
  for (;;) {
    const block = decodeFirstPem(text);
    if (!block) break;
    if (block.type !== 'CERTIFICATE')
      return `only CERTIFICATE PEM blocks are allowed, found ${JSON.stringify(block.type)}`;
    try {
      new X509Certificate(block.der);
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
    blocks++;
    text = text.slice(text.indexOf('-----END CERTIFICATE-----') + '-----END CERTIFICATE-----'.length);
  }
  return blocks === 0 ? 'must contain at least one CERTIFICATE PEM block' : undefined;
}

export function validateCsr(obj: Csr): FieldError[] {
  const spec = obj.spec ?? {};
  const errs = [...validateMetaCreate(obj, { namespaced: false, nameValidator: validatePathSegmentName })];
  errs.push(...validateRequest(obj));
  errs.push(...validateUsages(Array.isArray(spec.usages) ? spec.usages : []));
  const expiration = spec.expirationSeconds;
  if (typeof expiration === 'number' && expiration < MIN_EXPIRATION_SECONDS) {
    errs.push(
      invalid('spec.expirationSeconds', expiration, 'may not specify a duration less than 600 seconds (10 minutes)'),
    );
  }
  const signerName = spec.signerName ?? '';
  if (signerName === LEGACY_UNKNOWN_SIGNER) {
    errs.push(invalid('spec.signerName', signerName, 'the legacy signerName is not allowed via this API version'));
  } else {
    errs.push(...validateSignerName('spec.signerName', signerName));
  }
  errs.push(...validateConditions(obj));
  const problem = certificateProblem(bytesField(obj.status?.certificate));
  if (problem) errs.push(invalid('status.certificate', '<certificate data>', problem));
  return errs;
}

interface UpdateRules {
  /** The approval subresource may add and change Approved/Denied conditions. */
  allowApprovalConditions: boolean;
  /** The status subresource may set status.certificate once. */
  allowSettingCertificate: boolean;
}

function validateCsrUpdate(obj: Csr, old: Csr, rules: UpdateRules): FieldError[] {
  const errs = validateCsr(obj);
  const path = 'status.conditions';
  for (const type of [APPROVED, DENIED, FAILED]) {
    if (conditionsOfType(obj, type).length < conditionsOfType(old, type).length) {
      errs.push(forbidden(path, `updates may not remove a condition of type ${JSON.stringify(type)}`));
    }
  }
  if (!rules.allowApprovalConditions) {
    for (const type of [APPROVED, DENIED]) {
      const now = conditionsOfType(obj, type);
      const before = conditionsOfType(old, type);
      if (now.length > before.length) {
        errs.push(forbidden(path, `updates may not add a condition of type ${JSON.stringify(type)}`));
      } else if (now.length === before.length && !semanticEqual(now, before)) {
        errs.push(forbidden(path, `updates may not modify a condition of type ${JSON.stringify(type)}`));
      }
    }
  }
  if (!semanticEqual(obj.spec ?? {}, old.spec ?? {})) {
    errs.push(invalid('spec', '<immutable>', 'field is immutable'));
  }
  const cert = bytesField(obj.status?.certificate);
  const oldCert = bytesField(old.status?.certificate);
  if (!rules.allowSettingCertificate) {
    if (!cert.equals(oldCert)) errs.push(forbidden('status.certificate', 'updates may not set certificate content'));
  } else if (oldCert.length > 0 && !cert.equals(oldCert)) {
    errs.push(forbidden('status.certificate', 'updates may not modify existing certificate content'));
  }
  errs.push(...validateMetaUpdate(obj, old));
  return errs;
}

/** New conditions get lastUpdateTime now; lastTransitionTime is kept from an old condition of the same type and status. */
function populateConditionTimestamps(obj: Csr, old: Csr): void {
  const now = timeNow();
  for (const c of conditionsOf(obj)) {
    if (!c.lastUpdateTime) c.lastUpdateTime = now;
    if (!c.lastTransitionTime) {
      const same = conditionsOf(old).find((o) => o.type === c.type && o.status === c.status && o.lastTransitionTime);
      c.lastTransitionTime = same?.lastTransitionTime ?? now;
    }
  }
}

function setConditions(obj: Csr, conditions: Condition[]): void {
  obj.status = { ...(obj.status ?? {}), conditions };
  if (conditions.length === 0) delete obj.status.conditions;
}

const isApproval = (c: Condition): boolean => c.type === APPROVED || c.type === DENIED;

function defaultConditionStatus(obj: Csr): void {
  for (const c of conditionsOf(obj)) if (!c.status) c.status = 'True';
}

/** What the three CSR strategies share. */
const base: Omit<KindStrategy<Csr>, 'validateUpdate'> = {
  namespaced: false,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  statusPaths: ['status'],
  applyDefaults: defaultConditionStatus,
  validate: validateCsr,
  selectableFields(obj: Csr): Record<string, string> {
    return { 'spec.signerName': obj.spec?.signerName ?? '' };
  },
};

export const csrStrategy: KindStrategy = forStore<Csr>({
  ...base,

  prepareForCreate(obj) {
    const spec = obj.spec ?? (obj.spec = {});
    // the requester's identity is the server's to record, never the client's
    delete spec.username;
    delete spec.uid;
    delete spec.groups;
    delete spec.extra;
    delete obj.status;
  },

  beginCreate(obj, ctx) {
    if (!ctx.user) return;
    const spec = obj.spec ?? (obj.spec = {});
    spec.username = ctx.user.name;
    if (ctx.user.uid) spec.uid = ctx.user.uid;
    if (ctx.user.groups.length > 0) spec.groups = [...ctx.user.groups];
    const extra = ctx.user.extra;
    if (extra && Object.keys(extra).length > 0) spec.extra = deepClone(extra);
  },

  prepareForUpdate(obj, old) {
    obj.spec = deepClone(old.spec);
    obj.status = deepClone(old.status);
    if (obj.status === undefined) delete obj.status;
    keepOldGeneration(obj, old);
  },

  validateUpdate(obj, old) {
    return validateCsrUpdate(obj, old, { allowApprovalConditions: false, allowSettingCertificate: false });
  },
});

/** PUT/PATCH .../status: conditions other than Approved/Denied, and the issued certificate. */
export const csrStatusStrategy: KindStrategy = forStore<Csr>({
  ...base,
  resetFields: [['spec']],

  prepareForUpdate(obj, old) {
    obj.spec = deepClone(old.spec);
    // Approved and Denied conditions belong to the approval subresource
    const kept = conditionsOf(old).filter(isApproval);
    setConditions(obj, [...deepClone(kept), ...conditionsOf(obj).filter((c) => !isApproval(c))]);
    populateConditionTimestamps(obj, old);
    keepOldGeneration(obj, old);
  },

  validateUpdate(obj, old) {
    return validateCsrUpdate(obj, old, { allowApprovalConditions: false, allowSettingCertificate: true });
  },
});

/** PUT .../approval: only the Approved and Denied conditions change. */
export const csrApprovalStrategy: KindStrategy = forStore<Csr>({
  ...base,
  resetFields: [['spec'], ['status', 'certificate']],

  prepareForUpdate(obj, old) {
    const requested = conditionsOf(obj).filter(isApproval);
    obj.spec = deepClone(old.spec);
    obj.status = deepClone(old.status) ?? {};
    setConditions(obj, [...conditionsOf(obj).filter((c) => !isApproval(c)), ...requested]);
    populateConditionTimestamps(obj, old);
    keepOldGeneration(obj, old);
  },

  validateUpdate(obj, old) {
    return validateCsrUpdate(obj, old, { allowApprovalConditions: true, allowSettingCertificate: false });
  },
});

/** The requested lifetime in seconds, when the CSR asks for one. */
export function requestedExpirationSeconds(obj: Csr): number | undefined {
  const v = obj.spec?.expirationSeconds;
  return typeof v === 'number' ? v : undefined;
}
