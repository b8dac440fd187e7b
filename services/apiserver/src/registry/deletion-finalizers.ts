export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';

/**
 * The garbage-collector finalizers a DELETE asks for: Orphan adds `orphan`,
 * Foreground adds `foregroundDeletion`, Background removes both; no policy keeps
 * what the object has (the default policy for built-in kinds is Background).
 */
export function withPropagationFinalizers(finalizers: string[], policy: string | undefined): string[] {
  if (!policy) return [...finalizers];
  const rest = finalizers.filter((f) => f !== FOREGROUND_FINALIZER && f !== ORPHAN_FINALIZER);
  if (policy === 'Orphan') return [...rest, ORPHAN_FINALIZER];
  if (policy === 'Foreground') return [...rest, FOREGROUND_FINALIZER];
  return rest;
}
