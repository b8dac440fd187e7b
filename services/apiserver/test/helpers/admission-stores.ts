import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AdmissionChain } from '../../src/admission/chain';
import type { AdmissionPlugin } from '../../src/admission/interface';
import type { AdmissionDeps, AdmissionPluginFactory } from '../../src/admission/plugins/deps';
import type { UnionAuthorizer } from '../../src/authz/modes';
import type { Authorizer } from '../../src/authz/types';
import { parseOptions, type ServerOptions } from '../../src/options';
import type { GenericStore } from '../../src/registry/generic-store';
import type { KindDefinition } from '../../src/registry/kind';
import { namespaces } from '../../src/registry/kinds/core/namespaces';
import { newSecurityServices } from '../../src/registry/security';
import { makeStore } from '../../src/registry/store-factory';
import { StoreTable } from '../../src/registry/store-table';
import { loadSchemaSet } from '../../src/schema/load';
import { openStorage } from '../../src/storage/factory';
import type { Storage } from '../../src/storage/interface';
import { storageCodecFor } from '../../src/storage/protobuf-codec';

export interface AdmissionStores {
  table: StoreTable;
  store(group: string, resource: string): GenericStore;
  /** the storage every store writes to */
  storage: Storage;
  close(): Promise<void>;
}

/**
 * Real stores on a fresh embedded backend with the namespaces `default` and any
 * given, whose writes pass through the named plugins (built as a replica builds
 * them). `pluginStorage` lets a test put something (a lagging cache) between the
 * plugins and storage.
 */
export async function admissionStores(spec: {
  kinds: readonly KindDefinition[];
  plugins: readonly AdmissionPluginFactory[];
  authorizer: Authorizer;
  namespaces?: readonly string[];
  pluginStorage?: (storage: Storage) => Storage;
  /** what the access reviews answer with */
  reviewAuthorizer?: UnionAuthorizer;
}): Promise<AdmissionStores> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kapi-admplug-'));
  const opened = await openStorage(
    { backend: 'embedded', dataDir: dir },
    storageCodecFor('application/vnd.kubernetes.protobuf', loadSchemaSet()),
  );
  const admission = new AdmissionChain();
  const deps = {
    storage: opened.storage,
    backend: opened.backend,
    prefix: opened.prefix,
    serviceClusterIPRange: '10.96.0.0/12',
    serviceNodePortRange: '30000-32767',
    security: { ...newSecurityServices(), authorizer: spec.reviewAuthorizer },
    admission,
  };
  const table = new StoreTable();
  for (const def of [namespaces, ...spec.kinds]) table.add(makeStore(def, deps));
  const store = (group: string, resource: string): GenericStore => {
    const s = table.all().find((x) => x.info.group === group && x.info.resource === resource);
    if (!s) throw new Error(`no store for ${resource}.${group}`);
    return s;
  };
  for (const name of ['default', ...(spec.namespaces ?? [])]) {
    await store('', 'namespaces').create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  const pluginDeps: AdmissionDeps = {
    table,
    authorizer: spec.authorizer,
    opts: parseOptions([]) as ServerOptions,
    storage: spec.pluginStorage ? spec.pluginStorage(opened.storage) : opened.storage,
    backend: opened.backend,
    prefix: opened.prefix,
    log: () => undefined,
  };
  const plugins: AdmissionPlugin[] = spec.plugins.map((f) => f(pluginDeps));
  admission.setPlugins(plugins);
  await admission.synced();
  return {
    table,
    store,
    storage: opened.storage,
    async close() {
      await admission.close();
      await opened.storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
