import { newBadRequest, newInvalid } from '../api/errors';
import { decodeObjectProtobuf } from '../codec/protobuf';
import type { SchemaSet } from '../schema/model';
import { parseJsonBody, parseYamlBody } from './body';
import { parseIntParam } from './list-options';
import { inputMedia } from './negotiation';
import { isTrue } from './request-info';
import type { ApiRequest } from './types';

export interface DeleteOptions {
  uid?: string;
  resourceVersion?: string;
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  dryRun?: boolean;
}

function fromBody(schemas: SchemaSet, req: ApiRequest, opts: DeleteOptions): void {
  if (!req.body || req.body.length === 0) return;
  const media = inputMedia(req.headers['content-type'], ['json', 'yaml', 'protobuf']);
  // protobuf clients (client-go with a protobuf content type) send DeleteOptions enveloped too
  const body =
    media === 'protobuf'
      ? decodeObjectProtobuf(schemas, req.body)
      : media === 'yaml'
        ? parseYamlBody(req.body)
        : parseJsonBody(req.body);
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw newBadRequest('DeleteOptions body must be an object');
  }
  const b = body as Record<string, unknown>;
  const pre = b.preconditions as Record<string, unknown> | undefined;
  if (pre && typeof pre === 'object') {
    if (typeof pre.uid === 'string') opts.uid = pre.uid;
    if (typeof pre.resourceVersion === 'string') opts.resourceVersion = pre.resourceVersion;
  }
  if (typeof b.gracePeriodSeconds === 'number') opts.gracePeriodSeconds = b.gracePeriodSeconds;
  if (typeof b.propagationPolicy === 'string') opts.propagationPolicy = b.propagationPolicy;
  if (Array.isArray(b.dryRun) && b.dryRun.length > 0) {
    if (b.dryRun.some((v) => v !== 'All'))
      throw newBadRequest(`Invalid dryRun value: ${String(b.dryRun)}, supported values: All`);
    opts.dryRun = true;
  }
  if (typeof b.orphanDependents === 'boolean' && !opts.propagationPolicy) {
    opts.propagationPolicy = b.orphanDependents ? 'Orphan' : 'Background';
  }
}

/** DeleteOptions from the body (any encoding) and the query, validated as upstream. */
export function parseDeleteOptions(schemas: SchemaSet, req: ApiRequest): DeleteOptions {
  const opts: DeleteOptions = {};
  fromBody(schemas, req, opts);
  const gp = parseIntParam(req.query, 'gracePeriodSeconds');
  if (gp !== undefined) opts.gracePeriodSeconds = gp;
  const pp = req.query.get('propagationPolicy');
  if (pp) opts.propagationPolicy = pp;
  const orphan = req.query.get('orphanDependents');
  if (orphan !== null) {
    if (opts.propagationPolicy) {
      throw newInvalid('DeleteOptions', 'meta.k8s.io', '', [
        {
          type: 'FieldValueInvalid',
          field: 'propagationPolicy',
          message: `Invalid value: "${opts.propagationPolicy}": orphanDependents and deletionPropagation cannot be both set`,
        },
      ]);
    }
    opts.propagationPolicy = isTrue(orphan) ? 'Orphan' : 'Background';
  }
  if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
    throw newInvalid('DeleteOptions', 'meta.k8s.io', '', [
      {
        type: 'FieldValueNotSupported',
        field: 'propagationPolicy',
        message: `Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`,
      },
    ]);
  }
  if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < 0) opts.gracePeriodSeconds = 0;
  return opts;
}
