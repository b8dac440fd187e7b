import type { FieldError } from '../../api/errors';
import { invalid, required, tooLong } from '../validation/field';
import { isDNS1123Subdomain } from '../validation/names';

const CSI_DRIVER_NAME_MAX_LENGTH = 63;

/** ValidateCSIDriverName: a DNS subdomain (case-insensitive) of at most 63 characters. */
export function validateCSIDriverName(name: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (name.length === 0) errs.push(required(path));
  if (name.length > CSI_DRIVER_NAME_MAX_LENGTH) errs.push(tooLong(path, CSI_DRIVER_NAME_MAX_LENGTH));
  for (const msg of isDNS1123Subdomain(name.toLowerCase())) errs.push(invalid(path, name, msg));
  return errs;
}

/** Node names are DNS subdomains. */
export function validateNodeName(name: string, path: string): FieldError[] {
  return isDNS1123Subdomain(name).map((msg) => invalid(path, name, msg));
}
