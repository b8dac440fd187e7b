import { isDryRun } from '../list-options';
import { negotiateObject, respondObject, warningHeaders, type RequestScope } from '../scope';
import type { ApiResponse } from '../types';
import { decodeRequestObject, fieldManager } from '../write-input';

export async function createResource(scope: RequestScope): Promise<ApiResponse> {
  const n = negotiateObject(scope, false);
  const { object, warnings } = decodeRequestObject(scope);
  const created = await scope.store.create(scope.namespace, object, {
    dryRun: isDryRun(scope.req.query),
    manager: fieldManager(scope.req, 'create', false),
    user: scope.user,
  });
  return respondObject(scope, 201, n, created, warningHeaders(warnings));
}
