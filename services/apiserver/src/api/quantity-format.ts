/**
 * Quantities as values that remember how they print: resource.Quantity keeps
 * the format its text was written in, and its canonical text (Quantity.String(),
 * what apimachinery puts in messages) uses a suffix of that format.
 */
import { formatQuantity as formatNanos, parseQuantity, quantityFormatOf, type QuantityFormat } from './quantity';

export type { QuantityFormat };

/** A parsed quantity: its value in nano-units and the format it prints in. */
export interface Quantity {
  nanos: bigint;
  format: QuantityFormat;
}

/** The quantity a resource list's value holds; undefined when it does not parse. */
export function toQuantity(text: string): Quantity | undefined {
  const nanos = parseQuantity(text);
  return nanos === undefined ? undefined : { nanos, format: quantityFormatOf(text) };
}

/** Quantity.String() of a parsed quantity. */
export function formatQuantity(q: Quantity): string {
  return formatNanos(q.nanos, q.format);
}

/** The canonical text of a quantity's text (text that does not parse stays as it is). */
export function canonicalQuantity(text: string): string {
  const q = toQuantity(text);
  return q ? formatQuantity(q) : text;
}
