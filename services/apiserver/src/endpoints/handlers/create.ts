import { newMethodNotSupported } from '../../api/errors';
import { isDryRun } from '../list-options';
import { negotiateObject, respond, respondObject, responseWarnings, type RequestScope } from '../scope';
import type { ApiResponse } from '../types';
import { refuseOversizedCreate } from '../oversized-worker';
import type { ExpectedType } from '../body';
import { decodeRequestObject, fieldManager } from '../write-input';

/** The body decoded as the first of the versions its type meta fits; the first version's error otherwise. */
function decodeAnyVersion(scope: RequestScope, targets: ExpectedType[]): ReturnType<typeof decodeRequestObject> {
  let first: unknown;
  for (const t of targets) {
    try {
      return decodeRequestObject(scope, t);
    } catch (e) {
      first ??= e;
    }
  }
  throw first;
}

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
  const target = (v: string) => ({
    group,
    version: v,
    kind: sub.kind,
    messageType: `k8s.io.api.${pkg}.${v}.${sub.kind}`,
  });
  const { object, warnings } = decodeAnyVersion(scope, [version, ...(sub.alsoAccepts ?? [])].map(target));
  const dryRun = isDryRun(scope.req.query);
  const kind = { group, version: object.apiVersion?.split('/').pop() ?? version, kind: sub.kind };
  const fields = { namespace: scope.namespace, name: scope.name, object, dryRun, recorder: scope.recorder, kind };
  await store.admitSubresourceCreate(subresource, fields, scope.user);
  const out = await creator(scope.namespace, scope.name, object, {
    dryRun,
    user: scope.user,
    recorder: scope.recorder,
  });
  return respond(scope.schemas, 201, n, out, responseWarnings(scope, warnings));
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
    recorder: scope.recorder,
    bodyBytes: scope.req.body?.length,
  });
  return respondObject(scope, 201, n, created, responseWarnings(scope, warnings));
}
