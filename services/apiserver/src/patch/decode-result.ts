import { StatusError, newInvalid } from '../api/errors';
import { decodeObject, type DecodeResult } from '../codec/json';
import type { SchemaSet } from '../schema/model';

const SHOWN_VALUE_CHARS = 256;

/**
 * Decodes a patched object against its message, as upstream decodes the patched JSON into
 * the typed object: a result the schema cannot hold (an array where an object belongs, a
 * string where a number does) is 422 Invalid on the field "patch". Unknown members are
 * returned for the caller's fieldValidation handling.
 */
export function decodePatchedObject(schemas: SchemaSet, messageType: string, patched: unknown): DecodeResult {
  try {
    return decodeObject(schemas, messageType, patched);
  } catch (err) {
    if (!(err instanceof StatusError) || err.code !== 400) throw err;
    const json = JSON.stringify(patched) ?? 'null';
    const shown = json.length > SHOWN_VALUE_CHARS ? `${json.slice(0, SHOWN_VALUE_CHARS)}...` : json;
    throw newInvalid('', '', '', [
      { type: 'FieldValueInvalid', field: 'patch', message: `Invalid value: ${JSON.stringify(shown)}: ${err.message}` },
    ]);
  }
}
