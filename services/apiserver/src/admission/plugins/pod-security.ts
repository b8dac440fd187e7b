import { StatusError, newInvalid } from '../../api/errors';
import type { KubeObject } from '../../api/object';
import { admissionConfigFile } from '../admission-config';
import type { AdmissionAttributes, AdmissionPlugin } from '../interface';
import { parsePodSecurityConfiguration, type PodSecurityConfiguration } from '../pod-security/configuration';
import { evaluatePod, forbiddenDetail, type AggregateResult } from '../pod-security/evaluator';
import { existingPodWarnings } from '../pod-security/existing-pods';
import {
  AUDIT_VIOLATIONS_KEY,
  ENFORCE_POLICY_KEY,
  ERROR_KEY,
  EXEMPT_KEY,
  LABEL_PREFIX,
  compareLevels,
  equivalentPolicies,
  fullyPrivileged,
  levelVersionString,
  policyToEvaluate,
  sameLevelVersion,
  versionString,
  type LabelError,
  type LevelVersion,
  type Policy,
} from '../pod-security/levels';
import {
  extractTemplate,
  hasPodTemplate,
  isSignificantPodUpdate,
  podLike,
  type PodLike,
} from '../pod-security/pod-specs';
import type { AdmissionDeps, AdmissionPluginFactory } from './deps';

/** Pod subresources that cannot change what the checks see. */
const IGNORED_POD_SUBRESOURCES = new Set([
  'exec',
  'attach',
  'binding',
  'eviction',
  'log',
  'portforward',
  'proxy',
  'status',
]);

function note(a: AdmissionAttributes, key: string, value: string): void {
  a.recorder.auditAnnotations[LABEL_PREFIX + key] = value;
}

/** Upstream's apierrors.NewForbidden for the group resource (a pod subresource is refused as `pods`). */
function forbiddenFor(a: AdmissionAttributes, why: string): StatusError {
  const gr = a.resource.group ? `${a.resource.resource}.${a.resource.group}` : a.resource.resource;
  const name = a.name || a.object?.metadata?.name || '';
  const message = name ? `${gr} "${name}" is forbidden: ${why}` : `${gr} is forbidden: ${why}`;
  return new StatusError(403, 'Forbidden', message, {
    ...(name ? { name } : {}),
    ...(a.resource.group ? { group: a.resource.group } : {}),
    kind: a.resource.resource,
  });
}

function labelsInvalid(a: AdmissionAttributes, errors: LabelError[]): StatusError {
  const name = a.name || a.object?.metadata?.name || '';
  return newInvalid(
    'Namespace',
    '',
    name,
    errors.map((e) => ({ type: 'FieldValueInvalid', field: e.field, message: e.message })),
  );
}

function errorsText(errors: LabelError[]): string {
  const parts = errors.map((e) => `${e.field}: ${e.message}`);
  return parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
}

function sameErrors(a: LabelError[], b: LabelError[]): boolean {
  return (
    a.length === b.length &&
    a.every((e, i) => e.field === b[i].field && e.value === b[i].value && e.message === b[i].message)
  );
}

class PodSecurityAdmission implements AdmissionPlugin {
  readonly name = 'PodSecurity';

  constructor(
    private readonly deps: AdmissionDeps,
    private readonly config: PodSecurityConfiguration,
  ) {}

  handles(op: string): boolean {
    return op === 'CREATE' || op === 'UPDATE';
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    if (!a.object) return;
    const gr = `${a.resource.group}/${a.resource.resource}`;
    if (gr === '/namespaces') return this.validateNamespace(a);
    if (gr === '/pods') return this.validatePod(a);
    if (hasPodTemplate(a.resource)) return this.validateController(a);
  }

  private exemptNamespace(ns: string): boolean {
    return ns !== '' && this.config.exemptions.namespaces.has(ns);
  }

  private exemptUser(name: string): boolean {
    return name !== '' && this.config.exemptions.usernames.has(name);
  }

