import type { FieldError } from '../../api/errors';
import type {
  FlowSchema,
  FlowSchemaSpec,
  LimitedPriorityLevelConfiguration,
  LimitResponse,
  PolicyRulesWithSubjects,
  PriorityLevelConfiguration,
  QueuingConfiguration,
  ResourcePolicyRule,
  NonResourcePolicyRule,
  Subject,
} from '../../generated/k8s.io.api.flowcontrol.v1';
import { child, duplicate, forbidden, index, invalid, notSupported, required } from '../validation/field';
import { isDNS1123Subdomain, validatePathSegmentName } from '../validation/names';
import { semanticEqual, validateNamespaceName } from '../validation/objectmeta';
import {
  deepClone,
  forStore,
  metaOf,
  nextGeneration,
  validateMetaCreate,
  validateMetaUpdate,
  type KindStrategy,
} from './common';

/** flowcontrol.apiserver.k8s.io/v1 FlowSchema and PriorityLevelConfiguration: stored and validated; enforcement is elsewhere. */

const DEFAULT_MATCHING_PRECEDENCE = 1000;
const MAX_MATCHING_PRECEDENCE = 10000;
const DEFAULT_NOMINAL_CONCURRENCY_SHARES = 30;
const DEFAULT_QUEUES = 64;
const DEFAULT_HAND_SIZE = 8;
const DEFAULT_QUEUE_LENGTH_LIMIT = 50;
const MAX_QUEUES = 10 * 1000 * 1000;
const MAX_HASH_BITS = 60;
const DISTINGUISHER_METHODS = ['ByNamespace', 'ByUser'];
const SUBJECT_KINDS = ['Group', 'ServiceAccount', 'User'];
const PL_TYPES = ['Exempt', 'Limited'];
const LIMIT_RESPONSE_TYPES = ['Queue', 'Reject'];
const metaRules = { namespaced: false, nameValidator: validatePathSegmentName };

/** SetDefaults_FlowSchemaSpec. */
export function applyFlowSchemaDefaults(obj: FlowSchema): void {
  const spec = obj.spec ?? (obj.spec = {});
  if (!spec.matchingPrecedence) spec.matchingPrecedence = DEFAULT_MATCHING_PRECEDENCE;
}

const unset = (v: unknown): boolean => v === undefined || v === null;

/** SetDefaults for Limited (shares 30, lendable 0), its queuing (64/8/50) and Exempt (0/0). */
export function applyPriorityLevelDefaults(obj: PriorityLevelConfiguration): void {
  const spec = obj.spec ?? (obj.spec = {});
  const limited = spec.limited;
  if (limited) {
    if (unset(limited.nominalConcurrencyShares)) limited.nominalConcurrencyShares = DEFAULT_NOMINAL_CONCURRENCY_SHARES;
    if (unset(limited.lendablePercent)) limited.lendablePercent = 0;
    const queuing = limited.limitResponse?.queuing;
    if (queuing) {
      if (!queuing.handSize) queuing.handSize = DEFAULT_HAND_SIZE;
      if (!queuing.queues) queuing.queues = DEFAULT_QUEUES;
      if (!queuing.queueLengthLimit) queuing.queueLengthLimit = DEFAULT_QUEUE_LENGTH_LIMIT;
    }
  }
  const exempt = spec.exempt;
  if (exempt) {
    if (unset(exempt.nominalConcurrencyShares)) exempt.nominalConcurrencyShares = 0;
    if (unset(exempt.lendablePercent)) exempt.lendablePercent = 0;
  }
}

function validateWildcardList(
  values: readonly string[],
  path: string,
  missing: string,
  others: string,
  each?: (v: string, at: string) => FieldError[],
): FieldError[] {
  if (values.length === 0) return [required(path, missing)];
  if (values.includes('*')) {
    return values.length > 1 ? [invalid(path, values, `if '*' is present, must not specify other ${others}`)] : [];
  }
  return each ? values.flatMap((v, i) => each(v, index(path, i))) : [];
}

function validateNamespace(ns: string, at: string): FieldError[] {
  return validateNamespaceName(ns, false).map((msg) => invalid(at, ns, msg));
}

