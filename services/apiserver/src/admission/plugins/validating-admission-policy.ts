import { StatusError, type StatusReason } from '../../api/errors';
import type { KubeObject } from '../../api/object';
import { runInformer } from '../../controllers/informer';
import type { ValidatingAdmissionPolicyBinding } from '../../generated/k8s.io.api.admissionregistration.v1';
import { CelAuthorizer } from '../cel/libs/authorizer';
import { toCelValue } from '../cel/values';
import { admissionForbidden, type AdmissionAttributes, type AdmissionPlugin } from '../interface';
import type { CompiledPolicy } from '../policy/compiled-policy';
import { type PolicyDecision, validatePolicy } from '../policy/evaluate';
import { matchResources } from '../policy/matching';
import { ParamConfigError, collectParams, paramKindGvk, paramStore } from '../policy/params';
import { PolicyIndex } from '../policy/policy-index';
import { admissionRequest } from '../policy/request';
import { isStatusError } from '../policy/status';
import type { AdmissionDeps, AdmissionPluginFactory } from './deps';

const GROUP = 'admissionregistration.k8s.io';
const VALIDATION_FAILURE_KEY = 'validation.policy.admission.k8s.io/validation_failure';
const MAX_AUDIT_ANNOTATION_VALUE_LENGTH = 10 * 1024;

/** Requests on admission configuration are never subject to policies, so a bad policy cannot lock itself in. */
const EXEMPT_RESOURCES = new Set([
  'validatingwebhookconfigurations',
  'mutatingwebhookconfigurations',
  'validatingadmissionpolicies',
  'validatingadmissionpolicybindings',
  'mutatingadmissionpolicies',
  'mutatingadmissionpolicybindings',
]);

interface Denial {
  policy: string;
  binding?: string;
  message: string;
  reason: string;
}

function reasonToCode(reason: string): number {
  switch (reason) {
    case 'Forbidden':
      return 403;
    case 'Unauthorized':
      return 401;
    case 'RequestEntityTooLarge':
      return 413;
    default:
      return 422;
  }
}

/** Upstream's denial: admission Forbidden's text with the decision's reason and code, and the message as a cause. */
function denialError(a: AdmissionAttributes, d: Denial): StatusError {
  const message = d.binding
    ? `ValidatingAdmissionPolicy '${d.policy}' with binding '${d.binding}' denied request: ${d.message}`
    : `ValidatingAdmissionPolicy '${d.policy}' denied request: ${d.message}`;
  const forbidden = admissionForbidden(a, message);
  const reason = (d.reason || 'Invalid') as StatusReason;
  return new StatusError(reasonToCode(reason), reason, forbidden.message, {
    ...forbidden.details,
    causes: [{ message }],
  });
}

/** The CEL inputs of one request, converted once however many policies match. */
class RequestInputs {
  private object?: unknown;
  private oldObject?: unknown;
  private readonly namespaces = new Map<string, unknown>();

  constructor(
    private readonly a: AdmissionAttributes,
    private readonly deps: AdmissionDeps,
  ) {}

  objects(): { object: unknown; oldObject: unknown } {
    this.object ??= this.a.object ? toCelValue(this.a.object) : null;
    this.oldObject ??= this.a.oldObject ? toCelValue(this.a.oldObject) : null;
    return { object: this.object, oldObject: this.oldObject };
  }

  async namespaceRaw(name: string): Promise<KubeObject | undefined> {
    const store = this.deps.table.store('', 'v1', 'namespaces');
    if (!store) return undefined;
    try {
      return await store.get('', name);
    } catch (err) {
      if (isStatusError(err, 404)) return undefined;
      throw err;
    }
  }

