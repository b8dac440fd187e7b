import { readFileSync } from 'node:fs';
import { yamlLib } from '../codec/yaml-lib';
import type { UserInfo } from '../authn/user';
import {
  AUDIT_LEVELS,
  AUDIT_STAGES,
  type AuditLevel,
  type AuditPolicy,
  type AuditStage,
  type GroupResources,
  type PolicyRule,
} from './types';

/** What the policy judges a request by: the authorizer's attributes; no user when authentication failed. */
export interface PolicyAttributes {
  user?: UserInfo;
  verb: string;
  isResourceRequest: boolean;
  path: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

/** Upstream's RequestAuditConfigWithLevel. */
export interface RequestAuditConfig {
  level: AuditLevel;
  omitStages: AuditStage[];
  omitManagedFields: boolean;
}

const ACCEPTED_VERSIONS = new Set(['audit.k8s.io/v1']);
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringList(v: unknown, path: string, errs: string[]): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
    errs.push(`${path}: Invalid value: must be a list of strings`);
    return undefined;
  }
  return v as string[];
}

function optionalBool(v: unknown, path: string, errs: string[]): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') {
    errs.push(`${path}: Invalid value: must be a boolean`);
    return undefined;
  }
  return v;
}

function validStages(v: unknown, path: string, errs: string[]): AuditStage[] | undefined {
  const list = stringList(v, path, errs);
  if (!list) return undefined;
  list.forEach((s, i) => {
    if (!(AUDIT_STAGES as readonly string[]).includes(s)) {
      errs.push(
        `${path}[${i}]: Invalid value: ${JSON.stringify(s)}: allowed stages are ${JSON.stringify(AUDIT_STAGES).replace(/,/g, ' ')}`,
      );
    }
  });
  return list as AuditStage[];
}