function validateResourceRule(rule: ResourcePolicyRule, path: string): FieldError[] {
  const errs = [
    ...validateWildcardList(rule.verbs ?? [], child(path, 'verbs'), 'verbs must contain at least one value', 'verbs'),
    ...validateWildcardList(
      rule.apiGroups ?? [],
      child(path, 'apiGroups'),
      'resource rules must supply at least one api group',
      'api groups',
    ),
    ...validateWildcardList(
      rule.resources ?? [],
      child(path, 'resources'),
      'resource rules must supply at least one resource',
      'resources',
    ),
  ];
  const namespaces = rule.namespaces ?? [];
  if (namespaces.length === 0 && !rule.clusterScope) {
    errs.push(
      required(
        child(path, 'namespaces'),
        'resource rules that are not cluster scoped must supply at least one namespace',
      ),
    );
  } else if (namespaces.length > 0) {
    errs.push(...validateWildcardList(namespaces, child(path, 'namespaces'), '', 'namespaces', validateNamespace));
  }
  return errs;
}

function validateNonResourceUrl(url: string, at: string): FieldError[] {
  if (url === '') return [invalid(at, url, 'must not be empty')];
  if (url === '/') return [];
  if (!url.startsWith('/')) return [invalid(at, url, 'must start with slash')];
  if (url.includes('//')) return [invalid(at, url, 'must not contain double slash')];
  const inner = url.slice(0, -1);
  if (inner.includes('*')) return [invalid(at, url, 'wildcard can only do suffix glob matching')];
  return [];
}

function validateNonResourceRule(rule: NonResourcePolicyRule, path: string): FieldError[] {
  return [
    ...validateWildcardList(rule.verbs ?? [], child(path, 'verbs'), 'verbs must contain at least one value', 'verbs'),
    ...validateWildcardList(
      rule.nonResourceURLs ?? [],
      child(path, 'nonResourceURLs'),
      'nonResourceURLs must contain at least one value',
      'non-resource URLs',
      validateNonResourceUrl,
    ),
  ];
}

function validateSubject(subject: Subject, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const kind = subject.kind ?? '';
  const forbid = (field: 'user' | 'group' | 'serviceAccount', expected: string): void => {
    if (subject[field])
      errs.push(forbidden(child(path, field), `${field} is forbidden when subject kind is not '${expected}'`));
  };
  switch (kind) {
    case 'ServiceAccount': {
      const sa = subject.serviceAccount;
      const at = child(path, 'serviceAccount');
      if (!sa) errs.push(required(at, "serviceAccount is required when subject kind is 'ServiceAccount'"));
      else {
        const name = sa.name ?? '';
        if (name === '') errs.push(required(child(at, 'name')));
        else if (name !== '*')
          for (const msg of isDNS1123Subdomain(name)) errs.push(invalid(child(at, 'name'), name, msg));
        if (sa.namespace) errs.push(...validateNamespace(sa.namespace, child(at, 'namespace')));
        else errs.push(required(child(at, 'namespace'), 'must specify namespace for service account'));
      }
      forbid('user', 'User');
      forbid('group', 'Group');
      break;
    }
    case 'User':
      if (!subject.user) errs.push(required(child(path, 'user'), "user is required when subject kind is 'User'"));
      else if (!subject.user.name) errs.push(required(child(path, 'user.name')));
      forbid('serviceAccount', 'ServiceAccount');
      forbid('group', 'Group');
      break;
    case 'Group':
      if (!subject.group) errs.push(required(child(path, 'group'), "group is required when subject kind is 'Group'"));
      else if (!subject.group.name) errs.push(required(child(path, 'group.name')));
      forbid('serviceAccount', 'ServiceAccount');
      forbid('user', 'User');
      break;
    default:
      errs.push(notSupported(child(path, 'kind'), kind, SUBJECT_KINDS));
  }
  return errs;
}

function validatePolicyRules(rule: PolicyRulesWithSubjects, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const subjects = rule.subjects ?? [];
  if (subjects.length === 0) errs.push(required(child(path, 'subjects'), 'subjects must contain at least one value'));
  subjects.forEach((s, i) => errs.push(...validateSubject(s, index(child(path, 'subjects'), i))));
  const resourceRules = rule.resourceRules ?? [];
  const nonResourceRules = rule.nonResourceRules ?? [];
  if (resourceRules.length === 0 && nonResourceRules.length === 0) {
    errs.push(required(path, 'at least one of resourceRules and nonResourceRules has to be non-empty'));
  }
  resourceRules.forEach((r, i) => errs.push(...validateResourceRule(r, index(child(path, 'resourceRules'), i))));
  nonResourceRules.forEach((r, i) =>
    errs.push(...validateNonResourceRule(r, index(child(path, 'nonResourceRules'), i))),
  );
  return errs;
}

