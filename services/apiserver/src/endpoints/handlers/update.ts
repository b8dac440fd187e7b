import { applyScale, toScale } from '../../registry/scale';
import { isDryRun } from '../list-options';
import { negotiateObject, respond, respondObject, responseWarnings, type RequestScope } from '../scope';
import type { ApiResponse } from '../types';
import { decodeRequestObject, fieldManager, SCALE_TARGET } from '../write-input';

export async function updateResource(scope: RequestScope): Promise<ApiResponse> {
  const { store, namespace, name, subresource, req } = scope;
  const n = negotiateObject(scope, false);
  // who writes, as every store write below takes it
  const params = {
    dryRun: isDryRun(req.query),
    manager: fieldManager(req, 'update', false),
    user: scope.user,
    recorder: scope.recorder,
  };
  if (subresource === 'scale') {
    const scale = decodeRequestObject(scope, SCALE_TARGET);
    const r = await store.updateWith(namespace, name, (cur) => applyScale(cur, scale.object, store.info.scalePaths), {
      ...params,
      subresource: 'scale',
    });
    return respond(
      scope.schemas,
      200,
      n,
      toScale(r.object, scope.store.info.scalePaths),
      responseWarnings(scope, scale.warnings),
    );
  }
  const { object, warnings } = decodeRequestObject(scope);
  const updater = store.subresourceUpdaters.get(subresource);
  if (updater) {
    const r = await updater(name, object, params);
    return respondObject(scope, 200, n, r, responseWarnings(scope, warnings));
  }
  if (store.partialWrites.has(subresource)) {
    const r = await store.writePart(subresource, namespace, name, () => object, params);
    return respondObject(scope, 200, n, r, responseWarnings(scope, warnings));
  }
  if (subresource === 'status') {
    const r = await store.updateStatus(namespace, name, object, params);
    return respondObject(scope, 200, n, r, responseWarnings(scope, warnings));
  }
  const r = await store.update(namespace, name, object, params);
  return respondObject(scope, r.created ? 201 : 200, n, r.object, responseWarnings(scope, warnings));
}