  /** namespaceObject: null for cluster-scoped requests and for Namespaces themselves, as upstream. */
  async namespaceObject(): Promise<unknown> {
    const a = this.a;
    const isNamespace = a.kind.group === '' && a.kind.version === 'v1' && a.kind.kind === 'Namespace';
    if (!a.namespace || isNamespace) return null;
    if (!this.namespaces.has(a.namespace)) {
      const ns = await this.namespaceRaw(a.namespace);
      if (!ns) {
        throw new StatusError(404, 'NotFound', `namespaces "${a.namespace}" not found`, {
          name: a.namespace,
          kind: 'namespaces',
        });
      }
      this.namespaces.set(a.namespace, toCelValue(ns));
    }
    return this.namespaces.get(a.namespace);
  }
}

/** Collects one policy's published audit annotations across its bindings; distinct values join with ", ". */
function publishAnnotations(a: AdmissionAttributes, policy: string, values: Map<string, string[]>): void {
  for (const [key, vs] of values) a.recorder.auditAnnotations[`${policy}/${key}`] = vs.join(', ');
}

function recordAuditFailure(
  a: AdmissionAttributes,
  binding: ValidatingAdmissionPolicyBinding,
  index: number,
  decision: PolicyDecision,
): void {
  // upstream's AddAnnotation keeps the first value set for a key
  if (VALIDATION_FAILURE_KEY in a.recorder.auditAnnotations) return;
  a.recorder.auditAnnotations[VALIDATION_FAILURE_KEY] = JSON.stringify([
    {
      message: decision.message,
      policy: binding.spec?.policyName ?? '',
      binding: binding.metadata?.name ?? '',
      expressionIndex: index,
      validationActions: binding.spec?.validationActions ?? [],
    },
  ]);
}

async function evaluateHook(
  deps: AdmissionDeps,
  a: AdmissionAttributes,
  inputs: RequestInputs,
  policy: CompiledPolicy,
  bindings: readonly ValidatingAdmissionPolicyBinding[],
  denials: Denial[],
): Promise<void> {
  const lookupNs = (n: string): Promise<KubeObject | undefined> => inputs.namespaceRaw(n);
  const configError = (message: string, binding?: ValidatingAdmissionPolicyBinding): void => {
    if (policy.failurePolicy === 'Ignore') return;
    const prefix = binding ? 'failed to configure binding' : 'failed to configure policy';
    denials.push({
      policy: policy.name,
      binding: binding?.metadata?.name,
      message:
        policy.failurePolicy === 'Fail'
          ? `${prefix}: ${message}`
          : `unrecognized failure policy: '${policy.failurePolicy}'`,
      reason: '',
    });
  };
  const constraints = policy.policy.spec?.matchConstraints ?? {};
  const match = await matchResources(constraints, a, deps.table, lookupNs);
  if (!match.matches) return;
  const paramKind = policy.policy.spec?.paramKind ?? undefined;
  if (paramKind && !paramStore(deps.table, paramKind)) {
    configError(`failed to find resource referenced by paramKind: '${paramKindGvk(paramKind)}'`);
    return;
  }
  const request = toCelValue(admissionRequest(a, match.resource, match.kind));
  const annotations = new Map<string, string[]>();
  for (const binding of bindings) {
    const spec = binding.spec ?? {};
    if (spec.matchResources) {
      let bound: boolean;
      try {
        bound = (await matchResources(spec.matchResources, a, deps.table, lookupNs)).matches;
      } catch (err) {
        if (err instanceof StatusError) throw err;
        configError(err instanceof Error ? err.message : String(err), binding);
        continue;
      }
      if (!bound) continue;
    }
    let params: (KubeObject | null)[];
    try {
      params = await collectParams(deps.table, paramKind, spec.paramRef ?? undefined, a.namespace);
    } catch (err) {
      if (!(err instanceof ParamConfigError)) throw err;
      configError(err.message, binding);
      continue;
    }
    if (params.length === 0) continue;
    const namespaceObject = await inputs.namespaceObject();
    const authorizer = new CelAuthorizer(a.userInfo, deps.authorizer, {
      group: a.resource.group,
      resource: a.resource.resource,
      subresource: a.subresource,
      namespace: a.namespace,
      name: a.name,
    });
    for (const param of params) {
      const paramsValue = param
        ? toCelValue({ apiVersion: paramKind?.apiVersion, kind: paramKind?.kind, ...param })
        : null;
      const result = validatePolicy(policy, {
        base: {
          ...inputs.objects(),
          request,
          namespaceObject,
          ...(policy.hasParams ? { params: paramsValue } : {}),
        },
        authorizer,
      });
      result.decisions.forEach((d, i) => {
        if (d.action !== 'deny') return;
        for (const action of spec.validationActions ?? []) {
          if (action === 'Deny') {
            denials.push({
              policy: policy.name,
              binding: binding.metadata?.name,
              message: d.message,
              reason: d.reason,
            });
          } else if (action === 'Warn') {
            a.recorder.warnings.push(
              `Validation failed for ValidatingAdmissionPolicy '${policy.name}' with binding '${binding.metadata?.name ?? ''}': ${d.message}`,
            );
          } else if (action === 'Audit') {
            recordAuditFailure(a, binding, i, d);
          }
        }
      });
      for (const x of result.auditAnnotations) {
        if (x.action === 'publish' && x.value !== undefined) {
          const value = x.value.slice(0, MAX_AUDIT_ANNOTATION_VALUE_LENGTH);
          const list = annotations.get(x.key) ?? [];
          if (!list.includes(value)) annotations.set(x.key, [...list, value]);
        } else if (x.action === 'error') {
          denials.push({ policy: policy.name, binding: binding.metadata?.name, message: x.error ?? '', reason: '' });
        }
      }
    }
  }
  publishAnnotations(a, policy.name, annotations);
}