  private exemptRuntimeClass = (rc: string | undefined): boolean =>
    rc !== undefined && rc !== '' && this.config.exemptions.runtimeClasses.has(rc);

  private policyOf(labels: Record<string, string> | undefined): { policy: Policy; errors: LabelError[] } {
    return policyToEvaluate(labels, this.config.defaults);
  }

  private async namespaceLabels(ns: string): Promise<Record<string, string> | undefined> {
    const store = this.deps.table.store('', 'v1', 'namespaces');
    if (!store) throw new Error('namespaces are not served');
    const obj = await store.get('', ns);
    return obj.metadata?.labels;
  }

  private async validatePod(a: AdmissionAttributes): Promise<void> {
    if (IGNORED_POD_SUBRESOURCES.has(a.subresource)) return;
    if (this.exemptNamespace(a.namespace)) return note(a, EXEMPT_KEY, 'namespace');
    if (this.exemptUser(a.userInfo.name)) return note(a, EXEMPT_KEY, 'user');
    let labels: Record<string, string> | undefined;
    try {
      labels = await this.namespaceLabels(a.namespace);
    } catch (e) {
      const why = `failed to lookup namespace ${JSON.stringify(a.namespace)}`;
      note(a, ERROR_KEY, `Internal error occurred: ${why}: ${(e as Error).message}`);
      throw new StatusError(500, 'InternalError', `Internal error occurred: ${why}`, {
        causes: [{ message: why }],
      });
    }
    const { policy, errors } = this.policyOf(labels);
    if (errors.length === 0 && fullyPrivileged(policy)) {
      return note(a, ENFORCE_POLICY_KEY, levelVersionString({ level: 'privileged', version: { latest: true } }));
    }
    const pod = podLike(a.object as KubeObject);
    if (a.operation === 'UPDATE' && a.oldObject && !isSignificantPodUpdate(pod, podLike(a.oldObject))) return;
    this.evaluate(a, policy, errors, pod, true);
  }

  private async validateController(a: AdmissionAttributes): Promise<void> {
    if (a.subresource) return;
    if (this.exemptNamespace(a.namespace)) return note(a, EXEMPT_KEY, 'namespace');
    if (this.exemptUser(a.userInfo.name)) return note(a, EXEMPT_KEY, 'user');
    let labels: Record<string, string> | undefined;
    try {
      labels = await this.namespaceLabels(a.namespace);
    } catch (e) {
      // a controller is never refused by PodSecurity: the lookup failure only goes to the audit event
      return note(a, ERROR_KEY, `failed to lookup namespace ${JSON.stringify(a.namespace)}: ${(e as Error).message}`);
    }
    const { policy, errors } = this.policyOf(labels);
    if (errors.length === 0 && policy.warn.level === 'privileged' && policy.audit.level === 'privileged') return;
    const template = extractTemplate(a.resource, a.object as KubeObject);
    if (!template) return;
    this.evaluate(a, policy, errors, template, false);
  }

  /** enforce (pods only), then audit, then warn, each level:version evaluated once. */
  private evaluate(a: AdmissionAttributes, policy: Policy, errors: LabelError[], pod: PodLike, enforce: boolean): void {
    if (this.exemptRuntimeClass(pod.spec.runtimeClassName)) return note(a, EXEMPT_KEY, 'runtimeClass');
    if (errors.length > 0) note(a, ERROR_KEY, `Failed to parse policy: ${errorsText(errors)}`);
    const cache: { lv: LevelVersion; result: AggregateResult }[] = [];
    const judge = (lv: LevelVersion): AggregateResult => {
      const hit = cache.find((c) => sameLevelVersion(c.lv, lv));
      if (hit) return hit.result;
      const result = evaluatePod(lv, pod.meta, pod.spec);
      cache.push({ lv, result });
      return result;
    };
    let refusal: StatusError | undefined;
    if (enforce) {
      note(a, ENFORCE_POLICY_KEY, levelVersionString(policy.enforce));
      const result = judge(policy.enforce);
      if (!result.allowed) {
        refusal = forbiddenFor(
          a,
          `violates PodSecurity "${levelVersionString(policy.enforce)}": ${forbiddenDetail(result)}`,
        );
      }
    }
    const audit = judge(policy.audit);
    if (!audit.allowed) {
      note(
        a,
        AUDIT_VIOLATIONS_KEY,
        `would violate PodSecurity "${levelVersionString(policy.audit)}": ${forbiddenDetail(audit)}`,
      );
    }
    if (refusal) throw refusal;
    const warn = judge(policy.warn);
    if (!warn.allowed) {
      a.recorder.warnings.push(
        `would violate PodSecurity "${levelVersionString(policy.warn)}": ${forbiddenDetail(warn)}`,
      );
    }
  }

