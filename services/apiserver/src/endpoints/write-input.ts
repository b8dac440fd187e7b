import { newBadRequest } from '../api/errors';
import type { KubeObject } from '../api/object';
import { managerFromRequest, validateFieldManager } from '../apply';
import { SCALE_MESSAGE } from '../registry/scale';
import { decodeBody, fieldWarnings, parseFieldValidation, type ExpectedType, type FieldValidation } from './body';
import { inputMedia } from './negotiation';
import type { RequestScope } from './scope';
import type { ApiRequest } from './types';

export const SCALE_TARGET: ExpectedType = {
  group: 'autoscaling',
  version: 'v1',
  kind: 'Scale',
  messageType: SCALE_MESSAGE,
};

export function requireBody(req: ApiRequest): Buffer {
  if (!req.body || req.body.length === 0) throw newBadRequest('the body of the request is empty');
  return req.body;
}

/** The request body as an object of `expected` (defaults to the store's kind), with field warnings. */
export function decodeRequestObject(
  scope: RequestScope,
  expected?: ExpectedType,
): { object: KubeObject; warnings: string[] } {
  const body = requireBody(scope.req);
  const media = inputMedia(
    scope.req.headers['content-type'],
    scope.store.info.custom ? ['json', 'yaml'] : ['json', 'yaml', 'protobuf'],
  );
  const validation = parseFieldValidation(scope.req.query.get('fieldValidation'));
  const { info } = scope.store;
  const target = expected ?? {
    group: info.group,
    version: info.version,
    kind: info.kind,
    messageType: info.messageType,
  };
  const decoded = decodeBody(scope.schemas, media, body, target, validation);
  return withPrunedWarnings(scope, decoded, validation);
}

/** A custom resource's fields its schema prunes are unknown fields too (warned of, or refused when Strict). */
export function withPrunedWarnings(
  scope: RequestScope,
  decoded: { object: KubeObject; warnings: string[] },
  validation: FieldValidation,
): { object: KubeObject; warnings: string[] } {
  const pruned = scope.store.strategy.pruneUnknown?.(decoded.object) ?? [];
  if (pruned.length === 0) return decoded;
  return { object: decoded.object, warnings: [...decoded.warnings, ...fieldWarnings(pruned, validation, [])] };
}

/** The manager recorded in managedFields, validated as upstream's Create/Update/PatchOptions. */
export function fieldManager(req: ApiRequest, verb: 'create' | 'update' | 'patch', isApply: boolean): string {
  const fm = req.query.get('fieldManager');
  const err = validateFieldManager(fm, verb, isApply);
  if (err) throw err;
  return managerFromRequest(fm, req.headers['user-agent']);
}
