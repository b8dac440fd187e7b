/**
 * Reads the schema model from the .proto text in proto/ with protobufjs. This is
 * the source of truth, but parsing some seventy files takes a few hundred
 * milliseconds, so a replica starts from proto/schema-set.json instead (written from
 * this by tools/gen-schema-set.ts, and checked by a test to match it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import type { CustomJsonForm, FieldSchema, MessageSchema, ScalarType } from './model';
import { defaultProtoDir } from './paths';

type Markers = Record<string, string | boolean | string[]>;
type ParsedOptions = Array<Record<string, unknown>> | undefined;

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const APIEXT = 'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions';

const CUSTOM_FORMS: Record<string, CustomJsonForm> = {
  [`${META}.Time`]: 'Time',
  [`${META}.MicroTime`]: 'MicroTime',
  [`${META}.Duration`]: 'Duration',
  [`${META}.FieldsV1`]: 'RawJSON',
  [`${META}.Verbs`]: 'StringArray',
  'k8s.io.apimachinery.pkg.api.resource.Quantity': 'Quantity',
  'k8s.io.apimachinery.pkg.api.resource.QuantityValue': 'Quantity',
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': 'IntOrString',
  'k8s.io.apimachinery.pkg.runtime.RawExtension': 'RawJSON',
};
for (const v of ['v1', 'v1beta1']) {
  CUSTOM_FORMS[`${APIEXT}.${v}.JSON`] = 'RawJSON';
  CUSTOM_FORMS[`${APIEXT}.${v}.JSONSchemaPropsOrArray`] = 'JSONSchemaPropsOrArray';
  CUSTOM_FORMS[`${APIEXT}.${v}.JSONSchemaPropsOrBool`] = 'JSONSchemaPropsOrBool';
  CUSTOM_FORMS[`${APIEXT}.${v}.JSONSchemaPropsOrStringArray`] = 'JSONSchemaPropsOrStringArray';
}

export function customJsonFormOf(fullName: string): CustomJsonForm | undefined {
  const form = CUSTOM_FORMS[fullName];
  if (form) return form;
  // user.Info extra values: one such message per authn/authz/certificates version
  if (fullName.endsWith('.ExtraValue')) return 'StringArray';
  return undefined;
}

/** Markers whose values are lists even with one occurrence (wire facts convention). */
const ALWAYS_LIST_MARKERS = new Set(['listMapKey']);

export function parseMarkers(parsed: ParsedOptions): Markers {
  const markers: Markers = {};
  for (const opt of parsed ?? []) {
    const raw = opt['(k8s.marker)'];
    if (typeof raw !== 'string') continue;
    const eq = raw.indexOf('=');
    const key = eq < 0 ? raw : raw.slice(0, eq);
    const value: string | true = eq < 0 ? true : raw.slice(eq + 1);
    const prev = markers[key];
    if (prev === undefined) {
      markers[key] = ALWAYS_LIST_MARKERS.has(key) ? [String(value)] : value;
    } else if (Array.isArray(prev)) {
      prev.push(String(value));
    } else {
      markers[key] = [String(prev), String(value)];
    }
  }
  return markers;
}

function stripDot(name: string): string {
  return name.startsWith('.') ? name.slice(1) : name;
}

function optionString(opts: { [k: string]: unknown } | undefined, key: string): string | undefined {
  const v = opts?.[key];
  return typeof v === 'string' ? v : undefined;
}

function fieldSchema(f: protobuf.Field): FieldSchema {
  const opts = f.options;
  const tag = optionString(opts, '(k8s.json)');
  const goType = optionString(opts, '(k8s.go_type)');
  const tagParts = tag === undefined ? [] : tag.split(',');
  const jsonName = tag === undefined ? '-' : tagParts[0];
  const isMap = f instanceof protobuf.MapField;
  const resolved = f.resolvedType;
  const messageType = resolved instanceof protobuf.Type;
  const label: FieldSchema['label'] = isMap ? 'map' : f.repeated ? 'repeated' : 'optional';
  const schema: FieldSchema = {
    name: f.name,
    number: f.id,
    label,
    kind: isMap ? 'map' : messageType ? 'message' : 'scalar',
    type: isMap ? 'map' : messageType ? resolved.fullName.slice(1) : stripDot(f.type),
    jsonName,
    omitempty: tagParts.includes('omitempty'),
    inline: tagParts.includes('inline'),
    pointer: label !== 'optional' || (goType !== undefined && /^(\*|\[\]|map\[)/.test(goType)),
    markers: parseMarkers(f.parsedOptions as ParsedOptions),
  };
  if (goType !== undefined) schema.goType = goType;
  if (isMap) {
    schema.keyType = (f as protobuf.MapField).keyType as ScalarType;
    schema.valueKind = messageType ? 'message' : 'scalar';
    schema.valueType = messageType ? resolved.fullName.slice(1) : stripDot(f.type);
  }
  return schema;
}

function messageSchema(t: protobuf.Type): MessageSchema {
  const fullName = t.fullName.slice(1);
  const schema: MessageSchema = {
    fullName,
    fields: t.fieldsArray.map(fieldSchema),
    markers: parseMarkers(t.parsedOptions as ParsedOptions),
  };
  const form = customJsonFormOf(fullName);
  if (form) schema.customJson = form;
  return schema;
}

function listProtoFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listProtoFiles(p));
    else if (entry.name.endsWith('.proto')) out.push(p);
  }
  return out.sort();
}

/** A protobufjs Root holding every message under protoDir; imports resolve against protoDir. */
export function loadProtoRoot(protoDir: string = defaultProtoDir()): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string) =>
    path.isAbsolute(target) ? target : path.join(protoDir, target);
  root.loadSync(listProtoFiles(protoDir), { keepCase: true });
  root.resolveAll();
  return root;
}

function collectTypes(ns: protobuf.NamespaceBase, out: protobuf.Type[]): void {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type) out.push(nested);
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) collectTypes(nested, out);
  }
}

/** Every message under protoDir, in the order protobufjs nests them (files sorted by path). */
export function parseMessageSchemas(protoDir: string = defaultProtoDir()): MessageSchema[] {
  const types: protobuf.Type[] = [];
  collectTypes(loadProtoRoot(protoDir), types);
  return types.map(messageSchema);
}
