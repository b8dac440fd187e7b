import { objectAt, type Obj } from './common';
import { containersWithPaths } from './pod-security-context-validation';

/**
 * Pod spec fields of features off by default in 1.32, handled as upstream's
 * dropDisabledPodFields does: SupplementalGroupsPolicy and SELinuxChangePolicy
 * (alpha) and UserNamespacesSupport (beta, off: spec.hostUsers) lose their
 * field, ProcMountType (beta, off) has any procMount forced back to Default.
 * Each is kept where the stored spec already uses it.
 */

const DISABLED_SECURITY_CONTEXT_FIELDS = ['supplementalGroupsPolicy', 'seLinuxChangePolicy'];

function procMountInUse(spec: Obj | undefined): boolean {
  if (!spec) return false;
  return containersWithPaths(spec, '').some(({ c }) => {
    const procMount = objectAt(c, 'securityContext')?.procMount;
    return typeof procMount === 'string' && procMount !== 'Default';
  });
}

export function dropDisabledPodSpecFields(spec: Obj, oldSpec: Obj | undefined): void {
  const sc = objectAt(spec, 'securityContext');
  const oldSc = objectAt(oldSpec, 'securityContext');
  if (sc) for (const f of DISABLED_SECURITY_CONTEXT_FIELDS) if (oldSc?.[f] === undefined) delete sc[f];
  if (oldSpec?.hostUsers === undefined) delete spec.hostUsers;
  if (procMountInUse(oldSpec)) return;
  for (const { c } of containersWithPaths(spec, '')) {
    const csc = objectAt(c, 'securityContext');
    // upstream forces a present value to the default rather than clearing it, to match data persisted by 1.12
    if (csc && csc.procMount !== undefined && csc.procMount !== null) csc.procMount = 'Default';
  }
}
