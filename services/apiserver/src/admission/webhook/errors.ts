import { StatusError, type StatusReason } from '../../api/errors';
import { isPlainObject } from '../../api/object';

/**
 * A failure to reach a webhook or to understand its answer: the one kind of
 * error failurePolicy Ignore lets through (upstream's ErrCallingWebhook).
 */
export class CallingWebhookError extends Error {
  constructor(
    readonly webhook: string,
    readonly detail: string,
  ) {
    super(`failed calling webhook "${webhook}": ${detail}`);
  }
}

/** apierrors.NewInternalError: 500 with the error text repeated as the only cause. */
export function internalError(message: string): StatusError {
  return new StatusError(500, 'InternalError', `Internal error occurred: ${message}`, {
    causes: [{ message }],
  });
}

export function dryRunUnsupported(webhook: string): StatusError {
  return new StatusError(400, 'BadRequest', `admission webhook "${webhook}" does not support dry run`);
}

const REASONS = new Set<string>([
  'BadRequest',
  'Unauthorized',
  'Forbidden',
  'NotFound',
  'AlreadyExists',
  'Conflict',
  'Gone',
  'Invalid',
  'ServerTimeout',
  'Timeout',
  'TooManyRequests',
  'MethodNotAllowed',
  'NotAcceptable',
  'RequestEntityTooLarge',
  'UnsupportedMediaType',
  'InternalError',
  'Expired',
  'ServiceUnavailable',
]);

/**
 * A webhook's refusal as upstream 1.32 reports it: the webhook's own status with
 * the code raised to at least 400 and the message prefixed with who denied it.
 * The webhook's details are kept when they are well formed.
 */
export function webhookDenial(webhook: string, result: unknown): StatusError {
  const r = isPlainObject(result) ? result : {};
  const rawCode = typeof r.code === 'number' && Number.isInteger(r.code) ? r.code : 0;
  // below 400 is no refusal, above 999 no HTTP status
  const code = rawCode < 400 || rawCode > 999 ? 400 : rawCode;
  const reason = typeof r.reason === 'string' ? r.reason : '';
  const message = typeof r.message === 'string' ? r.message : '';
  const deniedBy = `admission webhook "${webhook}" denied the request`;
  const text = message
    ? `${deniedBy}: ${message}`
    : reason
      ? `${deniedBy}: ${reason}`
      : `${deniedBy} without explanation`;
  // the error type only carries reasons the API knows; an unknown one is reported as none, as clients read it
  const knownReason = (REASONS.has(reason) ? reason : '') as StatusReason;
  return new StatusError(code, knownReason, text, detailsOf(r.details));
}

function detailsOf(d: unknown): StatusError['details'] {
  if (!isPlainObject(d)) return undefined;
  const out: NonNullable<StatusError['details']> = {};
  for (const k of ['name', 'group', 'kind', 'uid'] as const) if (typeof d[k] === 'string') out[k] = d[k];
  if (typeof d.retryAfterSeconds === 'number' && Number.isInteger(d.retryAfterSeconds))
    out.retryAfterSeconds = d.retryAfterSeconds;
  if (Array.isArray(d.causes)) {
    out.causes = d.causes.filter(isPlainObject).map((c) => ({
      ...(typeof c.reason === 'string' ? { reason: c.reason } : {}),
      ...(typeof c.message === 'string' ? { message: c.message } : {}),
      ...(typeof c.field === 'string' ? { field: c.field } : {}),
    }));
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
