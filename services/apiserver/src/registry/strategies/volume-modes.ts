import type { FieldError } from '../../api/errors';
import { forbidden, notSupported, required } from '../validation/field';

/** Shared by PersistentVolume and PersistentVolumeClaim specs. */
export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const VOLUME_MODES = ['Block', 'Filesystem'];
const READ_WRITE_ONCE_POD = 'ReadWriteOncePod';

/** accessModes: at least one, each known, ReadWriteOncePod alone. */
export function validateAccessModes(modes: string[] | undefined, path: string, requiredDetail = ''): FieldError[] {
  const list = modes ?? [];
  if (list.length === 0) return [required(path, requiredDetail)];
  const errs: FieldError[] = [];
  let podExclusive = false;
  let other = false;
  for (const mode of list) {
    if (!ACCESS_MODES.includes(mode)) errs.push(notSupported(path, mode, ACCESS_MODES));
    else if (mode === READ_WRITE_ONCE_POD) podExclusive = true;
    else other = true;
  }
  if (podExclusive && other) errs.push(forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

export function validateVolumeMode(mode: string | undefined, path: string): FieldError[] {
  return mode !== undefined && !VOLUME_MODES.includes(mode) ? [notSupported(path, mode, VOLUME_MODES)] : [];
}

/** How kubectl abbreviates access modes: RWO, ROX, RWX, RWOP, in that order. */
export function accessModesShort(modes: readonly string[]): string {
  const short: Array<[string, string]> = [
    ['ReadWriteOnce', 'RWO'],
    ['ReadOnlyMany', 'ROX'],
    ['ReadWriteMany', 'RWX'],
    ['ReadWriteOncePod', 'RWOP'],
  ];
  return short
    .filter(([mode]) => modes.includes(mode))
    .map(([, abbr]) => abbr)
    .join(',');
}
