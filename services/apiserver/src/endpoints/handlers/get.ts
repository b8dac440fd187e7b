import { toScale } from '../../registry/scale';
import { negotiateObject, respond, respondObject, type RequestScope } from '../scope';
import type { ApiResponse } from '../types';

export async function getResource(scope: RequestScope): Promise<ApiResponse> {
  const n = negotiateObject(scope, false);
  const obj = await scope.store.get(scope.namespace, scope.name);
  if (scope.subresource === 'scale') return respond(scope.schemas, 200, n, toScale(obj, scope.store.info.scalePaths));
  return respondObject(scope, 200, n, obj);
}
