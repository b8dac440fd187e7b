/**
 * Pod Security Standards levels, policy versions and the namespace labels that
 * select them, as k8s.io/pod-security-admission/api defines them.
 */

export type Level = 'privileged' | 'baseline' | 'restricted';

export const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];

/** `latest`, or a v1.x minor; only major 1 exists. */
export type PolicyVersion = { latest: true } | { latest: false; minor: number };

export const LATEST: PolicyVersion = { latest: true };

export interface LevelVersion {
  level: Level;
  version: PolicyVersion;
}

export interface Policy {
  enforce: LevelVersion;
  audit: LevelVersion;
  warn: LevelVersion;
}

export const LABEL_PREFIX = 'pod-security.kubernetes.io/';
export const MODES = ['enforce', 'audit', 'warn'] as const;
export type Mode = (typeof MODES)[number];

/** The audit annotation keys, without the `pod-security.kubernetes.io/` prefix upstream adds when recording them. */
export const ENFORCE_POLICY_KEY = 'enforce-policy';
export const AUDIT_VIOLATIONS_KEY = 'audit-violations';
export const EXEMPT_KEY = 'exempt';
export const ERROR_KEY = 'error';

export function versionString(v: PolicyVersion): string {
  return v.latest ? 'latest' : `v1.${v.minor}`;
}

export function levelVersionString(lv: LevelVersion): string {
  return `${lv.level}:${versionString(lv.version)}`;
}

export function sameLevelVersion(a: LevelVersion, b: LevelVersion): boolean {
  return a.level === b.level && versionString(a.version) === versionString(b.version);
}

export function isLevel(s: string): s is Level {
  return (LEVELS as readonly string[]).includes(s);
}

export const LEVEL_ERROR = `must be one of ${LEVELS.join(', ')}`;
export const VERSION_ERROR = 'must be "latest" or "v1.x"';

/** An unknown level fails closed (restricted), as upstream's ParseLevel. */
export function parseLevel(s: string): { level: Level; error?: string } {
  return isLevel(s) ? { level: s } : { level: 'restricted', error: LEVEL_ERROR };
}

const VERSION_RE = /^v1\.([0-9]|[1-9][0-9]*)$/;

/** An unparsable version falls back to latest, as upstream's ParseVersion. */
export function parseVersion(s: string): { version: PolicyVersion; error?: string } {
  if (s === 'latest') return { version: LATEST };
  const m = VERSION_RE.exec(s);
  const minor = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(minor)) return { version: LATEST, error: VERSION_ERROR };
  return { version: { latest: false, minor } };
}

/** -1 when a is less strict than b, 0 when equal, +1 when stricter. */
export function compareLevels(a: Level, b: Level): number {
  return Math.sign(LEVELS.indexOf(a) - LEVELS.indexOf(b));
}

export interface LabelError {
  /** e.g. metadata.labels[pod-security.kubernetes.io/enforce] */
  field: string;
  value: string;
  message: string;
}

/**
 * The namespace's policy: each label overrides the default for its mode. Invalid
 * labels are reported; an invalid enforce level enforces restricted, an invalid
 * audit or warn level turns that mode off (privileged), as upstream.
 */
export function policyToEvaluate(
  labels: Record<string, string> | undefined,
  defaults: Policy,
): { policy: Policy; errors: LabelError[] } {
  const policy: Policy = { enforce: { ...defaults.enforce }, audit: { ...defaults.audit }, warn: { ...defaults.warn } };
  const errors: LabelError[] = [];
  if (!labels) return { policy, errors };
  for (const mode of MODES) {
    const levelKey = `${LABEL_PREFIX}${mode}`;
    const level = labels[levelKey];
    if (level !== undefined) {
      const parsed = parseLevel(level);
      policy[mode].level = parsed.error && mode !== 'enforce' ? 'privileged' : parsed.level;
      if (parsed.error) errors.push(labelError(levelKey, level, parsed.error));
    }
    const versionKey = `${LABEL_PREFIX}${mode}-version`;
    const version = labels[versionKey];
    if (version !== undefined) {
      const parsed = parseVersion(version);
      policy[mode].version = parsed.version;
      if (parsed.error) errors.push(labelError(versionKey, version, parsed.error));
    }
  }
  return { policy, errors };
}

function labelError(key: string, value: string, why: string): LabelError {
  return { field: `metadata.labels[${key}]`, value, message: `Invalid value: ${JSON.stringify(value)}: ${why}` };
}

export function fullyPrivileged(p: Policy): boolean {
  return p.enforce.level === 'privileged' && p.audit.level === 'privileged' && p.warn.level === 'privileged';
}

/** Upstream's Policy.Equivalent: privileged modes are equal whatever their version. */
export function equivalentPolicies(a: Policy, b: Policy): boolean {
  return MODES.every((m) => {
    if (a[m].level === 'privileged' && b[m].level === 'privileged') return true;
    return sameLevelVersion(a[m], b[m]);
  });
}

export const DEFAULT_POLICY: Policy = {
  enforce: { level: 'privileged', version: LATEST },
  audit: { level: 'privileged', version: LATEST },
  warn: { level: 'privileged', version: LATEST },
};
