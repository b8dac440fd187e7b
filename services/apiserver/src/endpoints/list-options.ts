import { newBadRequest, newInvalid, StatusError, type FieldError } from '../api/errors';
import type { GenericStore, ListParams } from '../registry/generic-store';
import { checkSupportedFields, matchesFields, parseFieldSelector, requiredFieldValues } from '../selection/fields';
import { matchesLabels, parseLabelSelector, requiredLabelValues } from '../selection/labels';

const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
/** Storage reads at most this many items a page; a larger limit means "everything" in practice. */
const MAX_STORAGE_LIMIT = 2 ** 31 - 1;

/** An int64 query parameter as upstream's parameter codec reads it (strconv.ParseInt). */
export function parseIntParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^[+-]?\d+$/.test(v))
    throw newBadRequest(`invalid value for ${name}: strconv.ParseInt: parsing "${v}": invalid syntax`);
  const big = BigInt(v);
  if (big > INT64_MAX || big < -INT64_MAX - 1n) {
    throw newBadRequest(`invalid value for ${name}: strconv.ParseInt: parsing "${v}": value out of range`);
  }
  return Number(big);
}

export function isDryRun(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  for (const v of values) {
    if (v !== 'All') throw newBadRequest(`Invalid dryRun value: ${v}, supported values: All`);
  }
  return values.length > 0;
}

/** Upstream's ListOptions validation, which differs for list and watch. */
function validateListOptions(
  isWatch: boolean,
  rv: string,
  rvm: string,
  sendInitialEvents: string | null,
): FieldError[] {
  const errs: FieldError[] = [];
  const forbidden = (field: string, message: string): void => {
    errs.push({ type: 'FieldValueForbidden', field, message: `Forbidden: ${message}` });
  };
  if (rvm && rvm !== 'NotOlderThan' && rvm !== 'Exact') {
    errs.push({
      type: 'FieldValueNotSupported',
      field: 'resourceVersionMatch',
      message: `Unsupported value: "${rvm}": supported values: "Exact", "NotOlderThan"`,
    });
  }
  if (isWatch) {
    if (sendInitialEvents !== null && rvm !== 'NotOlderThan') {
      forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
    }
    if (rvm && sendInitialEvents === null) {
      forbidden(
        'resourceVersionMatch',
        'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
      );
    }
  } else {
    if (rvm && !rv)
      forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (rvm === 'Exact' && rv === '0') {
      forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    }
  }
  return errs;
}

/** resourceVersion must parse as etcd's uint64 revision; one past it is bad input, not a wait. */
function checkResourceVersion(rv: string): void {
  if (rv === '') return;
  if (!/^\d+$/.test(rv) || BigInt(rv) > UINT64_MAX) {
    throw new StatusError(400, 'BadRequest', `resourceVersion: Invalid value: "${rv}": must be a non-negative integer`);
  }
}

/** Selectors, resourceVersion semantics and paging of a list, watch or deletecollection. */
export function listParams(store: GenericStore, q: URLSearchParams, isWatch = false): ListParams {
  const params: ListParams = {};
  const ls = q.get('labelSelector');
  if (ls) {
    const sel = parseLabelSelector(ls);
    params.labelMatch = (labels) => matchesLabels(sel, labels);
    params.requiredLabels = requiredLabelValues(sel);
  }
  const fs = q.get('fieldSelector');
  if (fs) {
    const sel = parseFieldSelector(fs);
    checkSupportedFields(sel, store.supportedFieldLabels());
    params.fieldMatch = (fields) => matchesFields(sel, fields);
    params.requiredFields = requiredFieldValues(sel);
  }
  const rv = q.get('resourceVersion');
  if (rv !== null) {
    checkResourceVersion(rv);
    params.resourceVersion = rv;
  }
  const rvm = q.get('resourceVersionMatch') ?? '';
  const errs = validateListOptions(isWatch, rv ?? '', rvm, q.get('sendInitialEvents'));
  if (errs.length > 0) throw newInvalid('ListOptions', 'meta.k8s.io', '', errs);
  if (rvm === 'NotOlderThan' || rvm === 'Exact') params.resourceVersionMatch = rvm;
  const limit = parseIntParam(q, 'limit');
  if (limit !== undefined && limit > 0) params.limit = Math.min(limit, MAX_STORAGE_LIMIT);
  const cont = q.get('continue');
  if (cont) params.continueToken = cont;
  return params;
}
