import { listParams } from '../list-options';
import { negotiateObject, respondList, type RequestScope } from '../scope';
import type { ApiResponse } from '../types';

export async function listResource(scope: RequestScope): Promise<ApiResponse> {
  const n = negotiateObject(scope, true);
  const { store } = scope;
  const list = await store.listLazy(scope.namespace, listParams(store, scope.req.query));
  return respondList(scope, n, { apiVersion: store.apiVersion, kind: store.info.listKind, ...list });
}
