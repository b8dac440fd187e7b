import { StatusError, newBadRequest } from '../api/errors';

/** upstream's text for every 422 raised while applying a JSON patch or some strategic merge patches */
export const REJECTED_PATCH_MESSAGE = 'the server rejected our request due to an error in our request';

/**
 * 422 Invalid as kube-apiserver reports patch application failures: a generic message and
 * no causes. `detail` keeps the specific reason for logs and tests; it is not serialized.
 */
export class PatchRejectedError extends StatusError {
  constructor(readonly detail: string) {
    super(422, 'Invalid', REJECTED_PATCH_MESSAGE);
  }
}

export function patchBadRequest(message: string): StatusError {
  return newBadRequest(message);
}

export function patchRejected(detail: string): PatchRejectedError {
  return new PatchRejectedError(detail);
}

export function tooManyOperations(limit: number, got: number): StatusError {
  return new StatusError(
    413,
    'RequestEntityTooLarge',
    `Request entity too large: The allowed maximum operations in a JSON patch is ${limit}, got ${got}`,
  );
}
