/**
 * Value transformers sit between the storage codec and the backend: they turn
 * encoded object bytes into what etcd holds and back. The etcd key is the
 * context a transformer may authenticate (upstream's value.Context).
 */
export interface FromStorage {
  data: Buffer;
  /** The value was not written by the first (writing) transformer: an update must rewrite it even if unchanged. */
  stale: boolean;
}

export interface ValueTransformer {
  fromStorage(data: Buffer, key: string): Promise<FromStorage>;
  toStorage(data: Buffer, key: string): Promise<Buffer>;
}

/** A transformer and the prefix its values carry; an empty prefix matches everything. */
export interface PrefixedTransformer {
  prefix: Buffer;
  transformer: ValueTransformer;
}

/** Upstream joins several failures of one read by listing them in brackets. */
function reduceErrors(errs: Error[]): Error | undefined {
  if (errs.length === 0) return undefined;
  if (errs.length === 1) return errs[0];
  return new Error(`[${errs.map((e) => e.message).join(', ')}]`);
}

/**
 * Reads try every transformer whose prefix matches, in order (several keys of one
 * provider share a prefix); writes use the first. A read not served by the first
 * is stale so that a rewrite moves it to the current key.
 */
export function prefixTransformers(noMatch: string, list: PrefixedTransformer[]): ValueTransformer {
  if (list.length === 0) throw new Error('at least one transformer is needed');
  return {
    async fromStorage(data, key) {
      const errs: Error[] = [];
      for (let i = 0; i < list.length; i++) {
        const { prefix, transformer } = list[i];
        if (!hasPrefix(data, prefix)) continue;
        try {
          const out = await transformer.fromStorage(data.subarray(prefix.length), key);
          return { data: out.data, stale: out.stale || i !== 0 };
        } catch (e) {
          // an identity entry that meets encrypted data steps aside for the providers after it
          if (prefix.length === 0) continue;
          errs.push(e instanceof Error ? e : new Error(String(e)));
        }
      }
      throw reduceErrors(errs) ?? new Error(noMatch);
    },
    async toStorage(data, key) {
      const { prefix, transformer } = list[0];
      return Buffer.concat([prefix, await transformer.toStorage(data, key)]);
    },
  };
}

export function hasPrefix(data: Buffer, prefix: Buffer): boolean {
  return data.length >= prefix.length && data.subarray(0, prefix.length).equals(prefix);
}

/** Values written by any encrypting provider start with this; plain JSON and protobuf never do. */
export const ENCRYPTED_VALUE_PREFIX = Buffer.from('k8s:enc:');

/** Upstream's identity provider: passes values through, but refuses to hand out encrypted bytes as plain. */
export const identityTransformer: ValueTransformer = {
  async fromStorage(data) {
    if (hasPrefix(data, ENCRYPTED_VALUE_PREFIX)) throw new Error('identity transformer tried to read encrypted data');
    return { data, stale: false };
  },
  async toStorage(data) {
    return data;
  },
};
