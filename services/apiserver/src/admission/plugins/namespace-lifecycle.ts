import { namespaceGate } from '../namespace-lifecycle';
import type { AdmissionPlugin } from '../interface';
import type { AdmissionPluginFactory } from './deps';

/** NamespaceLifecycle: no new content in a namespace that is missing or being terminated. */
export const namespaceLifecycle: AdmissionPluginFactory = (deps): AdmissionPlugin => {
  const gate = namespaceGate(() => deps.table.store('', 'v1', 'namespaces'));
  return {
    name: 'NamespaceLifecycle',
    handles: (op) => op === 'CREATE',
    // a mutating plugin upstream, so a missing namespace is refused before other mutating plugins look inside it
    async admit(a) {
      if (!a.namespace || a.subresource) return;
      await gate(
        a.namespace,
        { group: a.resource.group, resource: a.resource.resource },
        a.name || a.object?.metadata?.name,
      );
    },
  };
};
