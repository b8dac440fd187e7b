import type { FieldError } from '../../api/errors';

/**
 * Field errors rendered the way apimachinery's field.Error prints them, so that
 * clients parsing `kubectl` style messages (and humans comparing with a real
 * cluster) see identical text.
 */

/** A bad value already rendered as Go's fmt would print it (maps, structs). */
export class GoValue {
  constructor(readonly text: string) {}
}

export type BadValue = string | number | boolean | null | undefined | GoValue | object;

export function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

/** Map keys are not quoted upstream: `data[my key]`. */
export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}

/** Go's %q for the strings we meet; JSON escaping differs only for control characters. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Go's %#v of a map[string]string: keys sorted, `(nil)` when absent. */
export function goStringMap(m: Record<string, string> | undefined | null): GoValue {
  if (m === undefined || m === null) return new GoValue('map[string]string(nil)');
  const entries = Object.keys(m)
    .sort()
    .map((k) => `${goQuote(k)}:${goQuote(String(m[k]))}`);
  return new GoValue(`map[string]string{${entries.join(', ')}}`);
}

function formatBadValue(value: BadValue): string {
  if (value instanceof GoValue) return value.text;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function withDetail(body: string, detail: string | undefined): string {
  return detail ? `${body}: ${detail}` : body;
}

export function required(field: string, detail = ''): FieldError {
  return { type: 'FieldValueRequired', field, message: withDetail('Required value', detail) };
}

export function invalid(field: string, value: BadValue, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, message: withDetail(`Invalid value: ${formatBadValue(value)}`, detail) };
}

export function forbidden(field: string, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field, message: withDetail('Forbidden', detail) };
}

export function duplicate(field: string, value: BadValue): FieldError {
  return { type: 'FieldValueDuplicate', field, message: `Duplicate value: ${formatBadValue(value)}` };
}

export function notSupported(field: string, value: BadValue, supported: readonly string[]): FieldError {
  const detail = supported.length > 0 ? `supported values: ${supported.map(goQuote).join(', ')}` : '';
  return {
    type: 'FieldValueNotSupported',
    field,
    message: withDetail(`Unsupported value: ${formatBadValue(value)}`, detail),
  };
}

/** Upstream's NotFound has no dedicated FieldError type here; it is reported as Invalid with the "Not found" text. */
export function notFound(field: string, value: BadValue): FieldError {
  return { type: 'FieldValueInvalid', field, message: `Not found: ${formatBadValue(value)}` };
}

export function tooLong(field: string, maxLength: number): FieldError {
  const detail = maxLength >= 0 ? `may not be more than ${maxLength} bytes` : 'value is too long';
  return { type: 'FieldValueTooLong', field, message: withDetail('Too long', detail) };
}

export function tooMany(field: string, actual: number, max: number): FieldError {
  const detail = max >= 0 ? `must have at most ${max} ${max === 1 ? 'item' : 'items'}` : 'has too many items';
  const body = actual >= 0 ? `Too many: ${actual}` : 'Too many';
  return { type: 'FieldValueTooMany', field, message: withDetail(body, detail) };
}

export const FIELD_IMMUTABLE = 'field is immutable';
export const IS_NEGATIVE = 'must be greater than or equal to 0';

export function validateNonnegative(value: number | undefined, field: string): FieldError[] {
  return value !== undefined && value < 0 ? [invalid(field, value, IS_NEGATIVE)] : [];
}
