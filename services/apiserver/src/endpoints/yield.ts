/**
 * Big bodies cost hundreds of milliseconds of synchronous work per phase (decode, managedFields,
 * encode); a request that yields between phases lets /healthz, watches and small requests run
 * in between instead of waiting behind the whole pipeline of several big requests.
 */
export const YIELD_ABOVE_BYTES = 256 * 1024;

/** Resolves on the next turn of the event loop (after pending I/O), for bodies of at least YIELD_ABOVE_BYTES. */
export function yieldForLargeBody(bodyBytes: number): Promise<void> | undefined {
  if (bodyBytes < YIELD_ABOVE_BYTES) return undefined;
  return new Promise((resolve) => setImmediate(resolve));
}
