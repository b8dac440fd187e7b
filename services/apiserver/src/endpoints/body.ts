import { yamlLib } from '../codec/yaml-lib';
import { findDuplicateFields, hasNoRepeatedMembers } from '../codec/json-duplicates';
import {
  excessNestingMessage,
  findExcessNesting,
  MAX_JSON_NESTING_DEPTH,
  scanJsonText,
  valueDepthExceeds,
  type JsonTextShape,
} from '../codec/json-depth';
import { newBadRequest, StatusError } from '../api/errors';
import { keysFreezingLarge } from '../api/key-snapshots';
import { isPlainObject, type KubeObject } from '../api/object';
import { decodeObject, MAX_STRICT_ERRORS } from '../codec/json';
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
  return parseJsonText(buf.toString('utf8')).value;
}

/** The parsed text, and what its depth scan found on the way. */
function parseJsonText(text: string): { value: unknown; shape: JsonTextShape } {
  // refused before parsing, as Go's scanner does, so nothing downstream walks a deeper value
  const shape = scanJsonText(text);
  if (shape.excess) throw newBadRequest(`error decoding JSON body: ${excessNestingMessage(shape.excess)}`);
  try {
    return { value: JSON.parse(text) as unknown, shape };
  } catch (e) {
    throw newBadRequest(`error decoding JSON body: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Keys repeated within one YAML mapping, as dotted paths. */
export function yamlDuplicates(buf: Buffer): string[] {
  if (jsonYamlBodies.has(buf) || (startsLikeJsonObject(buf.toString('utf8')) && parseJsonYaml(buf))) {
    return findDuplicateFields(buf.toString('utf8'));
  }
  const { isMap, isScalar, isSeq, parseDocument } = yamlLib();
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

/** Bodies of a YAML media type that were JSON text (what kubectl and client-go send for apply). */
const jsonYamlBodies = new WeakSet<Buffer>();

function startsLikeJsonObject(text: string): boolean {
  const m = /^\s*/.exec(text);
  return text.charCodeAt(m ? m[0].length : 0) === 123;
}

/**
 * JSON is YAML, and a JSON document means the same under either reading; JSON.parse reads
 * megabytes in milliseconds where the YAML parser takes seconds, so JSON text is read as JSON.
 * Undefined when the text is not JSON (a YAML flow mapping such as `{a: 1}`).
 */
function parseJsonYaml(buf: Buffer): { value: unknown } | undefined {
  const text = buf.toString('utf8');
  if (!startsLikeJsonObject(text)) return undefined;
  const excess = findExcessNesting(text);
  if (excess) throw newBadRequest(YAML_TOO_DEEP);
  try {
    const value: unknown = JSON.parse(text);
    jsonYamlBodies.add(buf);
    return { value };
  } catch {
    return undefined;
  }
}

export function parseYamlBody(buf: Buffer): unknown {
  const json = parseJsonYaml(buf);
  if (json) return json.value;
  let value: unknown;
  try {
    value = yamlLib().parse(buf.toString('utf8'), { uniqueKeys: false, maxAliasCount: 100, merge: false });
  } catch (e) {
    // the YAML parser recurses per flow level: a deep enough `[[[...` ends its stack, not the process
    // (the parser reports its own overflow as a parse error at the position it reached)
    if (e instanceof RangeError || (e instanceof Error && /Maximum call stack size exceeded/.test(e.message))) {
      throw newBadRequest(YAML_TOO_DEEP);
    }
    throw newBadRequest(`error converting YAML to JSON: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  // the YAML becomes JSON upstream, and that JSON meets the same depth limit
  if (valueDepthExceeds(value)) throw newBadRequest(YAML_TOO_DEEP);
  return value;
}

const YAML_TOO_DEEP = `error converting YAML to JSON: exceeded max depth of ${MAX_JSON_NESTING_DEPTH}`;

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

export interface DecodeBodyOptions {
  /**
   * Freeze the body's large maps with their key lists (api/key-snapshots.ts), so that the decode
   * and what follows enumerate each once. Only for a body that is checked and thrown away: nothing
   * may change those maps afterwards.
   */
  freezeLargeMaps?: boolean;
}

/** Objects with at least this many keys are frozen with their key lists when a decode asks for it. */
const LARGE_MAP_KEYS = 1024;

/**
 * The repeated members of a JSON body, for fieldValidation. When large maps are to be frozen, the
 * member count check enumerates every object anyway: it freezes them on the way, and the text is
 * read again only when the counts say some name repeats, to name it.
 */
function jsonDuplicates(
  parsed: ReturnType<typeof parseJsonText>,
  text: string,
  validation: FieldValidation,
  freeze: boolean,
): string[] {
  if (!freeze) return validation === 'Ignore' ? [] : findDuplicateFields(text);
  const unique = hasNoRepeatedMembers(parsed.value, parsed.shape, (obj) => keysFreezingLarge(obj, LARGE_MAP_KEYS));
  return validation === 'Ignore' || unique ? [] : findDuplicateFields(text);
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
  opts: DecodeBodyOptions = {},
): DecodedBody {
  if (media === 'protobuf') {
    const unknown = decodeUnknown(buf);
    checkTypeMeta(unknown.apiVersion, unknown.kind, expected);
    const object = decodeMessage(schemas, expected.messageType, unknown.raw);
    return { object: { apiVersion: unknown.apiVersion, kind: unknown.kind, ...object }, warnings: [] };
  }
  if (media === 'yaml') {
    const value = parseYamlBody(buf);
    return decodeValue(schemas, value, expected, validation, validation === 'Ignore' ? [] : yamlDuplicates(buf));
  }
  const text = buf.toString('utf8');
  const parsed = parseJsonText(text);
  const duplicates = jsonDuplicates(parsed, text, validation, opts.freezeLargeMaps === true);
  return decodeValue(schemas, parsed.value, expected, validation, duplicates);
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
  // as upstream's decoder: distinct messages, at most MAX_STRICT_ERRORS of them, so neither the
  // warnings nor a strict error grow with a body of 100,000 unknown fields
  const seen = new Set<string>();
  const add = (m: string): void => {
    if (seen.size < MAX_STRICT_ERRORS) seen.add(m);
  };
  for (const f of unknownFields) add(`unknown field "${f.replace(/^\./, '')}"`);
  for (const f of duplicates) add(`duplicate field "${f}"`);
  const messages = [...seen];
  if (validation === 'Strict') {
    throw new StatusError(400, 'BadRequest', `strict decoding error: ${messages.join(', ')}`);
  }
  return messages;
}