function validResources(v: unknown, path: string, errs: string[]): GroupResources[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    errs.push(`${path}: Invalid value: must be a list`);
    return undefined;
  }
  return v.map((raw, i): GroupResources => {
    const at = `${path}[${i}]`;
    if (!isRecord(raw)) {
      errs.push(`${at}: Invalid value: must be an object`);
      return {};
    }
    const group = raw.group === undefined || raw.group === null ? '' : raw.group;
    if (typeof group !== 'string') errs.push(`${at}.group: Invalid value: must be a string`);
    else if (group !== '' && (group.length > 253 || !DNS1123_SUBDOMAIN.test(group))) {
      errs.push(
        `${at}.group: Invalid value: ${JSON.stringify(group)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      );
    }
    const resources = stringList(raw.resources, `${at}.resources`, errs);
    const resourceNames = stringList(raw.resourceNames, `${at}.resourceNames`, errs);
    if (resourceNames && resourceNames.length > 0 && (!resources || resources.length === 0)) {
      errs.push(
        `${at}.resourceNames: Invalid value: ${JSON.stringify(resourceNames)}: using resourceNames requires at least one resource`,
      );
    }
    return { group: typeof group === 'string' ? group : '', resources, resourceNames };
  });
}

function validNonResourceURLs(rule: PolicyRule, path: string, errs: string[]): void {
  const urls = rule.nonResourceURLs ?? [];
  if (urls.length === 0) return;
  if ((rule.resources ?? []).length > 0 || (rule.namespaces ?? []).length > 0) {
    errs.push(
      `${path}: Invalid value: ${JSON.stringify(urls)}: rules cannot apply to both regular resources and non-resource URLs`,
    );
  }
  urls.forEach((url, i) => {
    if (url === '*') return;
    if (!url.startsWith('/')) {
      errs.push(
        `${path}[${i}]: Invalid value: ${JSON.stringify(url)}: non-resource URL rules must begin with a '/' character`,
      );
    }
    if (url !== '' && url.slice(0, -1).includes('*')) {
      errs.push(
        `${path}[${i}]: Invalid value: ${JSON.stringify(url)}: non-resource URL wildcards '*' must be the final character of the rule`,
      );
    }
  });
}

function validRule(raw: unknown, path: string, errs: string[]): PolicyRule {
  if (!isRecord(raw)) {
    errs.push(`${path}: Invalid value: must be an object`);
    return { level: 'None' };
  }
  const level = raw.level;
  if (typeof level !== 'string' || !(AUDIT_LEVELS as readonly string[]).includes(level)) {
    errs.push(
      `${path}.level: Unsupported value: ${JSON.stringify(level ?? '')}: supported values: ${AUDIT_LEVELS.map((l) => JSON.stringify(l)).join(', ')}`,
    );
  }
  const rule: PolicyRule = {
    level: level as AuditLevel,
    users: stringList(raw.users, `${path}.users`, errs),
    userGroups: stringList(raw.userGroups, `${path}.userGroups`, errs),
    verbs: stringList(raw.verbs, `${path}.verbs`, errs),
    resources: validResources(raw.resources, `${path}.resources`, errs),
    namespaces: stringList(raw.namespaces, `${path}.namespaces`, errs),
    nonResourceURLs: stringList(raw.nonResourceURLs, `${path}.nonResourceURLs`, errs),
    omitStages: validStages(raw.omitStages, `${path}.omitStages`, errs),
    omitManagedFields: optionalBool(raw.omitManagedFields, `${path}.omitManagedFields`, errs),
  };
  validNonResourceURLs(rule, `${path}.nonResourceURLs`, errs);
  return rule;
}

/** Upstream's LoadPolicyFromBytes: a v1 Policy (YAML or JSON) that validates and has rules. */
export function parsePolicy(text: string): AuditPolicy {
  let doc: unknown;
  try {
    doc = yamlLib().parse(text);
  } catch (e) {
    throw new PolicyError(`failed decoding: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isRecord(doc)) throw new PolicyError('failed decoding: the policy is not an object');
  const gv = typeof doc.apiVersion === 'string' ? doc.apiVersion : '';
  if (doc.kind !== 'Policy' || !ACCEPTED_VERSIONS.has(gv)) {
    throw new PolicyError(`unknown group version field ${gv || '/'}, Kind=${String(doc.kind ?? '')} in policy`);
  }
  const errs: string[] = [];
  const omitStages = validStages(doc.omitStages, 'omitStages', errs);
  const omitManagedFields = optionalBool(doc.omitManagedFields, 'omitManagedFields', errs);
  const rawRules = doc.rules ?? [];
  if (!Array.isArray(rawRules)) throw new PolicyError('failed decoding: rules must be a list');
  const rules = rawRules.map((r, i) => validRule(r, `rules[${i}]`, errs));
  if (errs.length === 1) throw new PolicyError(errs[0]);
  if (errs.length > 1) throw new PolicyError(`[${errs.join(', ')}]`);
  if (rules.length === 0) throw new PolicyError('loaded illegal policy with 0 rules');
  return { rules, omitStages, omitManagedFields };
}

export function loadPolicyFile(file: string): AuditPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new PolicyError(
      `failed to read file path ${JSON.stringify(file)}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  try {
    return parsePolicy(text);
  } catch (e) {
    throw new PolicyError(`${e instanceof Error ? e.message : String(e)}: from file ${file}`);
  }
}

function pathMatches(path: string, spec: string): boolean {
  if (spec === '*' || spec === path) return true;
  return spec.endsWith('*') && path.startsWith(spec.replace(/\*+$/, ''));
}

function resourceMatches(gr: GroupResources, a: PolicyAttributes): boolean {
  if ((gr.group ?? '') !== a.apiGroup) return false;
  const resources = gr.resources ?? [];
  if (resources.length === 0) return true;
  const names = gr.resourceNames ?? [];
  if (names.length > 0 && !names.includes(a.name)) return false;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return resources.some(
    (r) =>
      r === '*' ||
      r === combined ||
      (a.subresource !== '' && r.startsWith('*/') && r.slice(2) === a.subresource) ||
      (r.endsWith('/*') && r.slice(0, -2) === a.resource),
  );
}

function ruleMatches(rule: PolicyRule, a: PolicyAttributes): boolean {
  if ((rule.users ?? []).length > 0 && (!a.user || !rule.users?.includes(a.user.name))) return false;
  if ((rule.userGroups ?? []).length > 0 && (!a.user || !a.user.groups.some((g) => rule.userGroups?.includes(g)))) {
    return false;
  }
  if ((rule.verbs ?? []).length > 0 && !rule.verbs?.includes(a.verb)) return false;
  const namespaces = rule.namespaces ?? [];
  const resources = rule.resources ?? [];
  if (namespaces.length > 0 || resources.length > 0) {
    if (!a.isResourceRequest) return false;
    // cluster-scoped requests match the empty namespace
    if (namespaces.length > 0 && !namespaces.includes(a.namespace)) return false;
    return resources.length === 0 || resources.some((gr) => resourceMatches(gr, a));
  }
  const urls = rule.nonResourceURLs ?? [];
  if (urls.length > 0) return !a.isResourceRequest && urls.some((u) => pathMatches(a.path, u));
  return true;
}

/** Upstream's policy rule evaluator: the first matching rule decides; none matching is level None. */
export class PolicyEvaluator {
  private readonly rules: Array<{ rule: PolicyRule; omitStages: AuditStage[] }>;

  constructor(private readonly policy: AuditPolicy) {
    // a rule omits its own stages and the policy's
    this.rules = policy.rules.map((rule) => ({
      rule,
      omitStages: [...new Set([...(policy.omitStages ?? []), ...(rule.omitStages ?? [])])],
    }));
  }

  evaluate(a: PolicyAttributes): RequestAuditConfig {
    for (const { rule, omitStages } of this.rules) {
      if (ruleMatches(rule, a)) {
        return {
          level: rule.level,
          omitStages,
          omitManagedFields: rule.omitManagedFields ?? this.policy.omitManagedFields ?? false,
        };
      }
    }
    return {
      level: 'None',
      omitStages: [...(this.policy.omitStages ?? [])],
      omitManagedFields: this.policy.omitManagedFields ?? false,
    };
  }
}
