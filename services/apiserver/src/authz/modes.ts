import type { PolicyRule } from '../generated/k8s.io.api.rbac.v1';
import { NodeAuthorizer, type NodeGraph } from './node';
import { RbacAuthorizer } from './rbac/authorizer';
import { nodeRules } from './rbac/bootstrap-policy';
import type { RuleIndex } from './rbac/rule-index';
import { rulesFor as rbacRulesFor } from './rbac/rules-for';
import {
  SYSTEM_MASTERS,
  type Attributes,
  type Authorizer,
  type AuthorizerResult,
  type RuleResolver,
  type RulesForResult,
  type UserInfo,
} from './types';

export const AUTHORIZATION_MODES = ['AlwaysAllow', 'AlwaysDeny', 'Node', 'RBAC'] as const;
export type AuthorizationMode = (typeof AUTHORIZATION_MODES)[number];

export interface AuthorizerDeps {
  /** required for RBAC */
  ruleIndex?: RuleIndex;
  /** pod/volume relationships for the Node authorizer; without it those requests get no opinion */
  nodeGraph?: NodeGraph;
  /** the static node rules; defaults to the bootstrap system:node ClusterRole's */
  nodeRules?: PolicyRule[];
  /** Told each terminal decision of a mode (apiserver_authorization_decisions_total); no opinion is not one. */
  observeDecision?: (type: string, name: string, decision: 'allowed' | 'denied') => void;
}

type Member = Authorizer & RuleResolver;

const alwaysAllow: Member = {
  authorize: () => ({ decision: 'allow', reason: '' }),
  rulesFor: () => ({
    resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [] }],
    nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    incomplete: false,
    evaluationError: '',
  }),
};

// upstream's AlwaysDeny answers "no opinion" with a reason, so a later mode could still allow
const alwaysDeny: Member = {
  authorize: () => ({ decision: 'noOpinion', reason: 'Everything is forbidden.' }),
  rulesFor: () => ({ resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: '' }),
};

/** The members of system:masters may do anything, before any mode is asked (kube-apiserver's privileged groups). */
const privilegedGroups: Authorizer = {
  authorize: (a) =>
    a.user.groups.includes(SYSTEM_MASTERS) ? { decision: 'allow', reason: '' } : { decision: 'noOpinion', reason: '' },
};

function member(mode: string, deps: AuthorizerDeps): Member {
  switch (mode) {
    case 'AlwaysAllow':
      return alwaysAllow;
    case 'AlwaysDeny':
      return alwaysDeny;
    case 'Node': {
      const node = new NodeAuthorizer(deps.nodeRules ?? nodeRules(), deps.nodeGraph);
      return { authorize: (a) => node.authorize(a), rulesFor: (u) => node.rulesFor(u) };
    }
    case 'RBAC': {
      const index = deps.ruleIndex;
      if (!index) throw new Error('authorization mode RBAC needs a rule index');
      const rbac = new RbacAuthorizer(index);
      return { authorize: (a) => rbac.authorize(a), rulesFor: (u, ns) => rbacRulesFor(index, u, ns) };
    }
    default:
      throw new Error(`unknown authorization mode ${JSON.stringify(mode)} specified`);
  }
}

/**
 * The chain behind --authorization-mode: the first allow or deny wins, no
 * opinion moves on, and when nobody decides the request is refused with every
 * reason given, one per line, as upstream's union authorizer reports them.
 */
export class UnionAuthorizer implements Authorizer, RuleResolver {
  constructor(
    private readonly authorizers: readonly Authorizer[],
    private readonly resolvers: readonly RuleResolver[],
  ) {}

  authorize(a: Attributes): AuthorizerResult {
    const reasons: string[] = [];
    for (const z of this.authorizers) {
      const r = z.authorize(a);
      if (r.reason) reasons.push(r.reason);
      if (r.decision !== 'noOpinion') return r;
    }
    return { decision: 'deny', reason: reasons.join('\n') };
  }

  rulesFor(user: UserInfo, namespace: string): RulesForResult {
    const out: RulesForResult = { resourceRules: [], nonResourceRules: [], incomplete: false, evaluationError: '' };
    const errors: string[] = [];
    for (const r of this.resolvers) {
      const part = r.rulesFor(user, namespace);
      out.resourceRules.push(...part.resourceRules);
      out.nonResourceRules.push(...part.nonResourceRules);
      out.incomplete = out.incomplete || part.incomplete;
      if (part.evaluationError) errors.push(part.evaluationError);
    }
    out.evaluationError =
      errors.length === 0 ? '' : errors.length === 1 ? errors[0] : `[${[...new Set(errors)].join(', ')}]`;
    return out;
  }
}

/** Builds the authorizer for `--authorization-mode` values, in the order given. */
export function buildAuthorizer(modes: readonly string[], deps: AuthorizerDeps = {}): UnionAuthorizer {
  const seen = new Set<string>();
  for (const m of modes) {
    if (seen.has(m)) throw new Error(`authorization-mode ${JSON.stringify(m)} has mentioned multiple times`);
    seen.add(m);
  }
  const members = modes.map((m) => member(m, deps));
  const observe = deps.observeDecision;
  const deciders = observe ? members.map((m, i) => observed(m, modes[i], observe)) : members;
  return new UnionAuthorizer([privilegedGroups, ...deciders], members);
}

/** A mode that reports its allows and denies, named as upstream names the modes of --authorization-mode. */
function observed(
  inner: Authorizer,
  mode: string,
  observe: NonNullable<AuthorizerDeps['observeDecision']>,
): Authorizer {
  const name = mode.toLowerCase();
  return {
    authorize: (a) => {
      const r = inner.authorize(a);
      if (r.decision === 'allow') observe(mode, name, 'allowed');
      else if (r.decision === 'deny') observe(mode, name, 'denied');
      return r;
    },
  };
}
