import { performance } from 'node:perf_hooks';
import { StatusError } from '../../api/errors';
import type { MutatingWebhook, ValidatingWebhook } from '../../generated/k8s.io.api.admissionregistration.v1';
import type { StoreTable } from '../../registry/store-table';
import type { AdmissionAttributes } from '../interface';
import { CallingWebhookError, dryRunUnsupported, internalError, webhookDenial } from './errors';
import { matchConditionsMatch } from './match-conditions';
import { matchRules, namespaceSelectorMatches, objectSelectorMatches, type MatchedVersion } from './matching';
import { buildReview, InvalidResponse, reviewVersion, verifyResponse, type ReviewResponse } from './review';
import { postReview, resolveEndpoint, TransportError } from './transport';
import { logWarning } from '../../logging/line-log';

type Webhook = MutatingWebhook | ValidatingWebhook;

/** What the webhook plugins share: the stores to look namespaces and services up in, and a log. */
export interface InvokeDeps {
  table: StoreTable;
  log: (line: string) => void;
  /** apiserver_admission_webhook_*: each call's duration, whether it refused, the code it answered with */
  observe?: WebhookObserver;
}

export type WebhookObserver = (
  name: string,
  type: 'admit' | 'validating',
  operation: string,
  rejected: boolean,
  seconds: number,
  code: number,
) => void;

/**
 * callWebhook, then the answer's warnings, annotations and refusal, timed as
 * upstream times a webhook: a call that fails counts as a refusal unless the
 * webhook fails open.
 */
export async function callAndJudge(
  hook: Webhook,
  a: AdmissionAttributes,
  matched: MatchedVersion,
  mutating: boolean,
  deps: InvokeDeps,
): Promise<ReviewResponse> {
  const name = hook.name ?? '';
  // refused before any call is made, so not timed (callWebhook throws the refusal)
  if (a.dryRun && hook.sideEffects !== 'None' && hook.sideEffects !== 'NoneOnDryRun') {
    return callWebhook(hook, a, matched, mutating, deps);
  }
  const type = mutating ? 'admit' : 'validating';
  const start = performance.now();
  let answer: ReviewResponse;
  try {
    answer = await callWebhook(hook, a, matched, mutating, deps);
  } catch (e) {
    const failsOpen = e instanceof CallingWebhookError && hook.failurePolicy === 'Ignore';
    deps.observe?.(name, type, a.operation, !failsOpen, (performance.now() - start) / 1000, 0);
    throw e;
  }
  record(name, a, answer);
  const denied = refusal(name, answer);
  deps.observe?.(
    name,
    type,
    a.operation,
    denied !== undefined,
    (performance.now() - start) / 1000,
    denied?.code ?? 200,
  );
  if (denied) throw denied;
  return answer;
}

/**
 * Whether the webhook is to be called for this request (upstream's ShouldCallHook):
 * rules, then namespaceSelector, objectSelector and matchConditions.
 */
export async function shouldCall(
  hook: Webhook,
  a: AdmissionAttributes,
  deps: InvokeDeps,
): Promise<MatchedVersion | undefined> {
  const info = deps.table.store(a.resource.group, a.resource.version, a.resource.resource)?.info;
  const namespaced = info ? info.namespaced : a.namespace !== '';
  const matched = matchRules(hook.rules, hook.matchPolicy, a, deps.table, namespaced);
  if (!matched) return undefined;
  if (!(await namespaceSelectorMatches(hook.namespaceSelector, a, deps.table))) return undefined;
  if (!objectSelectorMatches(hook.objectSelector, a)) return undefined;
  const conditions = hook.matchConditions ?? [];
  if (conditions.length > 0 && !matchConditionsMatch(hook.name ?? '', conditions, a, matched)) return undefined;
  return matched;
}

