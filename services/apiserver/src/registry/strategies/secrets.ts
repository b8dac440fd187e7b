import type { FieldError } from '../../api/errors';
import { isPlainObject } from '../../api/object';
import type { Secret } from '../../generated/k8s.io.api.core.v1';
import { child, invalid, key, required, tooLong } from '../validation/field';
import { validateImmutableField } from '../validation/objectmeta';
import { nameIsDNSSubdomain } from '../validation/names';
import {
  MAX_CONFIG_DATA_SIZE_BYTES,
  base64DecodedLength,
  validateConfigKeys,
  validateImmutablePayload,
} from './configmaps';
import {
  forStore,
  keepOldGeneration,
  metaOf,
  objectAt,
  stringAt,
  validateMetaCreate,
  validateMetaUpdate,
  type HasMeta,
  type KindStrategy,
} from './common';
import { dedupeErrors } from './dedupe';

export const SECRET_TYPE_OPAQUE = 'Opaque';
const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
const REDACTED = '<secret contents redacted>';

/** stringData is a write-only convenience: it overwrites data and is never stored. */
function mergeStringData(obj: Secret): void {
  const stringData = obj.stringData;
  delete obj.stringData;
  if (!isPlainObject(stringData) || Object.keys(stringData).length === 0) return;
  const data = isPlainObject(obj.data) ? obj.data : {};
  for (const [k, v] of Object.entries(stringData)) {
    data[k] = Buffer.from(typeof v === 'string' ? v : String(v), 'utf8').toString('base64');
  }
  obj.data = data;
}

function decodedJsonError(base64: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
    return isPlainObject(parsed) ? undefined : 'json: cannot unmarshal into Go value of type map[string]interface {}';
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

function validateTypedData(obj: HasMeta, data: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(data, k);
  const jsonKey = (k: string): void => {
    if (!has(k)) {
      errs.push(required(key('data', k)));
      return;
    }
    const problem = decodedJsonError(typeof data[k] === 'string' ? data[k] : '');
    if (problem) errs.push(invalid(key('data', k), REDACTED, problem));
  };
  switch (stringAt(obj, 'type')) {
    case 'kubernetes.io/service-account-token': {
      const annotations = metaOf(obj).annotations ?? {};
      if (!annotations[SERVICE_ACCOUNT_NAME_ANNOTATION]) {
        errs.push(required(key('metadata.annotations', SERVICE_ACCOUNT_NAME_ANNOTATION)));
      }
      break;
    }
    case 'kubernetes.io/dockercfg':
      jsonKey('.dockercfg');
      break;
    case 'kubernetes.io/dockerconfigjson':
      jsonKey('.dockerconfigjson');
      break;
    case 'kubernetes.io/basic-auth':
      // Either may be empty, but at least one must be present.
      if (!has('username') && !has('password')) {
        errs.push(required(key('data', 'username')), required(key('data', 'password')));
      }
      break;
    case 'kubernetes.io/ssh-auth': {
      const v = data['ssh-privatekey'];
      if (typeof v !== 'string' || base64DecodedLength(v) === 0) errs.push(required(key('data', 'ssh-privatekey')));
      break;
    }
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(required(key('data', 'tls.crt')));
      if (!has('tls.key')) errs.push(required(key('data', 'tls.key')));
      break;
    default:
      break;
  }
  return errs;
}

export function validateSecret(obj: HasMeta): FieldError[] {
  const errs = validateMetaCreate(obj, { namespaced: true, nameValidator: nameIsDNSSubdomain });
  const data = objectAt(obj, 'data') ?? {};
  errs.push(...validateConfigKeys(Object.keys(data), 'data'));
  let total = 0;
  for (const v of Object.values(data)) total += typeof v === 'string' ? base64DecodedLength(v) : 0;
  if (total > MAX_CONFIG_DATA_SIZE_BYTES) errs.push(tooLong('data', MAX_CONFIG_DATA_SIZE_BYTES));
  errs.push(...validateTypedData(obj, data));
  return errs;
}

export const secretStrategy: KindStrategy = forStore<Secret>({
  namespaced: true,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,

  applyDefaults(obj) {
    mergeStringData(obj);
    if (!stringAt(obj, 'type')) obj.type = SECRET_TYPE_OPAQUE;
  },

  prepareForCreate(obj) {
    mergeStringData(obj);
  },

  prepareForUpdate(obj, old) {
    mergeStringData(obj);
    if (!stringAt(obj, 'type') && stringAt(old, 'type')) obj.type = old.type;
    keepOldGeneration(obj, old);
  },

  validate: validateSecret,

  validateUpdate(obj, old) {
    return dedupeErrors([
      ...validateMetaUpdate(obj, old),
      ...validateImmutableField(stringAt(obj, 'type'), stringAt(old, 'type'), child('', 'type')),
      ...validateImmutablePayload(obj, old, ['data']),
      ...validateSecret(obj),
    ]);
  },

  selectableFields(obj) {
    return { type: stringAt(obj, 'type') };
  },
});
