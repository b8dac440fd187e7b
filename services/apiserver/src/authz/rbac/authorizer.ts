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

/**
 * Everything of a request RBAC reads besides the user (not uid or extra: rules never name
 * them): resource rules never look at the path, non-resource rules only at verb and path.
 */
function requestKey(a: Attributes): string {
  return a.isResourceRequest
    ? `r\u0000${a.verb}\u0000${a.apiGroup}\u0000${a.resource}\u0000${a.subresource}\u0000${a.namespace}\u0000${a.name}`
    : `n\u0000${a.verb}\u0000${a.path}`;
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
  private readonly decisions = new Map<string, Map<string, AuthorizerResult>>();
  private decisionsCount = 0;
  private decisionsGeneration = -1;

  constructor(private readonly index: RuleIndex) {}

  authorize(a: Attributes): AuthorizerResult {
    if (this.decisionsGeneration !== this.index.generation || this.decisionsCount >= MAX_CACHED_DECISIONS) {
      this.decisions.clear();
      this.decisionsCount = 0;
      this.decisionsGeneration = this.index.generation;
    }
    // the user's key is one string per user object, so this lookup hashes it only once
    const userKey = nameAndGroupsKey(a.user);
    let forUser = this.decisions.get(userKey);
    if (!forUser) {
      forUser = new Map();
      this.decisions.set(userKey, forUser);
    }
    const key = requestKey(a);
    const cached = forUser.get(key);
    if (cached) return cached;
    const result = this.evaluate(a);
    forUser.set(key, result);
    this.decisionsCount++;
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
