import {
  newAlreadyExists,
  newConflict,
  newGone,
  newInternalError,
  newNotFound,
  StatusError,
  type GroupResource,
} from '../api/errors';
import { StorageError } from '../storage/errors';

/** The metav1.Status error a storage failure of resource gr (object `name`) answers, as upstream's storage error interpretation. */
export function statusForStorageError(gr: GroupResource, e: unknown, name: string): StatusError {
  if (e instanceof StatusError) return e;
  if (e instanceof StorageError) {
    switch (e.code) {
      case 'KeyNotFound':
        return newNotFound(gr, name);
      case 'KeyExists':
        return newAlreadyExists(gr, name);
      case 'ResourceVersionConflicts':
        return newConflict(
          gr,
          name,
          e.message || 'the object has been modified; please apply your changes to the latest version and try again',
        );
      case 'Expired':
        return newGone(e.message || 'The resourceVersion for the provided list is too old.');
      case 'TooLargeResourceVersion':
        return new StatusError(504, 'Timeout', `Too large resource version: ${e.message}`, {
          causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
          retryAfterSeconds: 1,
        });
      case 'InvalidObj':
      case 'InvalidError':
        return newConflict(gr, name, e.message);
      case 'TooLarge':
        return new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: ${e.message}`);
      case 'Unreachable':
        return new StatusError(503, 'ServiceUnavailable', `storage is unreachable: ${e.message}`);
      default:
        return newInternalError(e.message);
    }
  }
  return newInternalError(e instanceof Error ? e.message : String(e));
}
