import { BUILTIN_KINDS } from '../registry/kinds';
import { loadEncryptionConfig, type ResourceTransformers } from '../storage/value/encryption-config';
import { resourceKeyResolver, type KeyRoot } from '../storage/value/resource-keys';
import type { TransformerForKey } from '../storage/value/transforming-backend';

export interface HealthCheck {
  name: string;
  check: () => Promise<void>;
}

export interface EncryptionAtRest {
  transformerForKey: TransformerForKey;
  /** kms-providers, for /healthz and /readyz only (upstream keeps KMS out of /livez); empty without KMS v2 providers. */
  healthChecks: HealthCheck[];
  stop(): void;
}

/** Where each built-in kind's objects live, known before any store exists (stores start reading at once). */
function builtinKeyRoots(): KeyRoot[] {
  const roots: KeyRoot[] = [];
  // core kinds first: a key root two kinds share belongs to the core one (events)
  const ordered = [...BUILTIN_KINDS].sort((a, b) => Number(a.info.group !== '') - Number(b.info.group !== ''));
  for (const def of ordered) {
    const root = def.storedAs?.keyRoot ?? def.keyRoot ?? def.info.resource;
    const gr = { group: def.info.group, resource: def.info.resource };
    if (def.storedAs) {
      // the kind is served here but stored as another kind's version; that kind's rule applies
      const owner = BUILTIN_KINDS.find((k) => !k.storedAs && (k.keyRoot ?? k.info.resource) === root);
      if (owner) Object.assign(gr, { group: owner.info.group, resource: owner.info.resource });
    }
    roots.push({ root, ...gr });
  }
  // services keep their objects under services/specs (and endpoints under services/endpoints)
  roots.push({ root: 'services/specs', group: '', resource: 'services' });
  return roots;
}

/** --encryption-provider-config, loaded and primed (KMS v2 plugins asked once) before storage opens. */
export async function startEncryptionAtRest(configFile: string, prefix: string): Promise<EncryptionAtRest> {
  const transformers: ResourceTransformers = await loadEncryptionConfig(configFile);
  const resolve = resourceKeyResolver(prefix, builtinKeyRoots());
  const healthChecks: HealthCheck[] = [];
  if (transformers.kmsProviders.length > 0) {
    healthChecks.push({
      name: 'kms-providers',
      async check() {
        const errs: string[] = [];
        for (const [i, p] of transformers.kmsProviders.entries()) {
          await p.check().catch((e: Error) => errs.push(`kms-provider-${i}: ${e.message}`));
        }
        if (errs.length > 0) throw new Error(errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);
      },
    });
  }
  return {
    transformerForKey: (key) => transformers.forResource(resolve(key)),
    healthChecks,
    stop: () => transformers.stop(),
  };
}
