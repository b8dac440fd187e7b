import type { KubeObject } from '../../api/object';
import { runKeyedInformer } from '../../controllers/informer';
import type {
  MutatingWebhook,
  MutatingWebhookConfiguration,
  ValidatingWebhook,
  ValidatingWebhookConfiguration,
} from '../../generated/k8s.io.api.admissionregistration.v1';
import type { GenericStore } from '../../registry/generic-store';

/** One webhook of a configuration, with the configuration it came from. */
export interface WebhookEntry<W> {
  configuration: string;
  /** unique across configurations: reinvocation remembers webhooks by it */
  uid: string;
  /** position in the configuration's list */
  index: number;
  hook: W;
}

/**
 * The webhooks of every MutatingWebhookConfiguration or ValidatingWebhookConfiguration,
 * kept current by an informer so a request never lists the store. Ordered as
 * upstream calls them: configurations by name, webhooks in their listed order.
 */
export class WebhookSource<W extends MutatingWebhook | ValidatingWebhook> {
  private readonly configs = new Map<string, KubeObject>();
  private ordered: WebhookEntry<W>[] = [];
  readonly synced: Promise<void>;

  constructor(store: GenericStore | undefined, signal: AbortSignal, log: (line: string) => void) {
    if (!store) {
      this.synced = Promise.resolve();
      return;
    }
    this.synced = runKeyedInformer(
      store,
      signal,
      {
        upsert: (o) => {
          this.configs.set(o.metadata?.name ?? '', o);
          this.rebuild();
        },
        remove: (_ns, name) => {
          this.configs.delete(name);
          this.rebuild();
        },
      },
      log,
    );
  }

  webhooks(): readonly WebhookEntry<W>[] {
    return this.ordered;
  }

  private rebuild(): void {
    const names = [...this.configs.keys()].sort();
    const out: WebhookEntry<W>[] = [];
    for (const name of names) {
      const cfg = this.configs.get(name) as MutatingWebhookConfiguration | ValidatingWebhookConfiguration;
      (cfg.webhooks ?? []).forEach((hook, index) => {
        out.push({ configuration: name, uid: `${name}/${index}/${hook.name ?? ''}`, index, hook: hook as W });
      });
    }
    this.ordered = out;
  }
}
