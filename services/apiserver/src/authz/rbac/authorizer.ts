import { nameAndGroupsKey } from '../../api/user-key';
import type { Attributes, Authorizer, AuthorizerResult } from '../types';
import { describeSource, type RuleIndex } from './rule-index';
import { ruleAllows } from './rules';

/** Go's utilerrors.NewAggregate(errs).Error(): one message bare, several de-duplicated in brackets. */
export function aggregateMessage(messages: readonly string[]): string {
  if (messages.length === 1) return messages[0];
  const seen = [...new Set(messages)];
  return seen.length === 1 ? seen[0] : `[${seen.join(', ')}]`;
}

const MAX_CACHED_DECISIONS = 10_000;

/** Everything of a request RBAC reads (not uid or extra: rules never name them). */
function decisionKey(a: Attributes): string {
  const kind = a.isResourceRequest ? 'r' : 'n';
  return `${nameAndGroupsKey(a.user)}\u0000${a.verb}\u0000${kind}\u0000${a.path}\u0000${a.apiGroup}\u0000${a.resource}\u0000${a.subresource}\u0000${a.namespace}\u0000${a.name}`;
}

/**
 * upstream's RBACAuthorizer: allow on the first rule that matches, otherwise no
 * opinion, so that later authorizers in the chain still get their say.
 */
export class RbacAuthorizer implements Authorizer {
  /**
   * Decisions depend only on the index and on these attributes, so a client's repeated
   * requests are answered from here until any role or binding changes.
   */
  private readonly decisions = new Map<string, AuthorizerResult>();
  private decisionsGeneration = -1;

  constructor(private readonly index: RuleIndex) {}

  authorize(a: Attributes): AuthorizerResult {
    if (this.decisionsGeneration !== this.index.generation || this.decisions.size >= MAX_CACHED_DECISIONS) {
      this.decisions.clear();
      this.decisionsGeneration = this.index.generation;
    }
    const key = decisionKey(a);
    const cached = this.decisions.get(key);
    if (cached) return cached;
    const result = this.evaluate(a);
    this.decisions.set(key, result);
    return result;
  }

  private evaluate(a: Attributes): AuthorizerResult {
    let reason = '';
    let allowed = false;
    const errors: string[] = [];
    this.index.visitRulesFor(a.user, a.namespace, (source, rule, err) => {
      if (err) {
        errors.push(err.message);
        return true;
      }
      if (source && rule && ruleAllows(a, rule)) {
        allowed = true;
        reason = `RBAC: allowed by ${describeSource(source)}`;
        return false;
      }
      return true;
    });
    if (allowed) return { decision: 'allow', reason };
    return { decision: 'noOpinion', reason: errors.length > 0 ? `RBAC: ${aggregateMessage(errors)}` : '' };
  }
}
