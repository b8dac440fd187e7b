import type { MutatingWebhook } from '../../generated/k8s.io.api.admissionregistration.v1';
import type { AdmissionPlugin } from '../interface';
import { isExemptResource } from '../webhook/matching';
import { WebhookSource } from '../webhook/source';
import type { AdmissionPluginFactory } from './deps';

/** MutatingAdmissionWebhook: the MutatingWebhookConfigurations' webhooks, in order, patching the object. */
export const mutatingAdmissionWebhook: AdmissionPluginFactory = (deps): AdmissionPlugin => {
  const stop = new AbortController();
  const store = deps.table.store('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations');
  const source = new WebhookSource<MutatingWebhook>(store, stop.signal, deps.log);
  const invokeDeps = { table: deps.table, log: deps.log, observe: deps.observeWebhook };
  return {
    name: 'MutatingAdmissionWebhook',
    handles: () => true,
    synced: source.synced,
    async admit(a) {
      const hooks = source.webhooks();
      if (hooks.length === 0 || isExemptResource(a)) return;
      // the calling machinery (HTTP transport, JSON patch, CEL match conditions) loads with the first webhook
      const { runMutatingWebhooks } = await import('../webhook/mutate');
      await runMutatingWebhooks(hooks, a, invokeDeps);
    },
    close: () => stop.abort(),
  };
};
