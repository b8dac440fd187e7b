import { randomUUID } from 'node:crypto';
import { microNow } from '../../audit/event';
import type { Filter } from './types';

/**
 * Upstream's WithAuditInit (with WithRequestReceivedTimestamp): every response
 * carries an Audit-Id, the client's own when it sent one, whether or not
 * auditing is on.
 */
export function withAuditInit(): Filter {
  return (next) => async (ctx) => {
    ctx.receivedAt = microNow();
    const sent = ctx.req.headers['audit-id']?.trim();
    const auditID = sent ? sent : randomUUID();
    ctx.auditID = auditID;
    const res = await next(ctx);
    res.headers = { ...res.headers, 'audit-id': auditID };
    return res;
  };
}
