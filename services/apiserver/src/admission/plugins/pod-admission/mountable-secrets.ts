import { entries } from './pod-spec';
import type { Container, EphemeralContainer, PodSpec, ServiceAccount } from '../../../generated/k8s.io.api.core.v1';

/** The annotation that makes a ServiceAccount limit its pods to the secrets it lists. */
export const ENFORCE_MOUNTABLE_SECRETS_ANNOTATION = 'kubernetes.io/enforce-mountable-secrets';

/** Go's strconv.ParseBool; anything else counts as false, as upstream ignores the parse error. */
function goTrue(text: string): boolean {
  return ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text);
}

export function enforcesMountableSecrets(sa: ServiceAccount): boolean {
  const value = sa.metadata?.annotations?.[ENFORCE_MOUNTABLE_SECRETS_ANNOTATION];
  return value !== undefined && goTrue(value);
}

/** `what` is how the message names the container: `container`, `init container`, `ephemeral container`. */
function containerRefusal(
  what: string,
  c: Container | EphemeralContainer,
  allowed: ReadonlySet<string>,
  saName: string,
): string | undefined {
  for (const env of entries(c.env)) {
    const ref = env.valueFrom?.secretKeyRef;
    if (ref && !allowed.has(ref.name ?? '')) {
      return `${what} ${c.name ?? ''} with envVar ${env.name ?? ''} referencing secret.secretName="${ref.name ?? ''}" is not allowed because service account ${saName} does not reference that secret`;
    }
  }
  for (const from of entries(c.envFrom)) {
    const ref = from.secretRef;
    if (ref && !allowed.has(ref.name ?? '')) {
      return `${what} ${c.name ?? ''} with envFrom referencing secret.secretName="${ref.name ?? ''}" is not allowed because service account ${saName} does not reference that secret`;
    }
  }
  return undefined;
}

function mountable(sa: ServiceAccount): Set<string> {
  return new Set(entries(sa.secrets).map((s) => s.name ?? ''));
}

/** Why the pod may not use a secret its ServiceAccount does not list, or undefined when it may. */
export function secretReferenceRefusal(sa: ServiceAccount, spec: PodSpec): string | undefined {
  const allowed = mountable(sa);
  const saName = sa.metadata?.name ?? '';
  for (const v of entries(spec.volumes)) {
    if (!v.secret) continue;
    const name = v.secret.secretName ?? '';
    if (!allowed.has(name)) {
      return `volume with secret.secretName="${name}" is not allowed because service account ${saName} does not reference that secret`;
    }
  }
  for (const c of entries(spec.initContainers)) {
    const why = containerRefusal('init container', c, allowed, saName);
    if (why) return why;
  }
  for (const c of entries(spec.containers)) {
    const why = containerRefusal('container', c, allowed, saName);
    if (why) return why;
  }
  const pullSecrets = new Set(entries(sa.imagePullSecrets).map((s) => s.name ?? ''));
  const pulls = spec.imagePullSecrets ?? [];
  for (let i = 0; i < pulls.length; i++) {
    // a null entry is Go's zero value: a reference with an empty name
    const name = pulls[i]?.name ?? '';
    if (!pullSecrets.has(name)) {
      return `imagePullSecrets[${i}].name="${name}" is not allowed because service account ${saName} does not reference that imagePullSecret`;
    }
  }
  return undefined;
}

/** The same rule for the ephemeral containers an ephemeralcontainers update brings. */
export function ephemeralSecretReferenceRefusal(sa: ServiceAccount, spec: PodSpec): string | undefined {
  const allowed = mountable(sa);
  for (const c of entries(spec.ephemeralContainers)) {
    const why = containerRefusal('ephemeral container', c, allowed, sa.metadata?.name ?? '');
    if (why) return why;
  }
  return undefined;
}
