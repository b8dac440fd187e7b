/**
 * What an event may carry of an object. Secret values never reach an audit
 * sink, whatever the level: upstream leaves that to the policy, kapi enforces it.
 */

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPatchOps(v: unknown): v is Array<Record<string, unknown>> {
  return Array.isArray(v) && v.every((op) => isRecord(op) && typeof op.op === 'string');
}

/** A copy without data, stringData or the last-applied annotation (which repeats them), at any depth. */
function withoutSecretValues(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutSecretValues);
  if (!isRecord(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v)) {
    if (k === 'data' || k === 'stringData') continue;
    if (k === 'annotations' && isRecord(val) && LAST_APPLIED in val) {
      out[k] = Object.fromEntries(Object.entries(val).filter(([a]) => a !== LAST_APPLIED));
      continue;
    }
    out[k] = withoutSecretValues(val);
  }
  return out;
}

/** A secret's body, request or response: objects lose their values, JSON patches their operands. */
export function redactSecret(v: unknown): unknown {
  if (isPatchOps(v)) return v.map(({ op, path, from }) => ({ op, path, ...(from !== undefined ? { from } : {}) }));
  return withoutSecretValues(v);
}

export function isSecretResource(apiGroup: string | undefined, resource: string | undefined): boolean {
  return (apiGroup ?? '') === '' && resource === 'secrets';
}

function dropManagedFields(obj: unknown): unknown {
  if (!isRecord(obj) || !isRecord(obj.metadata) || !('managedFields' in obj.metadata)) return obj;
  const metadata = Object.fromEntries(Object.entries(obj.metadata).filter(([k]) => k !== 'managedFields'));
  return { ...obj, metadata };
}

/** Upstream's copyWithoutManagedFields: the object itself, a list's items and a Table's row objects. */
export function withoutManagedFields(v: unknown): unknown {
  if (!isRecord(v)) return v;
  let out = dropManagedFields(v) as Record<string, unknown>;
  if (Array.isArray(out.items)) out = { ...out, items: out.items.map(dropManagedFields) };
  if (out.kind === 'Table' && Array.isArray(out.rows)) {
    out = {
      ...out,
      rows: out.rows.map((r) =>
        isRecord(r) && isRecord(r.object) ? { ...r, object: dropManagedFields(r.object) } : r,
      ),
    };
  }
  return out;
}
