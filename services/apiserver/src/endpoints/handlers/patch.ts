import { newBadRequest, newInvalid } from '../../api/errors';
import { isPlainObject, type KubeObject } from '../../api/object';
import { findDuplicateFields } from '../../codec/json-duplicates';
import { applyScale, toScale } from '../../registry/scale';
import { decodeValue, parseFieldValidation, parseJsonBody, parseYamlBody, yamlDuplicates } from '../body';
import { isDryRun } from '../list-options';
import { inputMedia } from '../negotiation';
import { applyPatch } from '../patch';
import { isTrue } from '../request-info';
import { negotiateObject, respond, respondObject, responseWarnings, type RequestScope } from '../scope';
import type { ApiResponse } from '../types';
import { fieldManager, requireBody, SCALE_TARGET, withPrunedWarnings } from '../write-input';

const PATCH_MEDIA = ['json-patch', 'merge-patch', 'strategic-merge-patch', 'apply-patch'] as const;

export async function patchResource(scope: RequestScope): Promise<ApiResponse> {
  const { store, namespace, name, subresource, req, schemas } = scope;
  const n = negotiateObject(scope, false);
  const body = requireBody(req);
  // custom resources have no patch strategies: no strategic merge patch
  const accepted = store.info.custom ? PATCH_MEDIA.filter((m) => m !== 'strategic-merge-patch') : [...PATCH_MEDIA];
  const media = inputMedia(req.headers['content-type'], accepted);
  const validation = parseFieldValidation(req.query.get('fieldValidation'));
  const isApply = media === 'apply-patch';
  const patchDoc = isApply ? parseYamlBody(body) : parseJsonBody(body);
  const duplicates =
    validation === 'Ignore' ? [] : isApply ? yamlDuplicates(body) : findDuplicateFields(body.toString('utf8'));
  const params = {
    dryRun: isDryRun(req.query),
    manager: fieldManager(req, 'patch', isApply),
    user: scope.user,
    recorder: scope.recorder,
  };
  const force = req.query.get('force');
  if (force !== null && !isApply) {
    throw newInvalid('PatchOptions', 'meta.k8s.io', '', [
      { type: 'FieldValueForbidden', field: 'force', message: 'Forbidden: may not be specified for non-apply patch' },
    ]);
  }
  const warnings: string[] = [];
  if (isApply && subresource !== 'scale') {
    if (!isPlainObject(patchDoc)) throw newBadRequest('the apply configuration must be an object');
    const expected = {
      group: store.info.group,
      version: store.info.version,
      kind: store.info.kind,
      messageType: store.info.messageType,
    };
    const decoded = decodeValue(schemas, patchDoc, expected, validation, duplicates);
    const appliedName = decoded.object.metadata?.name;
    if (appliedName !== undefined && appliedName !== name) {
      throw newBadRequest(`the name of the object (${appliedName}) does not match the name on the URL (${name})`);
    }
    const appliedNs = decoded.object.metadata?.namespace;
    if (store.info.namespaced && appliedNs && appliedNs !== namespace) {
      throw newBadRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const applied = subresource === 'status' ? statusPart(decoded.object) : decoded.object;
    const r = await store.apply(namespace, name, applied, {
      ...params,
      force: isTrue(force),
      statusOnly: subresource === 'status',
      subresource: store.partialWrites.has(subresource) ? subresource : undefined,
    });
    return respondObject(scope, r.created ? 201 : 200, n, r.object, responseWarnings(scope, decoded.warnings));
  }
  if (subresource === 'scale') {
    const scaleTarget = { ...SCALE_TARGET, apiVersion: 'autoscaling/v1' };
    const r = await store.updateWith(
      namespace,
      name,
      (current) => {
        const patched = applyPatch(
          schemas,
          scaleTarget,
          media,
          toScale(current, store.info.scalePaths),
          patchDoc,
          validation,
          duplicates,
        );
        warnings.push(...patched.warnings);
        return applyScale(current, patched.object, store.info.scalePaths);
      },
      { ...params, subresource: 'scale' },
    );
    return respond(schemas, 200, n, toScale(r.object, store.info.scalePaths), responseWarnings(scope, warnings));
  }
  const target = { messageType: store.info.messageType, apiVersion: store.apiVersion, kind: store.info.kind };
  const mutate = (current: KubeObject): KubeObject => {
    const r = withPrunedWarnings(
      scope,
      applyPatch(schemas, target, media, current, patchDoc, validation, duplicates),
      validation,
    );
    warnings.push(...r.warnings);
    return r.object;
  };
  if (store.partialWrites.has(subresource)) {
    const r = await store.writePart(subresource, namespace, name, mutate, params);
    return respondObject(scope, 200, n, r, responseWarnings(scope, warnings));
  }
  if (subresource === 'status') {
    const r = await store.patchStatus(namespace, name, mutate, params);
    return respondObject(scope, 200, n, r, responseWarnings(scope, warnings));
  }
  // Other subresources (a CSR's approval) are patched by the store's rules for them.
  const r = await store.updateWith(namespace, name, mutate, { ...params, subresource: subresource || undefined });
  return respondObject(scope, 200, n, r.object, responseWarnings(scope, warnings));
}

/**
 * What an apply through /status may say: the object's identity and its status. The rest is
 * the main resource's (upstream's reset fields), so it neither changes nor conflicts here.
 */
function statusPart(obj: KubeObject): KubeObject {
  const { name, namespace } = obj.metadata ?? {};
  const part: KubeObject = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name, namespace } };
  if (obj.status !== undefined) part.status = obj.status;
  return part;
}
