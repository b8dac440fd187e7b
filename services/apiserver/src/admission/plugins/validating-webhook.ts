import type { ValidatingWebhook } from '../../generated/k8s.io.api.admissionregistration.v1';
import type { AdmissionPlugin } from '../interface';
import { isExemptResource } from '../webhook/matching';
import { WebhookSource } from '../webhook/source';
import type { AdmissionPluginFactory } from './deps';

/** ValidatingAdmissionWebhook: the ValidatingWebhookConfigurations' webhooks, called in parallel. */
export const validatingAdmissionWebhook: AdmissionPluginFactory = (deps): AdmissionPlugin => {
  const stop = new AbortController();
  const store = deps.table.store('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations');
  const source = new WebhookSource<ValidatingWebhook>(store, stop.signal, deps.log);
  const invokeDeps = { table: deps.table, log: deps.log, observe: deps.observeWebhook };
  return {
    name: 'ValidatingAdmissionWebhook',
    handles: () => true,
    synced: source.synced,
    async validate(a) {
      const hooks = source.webhooks();
      if (hooks.length === 0 || isExemptResource(a)) return;
      // the calling machinery loads with the first webhook (see mutating-webhook.ts)
      const { runValidatingWebhooks } = await import('../webhook/validate');
      await runValidatingWebhooks(hooks, a, invokeDeps);
    },
    close: () => stop.abort(),
  };
};
