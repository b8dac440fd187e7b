import type { FieldError } from '../../api/errors';
import { duplicate, index, invalid } from '../validation/field';
import { isDNS1123Subdomain } from '../validation/names';
import { objectAt, objectsAt, stringAt, type Obj } from './common';
import { parseIPSloppy, validateIP } from './net-validation';

/**
 * The pod status rules of upstream's ValidatePodStatusUpdate that need no
 * kubelet knowledge, and the v1 podIP/podIPs (hostIP/hostIPs) pairing its
 * conversion keeps.
 */

/** v1 carries both the singular field and the list; the list's first entry is the singular one. */
function syncPair(status: Obj, single: string, plural: string): void {
  const list = objectsAt(status, plural);
  const one = stringAt(status, single);
  if (list.length === 0 && one !== '') status[plural] = [{ ip: one }];
  else if (list.length > 0) status[single] = stringAt(list[0], 'ip');
}

export function syncPodStatusIPs(pod: object): void {
  const status = objectAt(pod, 'status');
  if (!status) return;
  syncPair(status, 'podIP', 'podIPs');
  syncPair(status, 'hostIP', 'hostIPs');
}

/** validatePodIPs/validateHostIPs: valid addresses, at most one per family, no repeats. */
function validateIPList(status: Obj | undefined, plural: string): FieldError[] {
  const path = `status.${plural}`;
  const list = objectsAt(status, plural);
  const errs: FieldError[] = [];
  list.forEach((entry, i) => errs.push(...validateIP(stringAt(entry, 'ip'), index(path, i))));
  if (errs.length > 0 || list.length < 2) return errs;
  const families = list.map((e) => parseIPSloppy(stringAt(e, 'ip'))?.family);
  if (list.length > 2 || families[0] === families[1]) {
    errs.push(invalid(path, list, 'may specify no more than one IP for each IP family'));
  }
  const seen = new Set<string>();
  list.forEach((entry, i) => {
    const ip = stringAt(entry, 'ip');
    if (seen.has(ip)) errs.push(duplicate(index(path, i), entry));
    seen.add(ip);
  });
  return errs;
}

export function validatePodStatus(pod: Obj, old: Obj): FieldError[] {
  const status = objectAt(pod, 'status');
  const errs: FieldError[] = [];
  const nominated = stringAt(status, 'nominatedNodeName');
  if (nominated !== '' && nominated !== stringAt(objectAt(old, 'status'), 'nominatedNodeName')) {
    for (const msg of isDNS1123Subdomain(nominated)) errs.push(invalid('status.nominatedNodeName', nominated, msg));
  }
  errs.push(...validateIPList(status, 'podIPs'), ...validateIPList(status, 'hostIPs'));
  return errs;
}
