import { StatusError } from '../../api/errors';

export function isStatusError(err: unknown, code: number): boolean {
  return err instanceof StatusError && err.code === code;
}
