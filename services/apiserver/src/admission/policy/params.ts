import { isStatusError } from './status';
import type { KubeObject } from '../../api/object';
import type { ParamKind, ParamRef } from '../../generated/k8s.io.api.admissionregistration.v1';
import type { GenericStore } from '../../registry/generic-store';
import type { StoreTable } from '../../registry/store-table';
import { asLabelSelector, isConvertibleSelector, selectorMatches } from '../../registry/validation/labelselector';

/** A binding that cannot be evaluated as configured; the text follows "failed to configure binding: ". */
export class ParamConfigError extends Error {}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** Go's %v of a ParamKind, as upstream's messages print it. */
function paramKindText(pk: ParamKind): string {
  return `&ParamKind{APIVersion:${pk.apiVersion ?? ''},Kind:${pk.kind ?? ''},}`;
}

/** The served store of a paramKind, or undefined when kapi does not serve that kind. */
export function paramStore(table: StoreTable, pk: ParamKind): GenericStore | undefined {
  // a kind served at another version is still found; its objects are read at the served version
  return table.byKind(splitApiVersion(pk.apiVersion ?? '').group, pk.kind ?? '');
}

/** Upstream's GroupVersionKind.String() of a paramKind: `/v1, Kind=ConfigMap`. */
export function paramKindGvk(pk: ParamKind): string {
  const { group, version } = splitApiVersion(pk.apiVersion ?? '');
  return `${group}/${version}, Kind=${pk.kind ?? ''}`;
}

/**
 * Upstream's CollectParams: the param objects one binding evaluates its policy
 * with; [null] when the policy or binding uses none. The objects come from the
 * store's watch cache.
 */
export async function collectParams(
  table: StoreTable,
  paramKind: ParamKind | undefined,
  paramRef: ParamRef | undefined,
  namespace: string,
): Promise<(KubeObject | null)[]> {
  if (!paramKind) return [null];
  const store = paramStore(table, paramKind);
  if (paramRef && !store) throw new ParamConfigError(`paramKind kind \`${paramKindText(paramKind)}\` not known`);
  if (!paramRef || !store) return [null];
  const namespaced = store.info.namespaced;
  let paramsNamespace = '';
  if (namespaced) {
    paramsNamespace = paramRef.namespace || namespace;
    if (!paramsNamespace) {
      throw new ParamConfigError(
        'cannot use namespaced paramRef in policy binding that matches cluster-scoped resources',
      );
    }
  } else if (paramRef.namespace) {
    throw new ParamConfigError('paramRef.namespace must not be provided for a cluster-scoped `paramKind`');
  }
  let params: KubeObject[];
  if (paramRef.name) {
    if (paramRef.selector) throw new ParamConfigError('paramRef.name and paramRef.selector are mutually exclusive');
    try {
      params = [await store.get(paramsNamespace, paramRef.name)];
    } catch (err) {
      if (!isStatusError(err, 404)) throw err;
      params = [];
    }
  } else if (paramRef.selector) {
    const sel = asLabelSelector(paramRef.selector) ?? {};
    if (!isConvertibleSelector(sel)) throw new ParamConfigError('invalid paramRef.selector');
    const list = await store.list(paramsNamespace, {});
    const items = ((list.items as KubeObject[] | undefined) ?? []).filter((o) =>
      selectorMatches(sel, (o.metadata as { labels?: Record<string, string> } | undefined)?.labels),
    );
    params = items;
  } else {
    throw new ParamConfigError('one of name or selector must be provided');
  }
  if (params.length === 0 && paramRef.parameterNotFoundAction === 'Deny') {
    throw new ParamConfigError('no params found for policy binding with `Deny` parameterNotFoundAction');
  }
  return params;
}
