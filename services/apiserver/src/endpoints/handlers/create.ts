import { newMethodNotSupported } from '../../api/errors';
import { isDryRun } from '../list-options';
import { negotiateObject, respond, respondObject, warningHeaders, type RequestScope } from '../scope';
import type { ApiResponse } from '../types';
import { refuseOversizedCreate } from '../oversized-worker';
import { decodeRequestObject, fieldManager } from '../write-input';

/** POST to a subresource of an existing object: the subresource's own request type in, its answer out. */
async function createSubresource(scope: RequestScope): Promise<ApiResponse> {
  const { store, subresource } = scope;
  const creator = store.subresourceCreators.get(subresource);
  const sub = store.info.subresources.find((s) => s.name === subresource);
  if (!creator || !sub) throw newMethodNotSupported(store.gr, 'create');
  const n = negotiateObject(scope, false);
  const group = sub.group ?? store.info.group;
  const version = sub.version ?? store.info.version;
  const pkg = group === '' ? 'core' : group.split('.')[0];
  const { object, warnings } = decodeRequestObject(scope, {
    group,
    version,
    kind: sub.kind,
    messageType: `k8s.io.api.${pkg}.${version}.${sub.kind}`,
  });
  const out = await creator(scope.namespace, scope.name, object, {
    dryRun: isDryRun(scope.req.query),
    user: scope.user,
  });
  return respond(scope.schemas, 201, n, out, warningHeaders(warnings));
}

export async function createResource(scope: RequestScope): Promise<ApiResponse> {
  if (scope.subresource) return createSubresource(scope);
  const n = negotiateObject(scope, false);
  await refuseOversizedCreate(scope);
  const { object, warnings } = decodeRequestObject(scope);
  const created = await scope.store.create(scope.namespace, object, {
    dryRun: isDryRun(scope.req.query),
    manager: fieldManager(scope.req, 'create', false),
    user: scope.user,
    bodyBytes: scope.req.body?.length,
  });
  return respondObject(scope, 201, n, created, warningHeaders(warnings));
}
