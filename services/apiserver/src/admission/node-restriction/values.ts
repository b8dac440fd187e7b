/** Reading untyped JSON objects, and Go's %q for the messages upstream formats with it. */

type Json = Record<string, unknown>;

export const asObject = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;

export const objects = (v: unknown): Json[] =>
  Array.isArray(v) ? v.map(asObject).filter((x): x is Json => x !== undefined) : [];

export const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Go's %q of a string (JSON's quoting agrees for the names and words these messages hold). */
export const q = (s: string): string => JSON.stringify(s);
