import type { JsonObject } from '../api/object';

export interface OperationSpec {
  description: string;
  operationId: string;
  action: string;
  gvk: { group: string; version: string; kind: string };
  tag: string;
  parameters?: readonly JsonObject[];
  requestBody?: JsonObject;
  responses: JsonObject;
}

/** One operation object, members in the order upstream writes them. */
export function operation(o: OperationSpec): JsonObject {
  const op: JsonObject = { description: o.description, operationId: o.operationId };
  if (o.parameters && o.parameters.length > 0) op.parameters = [...o.parameters];
  if (o.requestBody) op.requestBody = o.requestBody;
  op.responses = o.responses;
  op.tags = [o.tag];
  op['x-kubernetes-action'] = o.action;
  op['x-kubernetes-group-version-kind'] = { group: o.gvk.group, kind: o.gvk.kind, version: o.gvk.version };
  return op;
}
