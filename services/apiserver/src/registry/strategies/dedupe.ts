import type { FieldError } from '../../api/errors';

/** Update validation re-runs create validation as upstream does; report each problem once. */
export function dedupeErrors(errs: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errs.filter((e) => {
    const id = `${e.type}\u0000${e.field}\u0000${e.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
