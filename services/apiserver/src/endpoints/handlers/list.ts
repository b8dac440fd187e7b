import { listParams } from '../list-options';
import { negotiateObject, respondList, type RequestScope } from '../scope';
import type { ApiResponse } from '../types';

export async function listResource(scope: RequestScope): Promise<ApiResponse> {
  const n = negotiateObject(scope, true);
  const list = await scope.store.list(scope.namespace, listParams(scope.store, scope.req.query));
  return respondList(scope, n, list);
}
