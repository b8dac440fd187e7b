import type { Attributes, Authorizer, AuthorizerResult } from '../types';
import { describeSource, type RuleIndex } from './rule-index';
import { ruleAllows } from './rules';

/** Go's utilerrors.NewAggregate(errs).Error(): one message bare, several de-duplicated in brackets. */
export function aggregateMessage(messages: readonly string[]): string {
  if (messages.length === 1) return messages[0];
  const seen = [...new Set(messages)];
  return seen.length === 1 ? seen[0] : `[${seen.join(', ')}]`;
}

/**
 * upstream's RBACAuthorizer: allow on the first rule that matches, otherwise no
 * opinion, so that later authorizers in the chain still get their say.
 */
export class RbacAuthorizer implements Authorizer {
  constructor(private readonly index: RuleIndex) {}

  authorize(a: Attributes): AuthorizerResult {
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