function validateConditionTypes(conditions: ReadonlyArray<{ type?: string }>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  conditions.forEach((c, i) => {
    const type = c.type ?? '';
    if (type === '') errs.push(required(child(index(path, i), 'type'), 'must not be empty'));
    if (seen.has(type)) errs.push(duplicate(child(index(path, i), 'type'), type));
    seen.add(type);
  });
  return errs;
}

export function validateFlowSchemaSpec(name: string, spec: FlowSchemaSpec): FieldError[] {
  const errs: FieldError[] = [];
  const precedence = spec.matchingPrecedence ?? 0;
  const at = 'spec.matchingPrecedence';
  if (precedence <= 0) errs.push(invalid(at, precedence, 'must be a positive value'));
  if (precedence > MAX_MATCHING_PRECEDENCE) {
    errs.push(invalid(at, precedence, `must not be greater than ${MAX_MATCHING_PRECEDENCE}`));
  }
  if (precedence === 1 && name !== 'exempt') {
    errs.push(invalid(at, precedence, "only the schema named 'exempt' may have matchingPrecedence 1"));
  }
  const method = spec.distinguisherMethod;
  if (method && !DISTINGUISHER_METHODS.includes(method.type ?? '')) {
    errs.push(notSupported('spec.distinguisherMethod.type', method.type ?? '', DISTINGUISHER_METHODS));
  }
  const plName = spec.priorityLevelConfiguration?.name ?? '';
  const plPath = 'spec.priorityLevelConfiguration.name';
  if (plName === '') errs.push(required(plPath, 'must reference a priority level'));
  else for (const msg of validatePathSegmentName(plName, false)) errs.push(invalid(plPath, plName, msg));
  (spec.rules ?? []).forEach((r, i) => errs.push(...validatePolicyRules(r, index('spec.rules', i))));
  return errs;
}

function validateFlowSchema(obj: FlowSchema): FieldError[] {
  return [
    ...validateFlowSchemaSpec(metaOf(obj).name ?? '', obj.spec ?? {}),
    ...validateConditionTypes(obj.status?.conditions ?? [], 'status.conditions'),
  ];
}

/** ceil(log2(deck) * hand): the hash bits shuffle sharding needs. */
function requiredEntropyBits(deckSize: number, handSize: number): number {
  return Math.ceil(Math.log2(deckSize) * handSize);
}

function validateQueuing(q: QueuingConfiguration, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const limit = q.queueLengthLimit ?? 0;
  const queues = q.queues ?? 0;
  const handSize = q.handSize ?? 0;
  if (limit <= 0) errs.push(invalid(child(path, 'queueLengthLimit'), limit, 'must be positive'));
  if (queues <= 0) errs.push(invalid(child(path, 'queues'), queues, 'must be positive'));
  else if (queues > MAX_QUEUES)
    errs.push(invalid(child(path, 'queues'), queues, `must not be greater than ${MAX_QUEUES}`));
  const handPath = child(path, 'handSize');
  if (handSize <= 0) errs.push(invalid(handPath, handSize, 'must be positive'));
  else if (handSize > queues) errs.push(invalid(handPath, handSize, `should not be greater than queues (${queues})`));
  else if (requiredEntropyBits(queues, handSize) > MAX_HASH_BITS) {
    errs.push(
      invalid(
        handPath,
        handSize,
        `required entropy bits of deckSize ${queues} and handSize ${handSize} should not be greater than ${MAX_HASH_BITS}`,
      ),
    );
  }
  return errs;
}

function validateLimitResponse(lr: LimitResponse | undefined, path: string): FieldError[] {
  const type = lr?.type ?? '';
  switch (type) {
    case 'Reject':
      return lr?.queuing
        ? [forbidden(child(path, 'queuing'), 'must be nil if limited.limitResponse.type is not Limited')]
        : [];
    case 'Queue':
      return lr?.queuing
        ? validateQueuing(lr.queuing, child(path, 'queuing'))
        : [required(child(path, 'queuing'), 'must not be empty if limited.limitResponse.type is Limited')];
    default:
      return [notSupported(child(path, 'type'), type, LIMIT_RESPONSE_TYPES)];
  }
}

