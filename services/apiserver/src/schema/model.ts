/**
 * The schema model every generic layer reads (JSON codec, protobuf codec, OpenAPI,
 * discovery, validation, merge metadata). It is built at start-up from proto/ and
 * carries the upstream facts kept there next to each field.
 */
export type ScalarType =
  | 'string'
  | 'bool'
  | 'bytes'
  | 'int32'
  | 'int64'
  | 'uint32'
  | 'uint64'
  | 'sint32'
  | 'sint64'
  | 'fixed32'
  | 'fixed64'
  | 'sfixed32'
  | 'sfixed64'
  | 'double'
  | 'float';

export interface FieldSchema {
  /** proto field name */
  name: string;
  number: number;
  label: 'optional' | 'repeated' | 'map';
  kind: 'scalar' | 'message' | 'map';
  /** scalar name or fully qualified message name (no leading dot); for maps, see keyType/valueType */
  type: string;
  keyType?: ScalarType;
  valueType?: string;
  valueKind?: 'scalar' | 'message';
  /** JSON member name; '' when inline; '-' when not a JSON member */
  jsonName: string;
  omitempty: boolean;
  inline: boolean;
  /** Go pointer (or slice/map): written to protobuf only when set */
  pointer: boolean;
  goType?: string;
  /** +key=value comment markers, e.g. optional, listType, listMapKey, patchStrategy, patchMergeKey */
  markers: Record<string, string | boolean | string[]>;
}

/** Messages whose JSON form is not an object of their fields (see fixtures README). */
export type CustomJsonForm =
  | 'Time'
  | 'MicroTime'
  | 'Duration'
  | 'Quantity'
  | 'IntOrString'
  | 'RawJSON'
  | 'StringArray'
  | 'JSONSchemaPropsOrArray'
  | 'JSONSchemaPropsOrBool'
  | 'JSONSchemaPropsOrStringArray';

export interface MessageSchema {
  /** fully qualified, e.g. k8s.io.api.core.v1.ConfigMap */
  fullName: string;
  /** fields in declaration order */
  fields: FieldSchema[];
  markers: Record<string, string | boolean | string[]>;
  customJson?: CustomJsonForm;
}

export interface SchemaSet {
  message(fullName: string): MessageSchema;
  has(fullName: string): boolean;
  all(): Iterable<MessageSchema>;
}
