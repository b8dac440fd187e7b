import { deepClone } from './common';

/**
 * The spec/status split of kinds with a status subresource: the main resource
 * never writes status (a create starts without one, an update keeps the stored
 * one) and the status subresource writes nothing else.
 */
export const STATUS_PATHS = ['status'];

export function dropStatus(obj: object): void {
  Reflect.deleteProperty(obj, 'status');
}

export function keepOldStatus(obj: object, old: object): void {
  const status: unknown = Reflect.get(old, 'status');
  if (status === undefined) Reflect.deleteProperty(obj, 'status');
  else Reflect.set(obj, 'status', deepClone(status));
}