  private async validateNamespace(a: AdmissionAttributes): Promise<void> {
    if (a.subresource) return;
    const ns = a.object as KubeObject;
    const name = ns.metadata?.name ?? a.name;
    const next = this.policyOf(ns.metadata?.labels);
    if (a.operation === 'CREATE') {
      if (next.errors.length > 0) throw labelsInvalid(a, next.errors);
      if (this.exemptNamespace(name)) this.warnExemptNamespace(a, name, next.policy, ns.metadata?.labels ?? {});
      return;
    }
    const before = this.policyOf(a.oldObject?.metadata?.labels);
    if (next.errors.length > 0 && (before.errors.length === 0 || !sameErrors(next.errors, before.errors))) {
      throw labelsInvalid(a, next.errors);
    }
    const n = next.policy.enforce;
    const o = before.policy.enforce;
    if (sameLevelVersion(n, o) || n.level === 'privileged') return;
    // a relaxed level at the same version cannot break running pods
    if (versionString(n.version) === versionString(o.version) && compareLevels(n.level, o.level) < 1) return;
    if (this.exemptNamespace(name)) return this.warnExemptNamespace(a, name, next.policy, ns.metadata?.labels ?? {});
    const pods = this.deps.table.store('', 'v1', 'pods');
    let items: KubeObject[];
    try {
      const list = pods ? await pods.list(name, {}) : { items: [] };
      items = Array.isArray(list.items) ? (list.items as KubeObject[]) : [];
    } catch {
      a.recorder.warnings.push('failed to list pods while checking new PodSecurity enforce level');
      return;
    }
    a.recorder.warnings.push(...existingPodWarnings(name, n, items, { exemptRuntimeClass: this.exemptRuntimeClass }));
  }

  /** An exempt namespace labelled with a stricter policy than the default is told the labels do nothing. */
  private warnExemptNamespace(
    a: AdmissionAttributes,
    name: string,
    policy: Policy,
    labels: Record<string, string>,
  ): void {
    if (fullyPrivileged(policy) || equivalentPolicies(policy, this.config.defaults)) return;
    const parts: string[] = [];
    for (const mode of ['enforce', 'audit', 'warn'] as const) {
      const set = `${LABEL_PREFIX}${mode}` in labels || `${LABEL_PREFIX}${mode}-version` in labels;
      if (policy[mode].level !== 'privileged' && set) parts.push(`${mode}=${levelVersionString(policy[mode])}`);
    }
    a.recorder.warnings.push(
      `namespace ${JSON.stringify(name)} is exempt from Pod Security, and the policy (${parts.join(', ')}) will be ignored`,
    );
  }
}

/** PodSecurity: the Pod Security Standards, chosen per namespace by its pod-security.kubernetes.io labels. */
export const podSecurity: AdmissionPluginFactory = (deps): AdmissionPlugin => {
  const config = parsePodSecurityConfiguration(
    admissionConfigFile(deps.opts.admissionControlConfigFile).pluginConfig('PodSecurity'),
  );
  return new PodSecurityAdmission(deps, config);
};
