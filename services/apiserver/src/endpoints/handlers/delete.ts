import { parseDeleteOptions } from '../delete-options';
import { isDryRun } from '../list-options';
import { successStatus } from '../response';
import { negotiateObject, respond, respondObject, type RequestScope } from '../scope';
import type { ApiResponse } from '../types';

export async function deleteResource(scope: RequestScope): Promise<ApiResponse> {
  const { store, namespace, name, req } = scope;
  const n = negotiateObject(scope, false);
  const opts = parseDeleteOptions(scope.schemas, req);
  const r = await store.delete(namespace, name, {
    preconditions: { uid: opts.uid, resourceVersion: opts.resourceVersion },
    dryRun: isDryRun(req.query) || opts.dryRun === true,
    gracePeriodSeconds: opts.gracePeriodSeconds,
    propagationPolicy: opts.propagationPolicy,
    user: scope.user,
    recorder: scope.recorder,
  });
  if (!r.deleted || store.returnsDeletedObject) return respondObject(scope, 200, n, r.object);
  const m = r.object.metadata ?? {};
  return respond(
    scope.schemas,
    200,
    n,
    successStatus({ name: m.name ?? name, group: store.info.group, kind: store.info.resource, uid: m.uid ?? '' }),
  );
}
