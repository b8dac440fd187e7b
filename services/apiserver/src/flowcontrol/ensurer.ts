import { StatusError } from '../api/errors';
import type { KubeObject } from '../api/object';
import type { FlowSchema, PriorityLevelConfiguration } from '../generated/k8s.io.api.flowcontrol.v1';
import type { GenericStore } from '../registry/generic-store';
import { applyFlowSchemaDefaults, applyPriorityLevelDefaults } from '../registry/strategies/flowcontrol';
import { semanticEqual } from '../registry/validation/objectmeta';
import {
  AUTO_UPDATE_ANNOTATION,
  MANDATORY_FLOW_SCHEMAS,
  MANDATORY_PRIORITY_LEVELS,
  SUGGESTED_FLOW_SCHEMAS,
  SUGGESTED_PRIORITY_LEVELS,
} from './bootstrap';

/** The field manager upstream's configuration producer writes as. */
export const APF_FIELD_MANAGER = 'api-priority-and-fairness-config-producer-v1';

type Bootstrap = FlowSchema | PriorityLevelConfiguration;

interface Kind {
  store: GenericStore;
  mandatory: readonly Bootstrap[];
  suggested: readonly Bootstrap[];
  defaults(obj: Bootstrap): void;
}

const isNotFound = (e: unknown): boolean => e instanceof StatusError && e.code === 404;
const isConflict = (e: unknown): boolean => e instanceof StatusError && e.code === 409;

/**
 * Upstream's rule for a suggested object: the annotation decides when it is a
 * boolean; without it, an object nobody has changed since creation (generation 1)
 * is still the server's to update.
 */
export function wantsAutoUpdate(obj: KubeObject): boolean {
  const value = obj.metadata?.annotations?.[AUTO_UPDATE_ANNOTATION];
  if (value !== undefined) {
    const v = value.toLowerCase();
    if (v === 'true' || v === '1' || v === 't') return true;
    if (v === 'false' || v === '0' || v === 'f') return false;
  }
  return obj.metadata?.generation === 1;
}

function defaultedSpec(kind: Kind, wanted: Bootstrap): unknown {
  const copy = structuredClone(wanted);
  kind.defaults(copy);
  return copy.spec;
}

async function ensureOne(kind: Kind, wanted: Bootstrap, mandatory: boolean): Promise<void> {
  const name = wanted.metadata?.name ?? '';
  let current: KubeObject | undefined;
  try {
    current = await kind.store.get('', name);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  if (!current) {
    try {
      await kind.store.create('', structuredClone(wanted) as KubeObject, { manager: APF_FIELD_MANAGER });
    } catch (e) {
      if (!isConflict(e)) throw e;
    }
    return;
  }
  if (!mandatory && !wantsAutoUpdate(current)) return;
  const annotated = current.metadata?.annotations?.[AUTO_UPDATE_ANNOTATION] === 'true';
  if (annotated && semanticEqual(current.spec, defaultedSpec(kind, wanted))) return;
  await kind.store.updateWith(
    '',
    name,
    (latest) => ({
      ...latest,
      metadata: {
        ...latest.metadata,
        annotations: { ...(latest.metadata?.annotations ?? {}), [AUTO_UPDATE_ANNOTATION]: 'true' },
      },
      spec: structuredClone(wanted.spec),
    }),
    { manager: APF_FIELD_MANAGER },
  );
}

/** Objects the server made once (annotated) that the bootstrap set no longer holds. */
async function removeUnwanted(kind: Kind): Promise<void> {
  const names = new Set([...kind.mandatory, ...kind.suggested].map((o) => o.metadata?.name));
  const list = await kind.store.list('', {});
  for (const obj of (list.items as KubeObject[]) ?? []) {
    const name = obj.metadata?.name ?? '';
    if (names.has(name) || obj.metadata?.annotations?.[AUTO_UPDATE_ANNOTATION] !== 'true') continue;
    try {
      await kind.store.delete('', name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}

/**
 * Upstream's APF configuration ensurer, one pass: mandatory objects are created
 * and their spec restored whatever was changed; suggested ones are created when
 * missing and kept at the bootstrap spec only while they want auto-update.
 */
export async function ensureApfConfiguration(levels: GenericStore, schemas: GenericStore): Promise<void> {
  const kinds: Kind[] = [
    {
      store: levels,
      mandatory: MANDATORY_PRIORITY_LEVELS,
      suggested: SUGGESTED_PRIORITY_LEVELS,
      defaults: (o) => applyPriorityLevelDefaults(o as PriorityLevelConfiguration),
    },
    {
      store: schemas,
      mandatory: MANDATORY_FLOW_SCHEMAS,
      suggested: SUGGESTED_FLOW_SCHEMAS,
      defaults: (o) => applyFlowSchemaDefaults(o as FlowSchema),
    },
  ];
  for (const kind of kinds) {
    for (const obj of kind.mandatory) await ensureOne(kind, obj, true);
    for (const obj of kind.suggested) await ensureOne(kind, obj, false);
    await removeUnwanted(kind);
  }
}
