import type { JsonObject, JsonValue } from '../api/object';

const DEFINITION_PREFIX = '#/definitions/';

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON text with object keys sorted, so equal definitions compare equal whatever their key order. */
function canonical(v: JsonValue | undefined): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v ?? null);
}

function renameRefs(v: JsonValue, renames: ReadonlyMap<string, string>): JsonValue {
  if (Array.isArray(v)) return v.map((x) => renameRefs(x, renames));
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === '$ref' && typeof x === 'string' && x.startsWith(DEFINITION_PREFIX)) {
      const to = renames.get(x.slice(DEFINITION_PREFIX.length));
      out[k] = to ? `${DEFINITION_PREFIX}${to}` : x;
    } else out[k] = renameRefs(x, renames);
  }
  return out;
}

function sorted(o: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

/**
 * kube-aggregator's merge of a remote server's Swagger 2.0 spec into the
 * served one: a path already there stays as it is; a definition already there
 * with the same content is shared, one with different content is renamed
 * `<name>_v2` (`_v3`, ...) with the remote paths' references following it.
 */
export function mergeV2Specs(base: JsonObject, remotes: readonly JsonObject[]): JsonObject {
  const paths: JsonObject = { ...(isObject(base.paths) ? base.paths : {}) };
  const definitions: JsonObject = { ...(isObject(base.definitions) ? base.definitions : {}) };
  for (const remote of remotes) {
    const remoteDefs = isObject(remote.definitions) ? remote.definitions : {};
    const renames = new Map<string, string>();
    for (const [name, def] of Object.entries(remoteDefs)) {
      if (!(name in definitions) || canonical(definitions[name]) === canonical(def)) continue;
      let n = 2;
      while (`${name}_v${n}` in definitions || `${name}_v${n}` in remoteDefs) n++;
      renames.set(name, `${name}_v${n}`);
    }
    for (const [name, def] of Object.entries(remoteDefs)) {
      const target = renames.get(name) ?? name;
      if (!(target in definitions)) definitions[target] = renameRefs(def, renames);
    }
    for (const [p, item] of Object.entries(isObject(remote.paths) ? remote.paths : {}))
      if (!(p in paths)) paths[p] = renameRefs(item, renames);
  }
  return { ...base, definitions: sorted(definitions), paths: sorted(paths) };
}
