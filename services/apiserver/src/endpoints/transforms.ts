import type { KubeObject } from '../api/object';
import type { GenericStore } from '../registry/generic-store';
import { buildTable, parseIncludeObject } from '../registry/tables';
import type { Negotiated } from './negotiation';

/** The server-side conversions a client asks for with `as=`: Table and PartialObjectMetadata(List). */
export function transformObject(
  store: GenericStore,
  n: Negotiated,
  obj: KubeObject,
  q: URLSearchParams,
  isList: boolean,
): KubeObject {
  if (n.transform === 'Table') {
    const converter = store.tableConverter;
    const items = isList ? ((obj.items as KubeObject[]) ?? []) : [obj];
    const includeObject = parseIncludeObject(q.get('includeObject'));
    const listMeta = (obj.metadata ?? {}) as Record<string, unknown>;
    const table = buildTable(converter, items, {
      includeObject,
      resourceVersion: typeof listMeta.resourceVersion === 'string' ? listMeta.resourceVersion : undefined,
      continue: isList && typeof listMeta.continue === 'string' ? listMeta.continue : undefined,
      remainingItemCount:
        isList && typeof listMeta.remainingItemCount === 'number' ? listMeta.remainingItemCount : undefined,
      apiVersion: n.transformVersion === 'v1beta1' ? 'meta.k8s.io/v1beta1' : 'meta.k8s.io/v1',
    });
    return table as unknown as KubeObject;
  }
  const gv = `meta.k8s.io/${n.transformVersion}`;
  if (n.transform === 'PartialObjectMetadata') {
    return { kind: 'PartialObjectMetadata', apiVersion: gv, metadata: obj.metadata };
  }
  if (n.transform === 'PartialObjectMetadataList') {
    const items = ((obj.items as KubeObject[]) ?? []).map((i) => ({
      kind: 'PartialObjectMetadata',
      apiVersion: gv,
      metadata: i.metadata,
    }));
    return { kind: 'PartialObjectMetadataList', apiVersion: gv, metadata: obj.metadata, items };
  }
  return obj;
}
