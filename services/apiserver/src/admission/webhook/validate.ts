import type { ValidatingWebhook } from '../../generated/k8s.io.api.admissionregistration.v1';
import type { AdmissionAttributes } from '../interface';
import { callAndJudge, failOpen, shouldCall, type InvokeDeps } from './invoke';
import type { WebhookEntry } from './source';

async function invokeOne(entry: WebhookEntry<ValidatingWebhook>, a: AdmissionAttributes, deps: InvokeDeps) {
  const hook = entry.hook;
  try {
    const matched = await shouldCall(hook, a, deps);
    if (!matched) return;
    await callAndJudge(hook, a, matched, false, deps);
  } catch (e) {
    failOpen(hook, e, deps);
  }
}

/**
 * The validating webhooks, all at once: they cannot change the object, so none
 * waits for another. The first refusal in webhook order is the request's.
 */
export async function runValidatingWebhooks(
  hooks: readonly WebhookEntry<ValidatingWebhook>[],
  a: AdmissionAttributes,
  deps: InvokeDeps,
): Promise<void> {
  const outcomes = await Promise.allSettled(hooks.map((h) => invokeOne(h, a, deps)));
  for (const o of outcomes) if (o.status === 'rejected') throw o.reason;
}