function validatePercentAndShares(
  c: { nominalConcurrencyShares?: number; lendablePercent?: number },
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const shares = c.nominalConcurrencyShares;
  if (typeof shares === 'number' && shares < 0) {
    errs.push(invalid(child(path, 'nominalConcurrencyShares'), shares, 'must be a non-negative integer'));
  }
  const lendable = c.lendablePercent;
  if (typeof lendable === 'number' && (lendable < 0 || lendable > 100)) {
    errs.push(invalid(child(path, 'lendablePercent'), lendable, 'must be between 0 and 100, inclusive'));
  }
  return errs;
}

function validateLimited(limited: LimitedPriorityLevelConfiguration, path: string): FieldError[] {
  const errs = validatePercentAndShares(limited, path);
  errs.push(...validateLimitResponse(limited.limitResponse, child(path, 'limitResponse')));
  const borrowing = limited.borrowingLimitPercent;
  if (typeof borrowing === 'number' && borrowing < 0) {
    errs.push(invalid(child(path, 'borrowingLimitPercent'), borrowing, 'if specified, must be a non-negative integer'));
  }
  return errs;
}

export function validatePriorityLevelSpec(obj: PriorityLevelConfiguration): FieldError[] {
  const spec = obj.spec ?? {};
  const type = spec.type ?? '';
  const errs: FieldError[] = [];
  if ((metaOf(obj).name === 'exempt') !== (type === 'Exempt')) {
    errs.push(invalid('spec.type', type, "type must be 'Exempt' if and only if name is 'exempt'"));
  }
  switch (type) {
    case 'Exempt':
      if (spec.limited) errs.push(forbidden('spec.limited', 'must be nil if the type is not Limited'));
      if (spec.exempt) errs.push(...validatePercentAndShares(spec.exempt, 'spec.exempt'));
      break;
    case 'Limited':
      if (spec.exempt) errs.push(forbidden('spec.exempt', 'must be nil if the type is Limited'));
      if (!spec.limited) errs.push(required('spec.limited', 'must not be empty when type is Limited'));
      else errs.push(...validateLimited(spec.limited, 'spec.limited'));
      break;
    default:
      errs.push(notSupported('spec.type', type, PL_TYPES));
  }
  errs.push(...validateConditionTypes(obj.status?.conditions ?? [], 'status.conditions'));
  return errs;
}

/** Both kinds: status is the status subresource's, generation follows the spec. */
function statusAndGeneration<T extends FlowSchema | PriorityLevelConfiguration>(): Pick<
  KindStrategy<T>,
  'prepareForCreate' | 'prepareForUpdate'
> {
  return {
    prepareForCreate(obj) {
      obj.status = {};
      metaOf(obj).generation = 1;
    },
    prepareForUpdate(obj, old) {
      obj.status = deepClone(old.status) ?? {};
      nextGeneration(obj, old, !semanticEqual(obj.spec, old.spec));
    },
  };
}

export const flowSchemaStrategy: KindStrategy = forStore<FlowSchema>({
  namespaced: false,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  statusPaths: ['status'],
  applyDefaults: applyFlowSchemaDefaults,
  ...statusAndGeneration<FlowSchema>(),
  validate: (obj) => [...validateMetaCreate(obj, metaRules), ...validateFlowSchema(obj)],
  validateUpdate: (obj, old) => [...validateMetaUpdate(obj, old), ...validateFlowSchema(obj)],
});

export const priorityLevelConfigurationStrategy: KindStrategy = forStore<PriorityLevelConfiguration>({
  namespaced: false,
  allowCreateOnUpdate: false,
  allowUnconditionalUpdate: true,
  statusPaths: ['status'],
  applyDefaults: applyPriorityLevelDefaults,
  ...statusAndGeneration<PriorityLevelConfiguration>(),
  validate: (obj) => [...validateMetaCreate(obj, metaRules), ...validatePriorityLevelSpec(obj)],
  validateUpdate: (obj, old) => [...validateMetaUpdate(obj, old), ...validatePriorityLevelSpec(obj)],
});
