import { isMap, isScalar, isSeq, parse as parseYaml, parseDocument } from 'yaml';
import { findDuplicateFields } from '../codec/json-duplicates';
import { newBadRequest, StatusError } from '../api/errors';
import { isPlainObject, type KubeObject } from '../api/object';
import { decodeObject } from '../codec/json';
import { decodeUnknown } from '../codec/envelope';
import { decodeMessage } from '../codec/protobuf';
import type { SchemaSet } from '../schema/model';
import type { InputMedia } from './negotiation';

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

export interface DecodedBody {
  object: KubeObject;
  /** Warning header values, upstream's format, for fieldValidation=Warn */
  warnings: string[];
}

export interface ExpectedType {
  group: string;
  version: string;
  kind: string;
  messageType: string;
}

export function parseFieldValidation(value: string | null): FieldValidation {
  if (value === null || value === '') return 'Warn';
  if (value === 'Ignore' || value === 'Warn' || value === 'Strict') return value;
  throw newBadRequest(`fieldValidation must be one of Ignore, Warn, or Strict, got ${value}`);
}

export function parseJsonBody(buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw newBadRequest(`error decoding JSON body: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Keys repeated within one YAML mapping, as dotted paths. */
export function yamlDuplicates(buf: Buffer): string[] {
  const out: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const child = path ? `${path}.${key}` : key;
        if (seen.has(key)) out.push(child);
        seen.add(key);
        walk(pair.value, child);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, `${path}[${i}]`));
    }
  };
  try {
    walk(parseDocument(buf.toString('utf8'), { uniqueKeys: false }).contents, '');
  } catch {
    return [];
  }
  return out;
}

export function parseYamlBody(buf: Buffer): unknown {
  try {
    return parseYaml(buf.toString('utf8'), { uniqueKeys: false, maxAliasCount: 100, merge: false });
  } catch (e) {
    throw newBadRequest(`error converting YAML to JSON: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
}

/**
 * A body's TypeMeta must name the endpoint's type; missing parts default to it, as
 * upstream decodes into the endpoint's kind (the Python client omits both).
 */
function checkTypeMeta(apiVersion: string, kind: string, expected: ExpectedType): void {
  const gv = expected.group ? `${expected.group}/${expected.version}` : expected.version;
  if (apiVersion && apiVersion !== gv) {
    throw newBadRequest(`the API version in the data (${apiVersion}) does not match the expected API version (${gv})`);
  }
  if (kind && kind !== expected.kind) {
    throw newBadRequest(`the kind in the data (${kind}) does not match the expected kind (${expected.kind})`);
  }
}

/**
 * Decodes a create/update body into the resource's JSON shape, checking its
 * type meta and reporting unknown fields as fieldValidation asks.
 */
export function decodeBody(
  schemas: SchemaSet,
  media: InputMedia,
  buf: Buffer,
  expected: ExpectedType,
  validation: FieldValidation,
): DecodedBody {
  if (media === 'protobuf') {
    const unknown = decodeUnknown(buf);
    checkTypeMeta(unknown.apiVersion, unknown.kind, expected);
    const object = decodeMessage(schemas, expected.messageType, unknown.raw);
    return { object: { apiVersion: unknown.apiVersion, kind: unknown.kind, ...object }, warnings: [] };
  }
  const value = media === 'yaml' ? parseYamlBody(buf) : parseJsonBody(buf);
  const duplicates =
    validation === 'Ignore' ? [] : media === 'yaml' ? yamlDuplicates(buf) : findDuplicateFields(buf.toString('utf8'));
  return decodeValue(schemas, value, expected, validation, duplicates);
}

/**
 * Decodes an already parsed body (the codec bounds its depth), checking its type meta
 * and reporting unknown and duplicate fields as fieldValidation asks.
 */
export function decodeValue(
  schemas: SchemaSet,
  value: unknown,
  expected: ExpectedType,
  validation: FieldValidation,
  duplicates: string[],
): DecodedBody {
  if (!isPlainObject(value)) {
    throw newBadRequest(`the body of the request must be a ${expected.kind} object`);
  }
  if (value.apiVersion !== undefined && value.apiVersion !== null && typeof value.apiVersion !== 'string') {
    throw newBadRequest('apiVersion must be a string');
  }
  if (value.kind !== undefined && value.kind !== null && typeof value.kind !== 'string') {
    throw newBadRequest('kind must be a string');
  }
  const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : '';
  const kind = typeof value.kind === 'string' ? value.kind : '';
  checkTypeMeta(apiVersion, kind, expected);
  // the value was parsed for this request alone, so its maps can become the object's
  const { object, unknownFields } = decodeObject(schemas, expected.messageType, value, { reuseInput: true });
  return { object, warnings: fieldWarnings(unknownFields, validation, duplicates) };
}

export function fieldWarnings(
  unknownFields: string[],
  validation: FieldValidation,
  duplicates: string[] = [],
): string[] {
  if ((unknownFields.length === 0 && duplicates.length === 0) || validation === 'Ignore') return [];
  const messages = [
    ...unknownFields.map((f) => `unknown field "${f.replace(/^\./, '')}"`),
    ...duplicates.map((f) => `duplicate field "${f}"`),
  ];
  if (validation === 'Strict') {
    throw new StatusError(400, 'BadRequest', `strict decoding error: ${messages.join(', ')}`);
  }
  return messages;
}
