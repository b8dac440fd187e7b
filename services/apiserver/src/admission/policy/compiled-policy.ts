import type { ValidatingAdmissionPolicy, Validation } from '../../generated/k8s.io.api.admissionregistration.v1';
import {
  type CelVariables,
  type CompiledExpression,
  type CelResultType,
  CelCompileError,
  compileExpression,
} from '../cel/compile';

/** An expression as compiled for a policy: either a program or the reason it has none. */
export type PolicyExpression = { expr: CompiledExpression; error?: undefined } | { expr?: undefined; error: string };

export interface CompiledValidation {
  validation: Validation;
  check: PolicyExpression;
  message?: PolicyExpression;
}

export interface CompiledAuditAnnotation {
  key: string;
  valueExpression: string;
  value: PolicyExpression;
}

export interface CompiledNamed {
  name: string;
  expression: string;
  compiled: PolicyExpression;
}

/** One policy generation, compiled once: what every request the policy matches evaluates. */
export interface CompiledPolicy {
  policy: ValidatingAdmissionPolicy;
  name: string;
  failurePolicy: string;
  hasParams: boolean;
  matchConditions: CompiledNamed[];
  variables: CompiledNamed[];
  validations: CompiledValidation[];
  auditAnnotations: CompiledAuditAnnotation[];
}

/** The variables upstream declares, by whether the policy has a paramKind and whether the authorizer is in scope. */
export function declaredVariables(hasParams: boolean, hasAuthorizer: boolean): CelVariables {
  return {
    object: 'dyn',
    oldObject: 'dyn',
    request: 'dyn',
    namespaceObject: 'dyn',
    variables: 'map<string, dyn>',
    ...(hasParams ? { params: 'dyn' } : {}),
    ...(hasAuthorizer ? { authorizer: 'kubernetes.authorization.Authorizer' } : {}),
  };
}

function compile(
  source: string,
  hasParams: boolean,
  hasAuthorizer: boolean,
  resultTypes: readonly CelResultType[],
): PolicyExpression {
  try {
    return { expr: compileExpression(source, { variables: declaredVariables(hasParams, hasAuthorizer), resultTypes }) };
  } catch (err) {
    const detail = err instanceof CelCompileError ? err.message : String(err);
    return {
      error:
        err instanceof CelCompileError && detail.startsWith('must evaluate') ? detail : `compilation failed: ${detail}`,
    };
  }
}

export function compilePolicy(policy: ValidatingAdmissionPolicy): CompiledPolicy {
  const spec = policy.spec ?? {};
  const hasParams = spec.paramKind !== undefined && spec.paramKind !== null;
  return {
    policy,
    name: policy.metadata?.name ?? '',
    failurePolicy: spec.failurePolicy ?? 'Fail',
    hasParams,
    matchConditions: (spec.matchConditions ?? []).map((m) => ({
      name: m.name ?? '',
      expression: m.expression ?? '',
      compiled: compile(m.expression ?? '', hasParams, true, ['bool']),
    })),
    variables: (spec.variables ?? []).map((v) => ({
      name: v.name ?? '',
      expression: v.expression ?? '',
      compiled: compile(v.expression ?? '', hasParams, true, ['dyn']),
    })),
    validations: (spec.validations ?? []).map((v) => ({
      validation: v,
      check: compile(v.expression ?? '', hasParams, true, ['bool']),
      ...(v.messageExpression ? { message: compile(v.messageExpression, hasParams, false, ['string']) } : {}),
    })),
    auditAnnotations: (spec.auditAnnotations ?? []).map((x) => ({
      key: x.key ?? '',
      valueExpression: x.valueExpression ?? '',
      value: compile(x.valueExpression ?? '', hasParams, false, ['string', 'null_type']),
    })),
  };
}