/**
 * ValidatingAdmissionPolicy: the CEL policies of admissionregistration.k8s.io/v1,
 * bound by ValidatingAdmissionPolicyBindings, judging every write they match. The
 * policies and bindings come from informers over the served stores.
 */
export const validatingAdmissionPolicy: AdmissionPluginFactory = (deps): AdmissionPlugin => {
  const index = new PolicyIndex();
  const stop = new AbortController();
  const policies = deps.table.store(GROUP, 'v1', 'validatingadmissionpolicies');
  const bindings = deps.table.store(GROUP, 'v1', 'validatingadmissionpolicybindings');
  let policiesListed: () => void = () => undefined;
  let bindingsListed: () => void = () => undefined;
  const synced = Promise.all([
    new Promise<void>((r) => (policiesListed = r)),
    new Promise<void>((r) => (bindingsListed = r)),
  ]).then(() => undefined);
  const informers: Promise<void>[] = [];
  if (policies && bindings) {
    informers.push(
      runInformer(
        policies,
        stop.signal,
        {
          onList: (items) => {
            index.setPolicies(items);
            policiesListed();
          },
          onEvent: (type, obj) => index.policyEvent(type, obj),
        },
        deps.log,
      ),
      runInformer(
        bindings,
        stop.signal,
        {
          onList: (items) => {
            index.setBindings(items);
            bindingsListed();
          },
          onEvent: (type, obj) => index.bindingEvent(type, obj),
        },
        deps.log,
      ),
    );
  } else {
    policiesListed();
    bindingsListed();
  }
  return {
    name: 'ValidatingAdmissionPolicy',
    handles: () => true,
    synced,
    async close() {
      stop.abort();
      policiesListed();
      bindingsListed();
      await Promise.allSettled(informers);
    },
    async validate(a) {
      if (a.resource.group === GROUP && EXEMPT_RESOURCES.has(a.resource.resource)) return;
      const hooks = index.hooks();
      if (hooks.length === 0) return;
      const inputs = new RequestInputs(a, deps);
      const denials: Denial[] = [];
      for (const hook of hooks) await evaluateHook(deps, a, inputs, hook.policy, hook.bindings, denials);
      if (denials.length > 0) throw denialError(a, denials[0]);
    },
  };
};
