import { newMethodNotSupported } from '../../api/errors';
import { parseDeleteOptions } from '../delete-options';
import { isDryRun, listParams } from '../list-options';
import { negotiateObject, respond, type RequestScope } from '../scope';
import type { ApiResponse } from '../types';

export async function deleteCollection(scope: RequestScope): Promise<ApiResponse> {
  const { store, req } = scope;
  if (!store.info.verbs.includes('deletecollection')) throw newMethodNotSupported(store.gr, 'deletecollection');
  const n = negotiateObject(scope, true);
  const opts = parseDeleteOptions(scope.schemas, req);
  const list = await store.deleteCollection(scope.namespace, listParams(store, req.query), {
    dryRun: isDryRun(req.query) || opts.dryRun === true,
    gracePeriodSeconds: opts.gracePeriodSeconds,
    propagationPolicy: opts.propagationPolicy,
    user: scope.user,
    recorder: scope.recorder,
  });
  return respond(scope.schemas, 200, n, list);
}
