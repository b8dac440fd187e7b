import type { KubeObject } from '../api/object';
import type { GenericStore } from '../registry/generic-store';
import { parseIncludeObject, tableShape } from '../registry/tables';
import type { LazyItems } from '../storage/interface';
import type { Negotiated } from './negotiation';

/**
 * A document whose one large part is an array written last: the head's members,
 * then `field` with the elements, produced one at a time when read.
 */
export interface ArrayDocument {
  head: Record<string, unknown>;
  field: string;
  elements(): Iterable<unknown>;
}

/** The items of a lazy list that are there, in order, each read when reached. */
export function* presentItems(items: LazyItems): Generator<KubeObject> {
  for (let i = 0; i < items.length; i++) {
    const item = items.at(i);
    if (item !== undefined) yield item;
  }
}

/** The document as one object, e.g. for an encoding written whole or for audit. */
export function wholeDocument(doc: ArrayDocument): KubeObject {
  return { ...doc.head, [doc.field]: [...doc.elements()] } as KubeObject;
}

function tableOptions(n: Negotiated, q: URLSearchParams, listMeta: Record<string, unknown> | undefined) {
  return {
    includeObject: parseIncludeObject(q.get('includeObject')),
    resourceVersion: typeof listMeta?.resourceVersion === 'string' ? listMeta.resourceVersion : undefined,
    continue: typeof listMeta?.continue === 'string' ? listMeta.continue : undefined,
    remainingItemCount: typeof listMeta?.remainingItemCount === 'number' ? listMeta.remainingItemCount : undefined,
    apiVersion: n.transformVersion === 'v1beta1' ? ('meta.k8s.io/v1beta1' as const) : ('meta.k8s.io/v1' as const),
  };
}

/** The server-side conversions of one object a client asks for with `as=`: Table and PartialObjectMetadata. */
export function transformObject(store: GenericStore, n: Negotiated, obj: KubeObject, q: URLSearchParams): KubeObject {
  if (n.transform === 'Table') {
    // a single object's Table carries its resourceVersion, and no paging
    const opts = {
      ...tableOptions(n, q, obj.metadata as Record<string, unknown> | undefined),
      continue: undefined,
      remainingItemCount: undefined,
    };
    const { head, row } = tableShape(store.tableConverter, opts);
    return { ...head, rows: [row(obj)] } as KubeObject;
  }
  if (n.transform === 'PartialObjectMetadata') {
    return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${n.transformVersion}`, metadata: obj.metadata };
  }
  return obj;
}

/**
 * A list's Table or PartialObjectMetadataList as a document whose rows or items
 * are converted one at a time as they are written; undefined for no list transform.
 * Bad parameters (includeObject) throw here, before anything is written.
 */
export function transformList(
  store: GenericStore,
  n: Negotiated,
  list: { metadata: Record<string, unknown>; items: LazyItems },
  q: URLSearchParams,
): ArrayDocument | undefined {
  if (n.transform === 'Table') {
    const { head, row } = tableShape(store.tableConverter, tableOptions(n, q, list.metadata));
    return { head, field: 'rows', elements: () => mapped(presentItems(list.items), row) };
  }
  if (n.transform === 'PartialObjectMetadataList') {
    const apiVersion = `meta.k8s.io/${n.transformVersion}`;
    const partial = (i: KubeObject): KubeObject => ({
      kind: 'PartialObjectMetadata',
      apiVersion,
      metadata: i.metadata,
    });
    return {
      head: { kind: 'PartialObjectMetadataList', apiVersion, metadata: list.metadata },
      field: 'items',
      elements: () => mapped(presentItems(list.items), partial),
    };
  }
  return undefined;
}

function* mapped<T, U>(xs: Iterable<T>, f: (x: T) => U): Generator<U> {
  for (const x of xs) yield f(x);
}
