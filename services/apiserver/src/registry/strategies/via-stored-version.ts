import type { KindStrategy } from './common';

/** How a served version's object becomes the stored version's and back. */
export interface TypedConversion<Served, Stored> {
  toStored(obj: Served): Stored;
  toServed(obj: Stored): Served;
}

function replaceMembers(target: Record<string, unknown>, next: Record<string, unknown>): void {
  for (const k of Object.keys(target)) delete target[k];
  Object.assign(target, next);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Replaces obj's members with next's, in place, as strategy hooks mutate their argument.
 * metadata keeps its identity: the store holds on to it across hooks (uid, timestamps).
 */
function assignInPlace<T extends object>(obj: T, next: T): void {
  const target = obj as Record<string, unknown>;
  const source = next as Record<string, unknown>;
  const meta = target['metadata'];
  const nextMeta = source['metadata'];
  replaceMembers(target, source);
  if (isRecord(meta) && isRecord(nextMeta)) {
    replaceMembers(meta, nextMeta);
    target['metadata'] = meta;
  }
}

/**
 * A served version's strategy made of the stored version's rules, as upstream runs one
 * internal-type strategy for every version: objects are converted, the rule runs, and
 * mutations are converted back. Validation reports the stored version's field paths.
 */
export function viaStoredVersion<Served extends object, Stored extends object>(
  rules: KindStrategy<Stored>,
  conv: TypedConversion<Served, Stored>,
): KindStrategy<Served> {
  const mutate =
    (hook: ((o: Stored) => void) | undefined) =>
    (obj: Served): void => {
      if (!hook) return;
      const stored = conv.toStored(obj);
      hook(stored);
      assignInPlace(obj, conv.toServed(stored));
    };
  const mutate2 =
    (hook: ((o: Stored, old: Stored) => void) | undefined) =>
    (obj: Served, old: Served): void => {
      if (!hook) return;
      const stored = conv.toStored(obj);
      hook(stored, conv.toStored(old));
      assignInPlace(obj, conv.toServed(stored));
    };
  return {
    namespaced: rules.namespaced,
    allowCreateOnUpdate: rules.allowCreateOnUpdate,
    allowUnconditionalUpdate: rules.allowUnconditionalUpdate,
    statusPaths: rules.statusPaths,
    resetFields: rules.resetFields,
    applyDefaults: rules.applyDefaults && mutate((o) => rules.applyDefaults?.(o)),
    prepareForCreate: rules.prepareForCreate && mutate((o) => rules.prepareForCreate?.(o)),
    prepareForUpdate: rules.prepareForUpdate && mutate2((o, old) => rules.prepareForUpdate?.(o, old)),
    prepareForStatusUpdate: rules.prepareForStatusUpdate && mutate2((o, old) => rules.prepareForStatusUpdate?.(o, old)),
    validate: (obj) => rules.validate(conv.toStored(obj)),
    validateUpdate: (obj, old) => rules.validateUpdate(conv.toStored(obj), conv.toStored(old)),
    validateStatusUpdate:
      rules.validateStatusUpdate &&
      ((obj, old) => rules.validateStatusUpdate?.(conv.toStored(obj), conv.toStored(old)) ?? []),
    selectableFields: rules.selectableFields && ((obj) => rules.selectableFields?.(conv.toStored(obj)) ?? {}),
  };
}