/** What client-go says of a non-2xx answer without a Status body. */
export function httpStatusText(code: number, body: Buffer): string {
  const known: Record<number, string> = {
    400: 'the server rejected our request for an unknown reason',
    401: 'the server has asked for the client to provide credentials',
    403: 'the server does not allow access to the requested resource',
    404: 'the server could not find the requested resource',
    405: 'the server does not allow this method on the requested resource',
    409: 'the server reported a conflict',
    413: 'the server has rejected the request because the request entity is too large',
    415: 'the server responded with the status code 415 but did not return more information',
    429: 'the server has received too many requests and has asked us to try again later',
    503: 'the server is currently unable to handle the request',
    504: 'the server was unable to return a response in the time allotted, but may still be processing the request',
  };
  const text = body.toString('utf8').slice(0, 1024);
  if (known[code]) return `${known[code]}`;
  if (code >= 500) return `an error on the server ("${text}") has prevented the request from succeeding`;
  return `the server responded with the status code ${code} but did not return more information`;
}

/** A status a webhook answered with, as client-go's error for it. */
export function statusBodyText(body: Buffer): string | undefined {
  try {
    const s = JSON.parse(body.toString('utf8')) as { kind?: unknown; message?: unknown };
    if (s && s.kind === 'Status' && typeof s.message === 'string') return s.message;
  } catch {
    // not a Status: the generic text
  }
  return undefined;
}

/**
 * Calls one webhook and returns its verified answer. A refusal by dryRun rules is a
 * StatusError; everything failurePolicy governs is a CallingWebhookError.
 */
export async function callWebhook(
  hook: Webhook,
  a: AdmissionAttributes,
  matched: MatchedVersion,
  mutating: boolean,
  deps: InvokeDeps,
): Promise<ReviewResponse> {
  const name = hook.name ?? '';
  if (a.dryRun && hook.sideEffects !== 'None' && hook.sideEffects !== 'NoneOnDryRun') {
    throw dryRunUnsupported(name);
  }
  const version = reviewVersion(hook.admissionReviewVersions);
  if (!version) {
    throw new CallingWebhookError(
      name,
      `could not create admission objects: webhook does not accept known AdmissionReview versions`,
    );
  }
  const { uid, body } = buildReview(a, matched, version);
  const timeout = Math.min(Math.max(hook.timeoutSeconds ?? 10, 1), 30);
  let res;
  try {
    const ep = await resolveEndpoint(hook.clientConfig ?? {}, deps.table);
    res = await postReview(ep, hook.clientConfig?.caBundle, body, timeout);
  } catch (e) {
    if (e instanceof TransportError) throw new CallingWebhookError(name, `failed to call webhook: ${e.message}`);
    throw new CallingWebhookError(name, `failed to call webhook: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (res.status < 200 || res.status > 299) {
    const text = statusBodyText(res.body) ?? httpStatusText(res.status, res.body);
    throw new CallingWebhookError(name, `failed to call webhook: ${text}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(res.body.toString('utf8'));
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new CallingWebhookError(name, `failed to call webhook: couldn't get version/kind; json parse error: ${why}`);
  }
  try {
    const out = verifyResponse(json, uid, version, mutating);
    return out;
  } catch (e) {
    if (e instanceof InvalidResponse) {
      throw new CallingWebhookError(name, `received invalid webhook response: ${e.message}`);
    }
    throw e;
  }
}

/** The warnings and audit annotations of an answer, into the request's recorder. */
export function record(hookName: string, a: AdmissionAttributes, r: ReviewResponse): void {
  for (const w of r.warnings) a.recorder.warnings.push(w);
  for (const [k, v] of Object.entries(r.auditAnnotations)) a.recorder.auditAnnotations[`${hookName}/${k}`] = v;
}

/** A refusal, when the answer is one. */
export function refusal(hookName: string, r: ReviewResponse): StatusError | undefined {
  return r.allowed ? undefined : webhookDenial(hookName, r.result);
}

/**
 * failurePolicy: a call failure under Ignore is logged and passed over (true),
 * under Fail (the default) it is the request's 500.
 */
export function failOpen(hook: Webhook, e: unknown, deps: InvokeDeps): true {
  if (e instanceof CallingWebhookError) {
    if (hook.failurePolicy === 'Ignore') {
      logWarning(deps.log, `Failed calling webhook, failing open ${hook.name ?? ''}: ${e.message}`);
      return true;
    }
    throw internalError(e.message);
  }
  throw e;
}
