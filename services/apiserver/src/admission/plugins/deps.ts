import type { Authorizer } from '../../authz/types';
import type { ServerOptions } from '../../options';
import type { StoreTable } from '../../registry/store-table';
import type { Backend } from '../../storage/backend';
import type { Storage } from '../../storage/interface';
import type { AdmissionPlugin } from '../interface';
import type { WebhookObserver } from '../webhook/invoke';

/** What a plugin may use: the other stores (reads come from the watch cache), the authorizer, the flags. */
export interface AdmissionDeps {
  table: StoreTable;
  authorizer: Authorizer;
  opts: ServerOptions;
  /** the replica's storage (behind the watch cache) and the backend it runs on, for plugins that need transactions */
  storage: Storage;
  backend: Backend;
  /** the etcd key prefix (e.g. /registry) */
  prefix: string;
  log: (line: string) => void;
  /** the webhook plugins' timings (apiserver_admission_webhook_*) */
  observeWebhook?: WebhookObserver;
}

export type AdmissionPluginFactory = (deps: AdmissionDeps) => AdmissionPlugin;
