import { isDeepStrictEqual } from 'node:util';
import { StatusError } from '../../api/errors';
import { isPlainObject, type KubeObject } from '../../api/object';
import type { MutatingWebhook } from '../../generated/k8s.io.api.admissionregistration.v1';
import { applyJsonPatch } from '../../patch/json-patch';
import type { AdmissionAttributes } from '../interface';
import { CallingWebhookError, internalError } from './errors';
import { callAndJudge, failOpen, shouldCall, type InvokeDeps } from './invoke';
import type { WebhookEntry } from './source';

/**
 * A webhook's JSONPatch on the request's object. A patch that cannot be decoded is a
 * call failure (failurePolicy applies); one that cannot be applied, or that turns
 * the object into another kind, is an internal error whatever the policy.
 */
function patched(name: string, a: AdmissionAttributes, patch: Buffer, patchType: string | undefined): KubeObject {
  if (patchType !== 'JSONPatch') throw new CallingWebhookError(name, `unsupported patch type "${patchType ?? ''}"`);
  let ops: unknown;
  try {
    ops = JSON.parse(patch.toString('utf8'));
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new CallingWebhookError(name, `received undecodable patch in webhook response: ${why}`);
  }
  if (!Array.isArray(ops)) {
    throw new CallingWebhookError(
      name,
      'received undecodable patch in webhook response: json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    );
  }
  if (ops.length === 0 || !a.object) {
    if (ops.length > 0) {
      throw internalError(
        `admission webhook "${name}" attempted to modify the object, which is not supported for this operation`,
      );
    }
    return a.object as KubeObject;
  }
  let out: KubeObject;
  try {
    out = applyJsonPatch(a.object, ops);
  } catch (e) {
    throw internalError(e instanceof StatusError || e instanceof Error ? e.message : String(e));
  }
  if (!isPlainObject(out) || !isPlainObject(out.metadata ?? {})) throw internalError('patched object is not an object');
  if (out.apiVersion !== a.object.apiVersion || out.kind !== a.object.kind) {
    throw internalError(
      `unable to decode the patched object: expected ${a.object.apiVersion ?? ''}, Kind=${a.object.kind ?? ''}, got ${String(out.apiVersion ?? '')}, Kind=${String(out.kind ?? '')}`,
    );
  }
  return out;
}

/** One webhook call with its failure policy; true when the object changed. */
async function invokeOne(
  entry: WebhookEntry<MutatingWebhook>,
  at: { round: number; index: number },
  a: AdmissionAttributes,
  deps: InvokeDeps,
): Promise<{ called: boolean; changed: boolean }> {
  const hook = entry.hook;
  const name = hook.name ?? '';
  let matched;
  try {
    matched = await shouldCall(hook, a, deps);
  } catch (e) {
    failOpen(hook, e, deps);
    return { called: false, changed: false };
  }
  if (!matched) return { called: false, changed: false };
  try {
    const answer = await callAndJudge(hook, a, matched, true, deps);
    if (!answer.patch || answer.patch.length === 0) return { called: true, changed: false };
    const next = patched(name, a, answer.patch, answer.patchType);
    const changed = !isDeepStrictEqual(next, a.object);
    a.object = next;
    const key = `round_${at.round}_index_${at.index}`;
    const ids = { configuration: entry.configuration, webhook: name };
    a.recorder.auditAnnotations[`mutation.webhook.admission.k8s.io/${key}`] = JSON.stringify({
      ...ids,
      mutated: changed,
    });
    if (changed) {
      const patch = JSON.parse(answer.patch.toString('utf8')) as unknown;
      a.recorder.auditAnnotations[`patch.webhook.admission.k8s.io/${key}`] = JSON.stringify({
        ...ids,
        patch,
        patchType: 'JSONPatch',
      });
    }
    return { called: true, changed };
  } catch (e) {
    failOpen(hook, e, deps);
    return { called: true, changed: false };
  }
}

/**
 * The mutating webhooks in order, one at a time, each seeing the previous one's
 * result. A change by a later webhook re-runs, once, the earlier ones that asked
 * for it (reinvocationPolicy IfNeeded), as upstream's second round does.
 */
export async function runMutatingWebhooks(
  hooks: readonly WebhookEntry<MutatingWebhook>[],
  a: AdmissionAttributes,
  deps: InvokeDeps,
): Promise<void> {
  const reinvocable: string[] = [];
  const again = new Set<string>();
  for (const [index, entry] of hooks.entries()) {
    const { called, changed } = await invokeOne(entry, { round: 0, index }, a, deps);
    if (changed) for (const uid of reinvocable) again.add(uid);
    if (called && entry.hook.reinvocationPolicy === 'IfNeeded') reinvocable.push(entry.uid);
  }
  if (again.size === 0) return;
  for (const [index, entry] of hooks.entries()) {
    if (again.has(entry.uid)) await invokeOne(entry, { round: 1, index }, a, deps);
  }
}
