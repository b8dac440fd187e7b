import { randomUUID } from 'node:crypto';
import { isPlainObject, type JsonObject } from '../../api/object';
import type { AdmissionAttributes } from '../interface';
import type { MatchedVersion } from './matching';

/** The AdmissionReview versions kapi speaks, preferred first. */
const REVIEW_VERSIONS = ['v1', 'v1beta1'];

/** The first of the webhook's admissionReviewVersions kapi speaks. */
export function reviewVersion(accepted: string[] | undefined): string | undefined {
  return (accepted ?? []).find((v) => REVIEW_VERSIONS.includes(v));
}

export interface ReviewRequest {
  uid: string;
  body: Buffer;
}

/** The admission.k8s.io AdmissionReview a webhook receives for one request. */
export function buildReview(a: AdmissionAttributes, matched: MatchedVersion, version: string): ReviewRequest {
  const uid = randomUUID();
  const u = a.userInfo;
  const request: Record<string, unknown> = {
    uid,
    kind: matched.kind,
    resource: matched.resource,
    ...(a.subresource ? { subResource: a.subresource } : {}),
    requestKind: a.kind,
    requestResource: a.resource,
    ...(a.subresource ? { requestSubResource: a.subresource } : {}),
    ...(a.name || a.object?.metadata?.name ? { name: a.name || a.object?.metadata?.name } : {}),
    ...(a.namespace ? { namespace: a.namespace } : {}),
    operation: a.operation,
    userInfo: {
      ...(u.name ? { username: u.name } : {}),
      ...(u.uid ? { uid: u.uid } : {}),
      ...(u.groups.length > 0 ? { groups: u.groups } : {}),
      ...(u.extra && Object.keys(u.extra).length > 0 ? { extra: u.extra } : {}),
    },
    object: a.object ?? null,
    oldObject: a.oldObject ?? null,
    dryRun: a.dryRun,
    options: a.operationOptions ?? null,
  };
  const review = { kind: 'AdmissionReview', apiVersion: `admission.k8s.io/${version}`, request };
  return { uid, body: Buffer.from(JSON.stringify(review)) };
}

/** What a well-formed response says. */
export interface ReviewResponse {
  allowed: boolean;
  result?: unknown;
  patch?: Buffer;
  patchType?: string;
  warnings: string[];
  auditAnnotations: Record<string, string>;
}

/** A response that is not one; the message is upstream's (after "received invalid webhook response: "). */
export class InvalidResponse extends Error {}

/**
 * Upstream's VerifyAdmissionResponse: the response of the version sent, for the
 * uid sent, with patch and patchType together (mutating webhooks only).
 */
export function verifyResponse(json: unknown, uid: string, version: string, mutating: boolean): ReviewResponse {
  if (!isPlainObject(json)) throw new InvalidResponse('webhook response was absent');
  const r = json.response;
  if (!isPlainObject(r)) throw new InvalidResponse('webhook response was absent');
  if (version === 'v1') {
    if (r.uid !== uid) throw new InvalidResponse(`expected response.uid="${uid}", got "${String(r.uid ?? '')}"`);
    if (json.apiVersion !== 'admission.k8s.io/v1' || json.kind !== 'AdmissionReview') {
      const [g, v] = String(json.apiVersion ?? '').includes('/')
        ? String(json.apiVersion).split('/')
        : ['', String(json.apiVersion ?? '')];
      throw new InvalidResponse(
        `expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${g ? `${g}/` : ''}${v}, Kind=${String(json.kind ?? '')}`,
      );
    }
  }
  const allowed = r.allowed === true;
  let patch: Buffer | undefined;
  let patchType: string | undefined;
  if (mutating) {
    const hasPatch = typeof r.patch === 'string' && r.patch.length > 0;
    const hasType = r.patchType !== undefined && r.patchType !== null;
    if (hasPatch && !hasType) throw new InvalidResponse('webhook returned response.patch but not response.patchType');
    if (!hasPatch && hasType) throw new InvalidResponse('webhook returned response.patchType but not response.patch');
    if (hasType && (typeof r.patchType !== 'string' || r.patchType === ''))
      throw new InvalidResponse(`webhook returned invalid response.patchType of "${String(r.patchType)}"`);
    if (hasPatch) {
      patch = Buffer.from(r.patch as string, 'base64');
      patchType = r.patchType as string;
    }
  } else if (r.patch !== undefined && r.patch !== null && r.patch !== '') {
    throw new InvalidResponse('validating webhook may not return response.patch');
  } else if (r.patchType !== undefined && r.patchType !== null) {
    throw new InvalidResponse('validating webhook may not return response.patchType');
  }
  const warnings = Array.isArray(r.warnings) ? r.warnings.filter((w): w is string => typeof w === 'string') : [];
  const auditAnnotations: Record<string, string> = {};
  if (isPlainObject(r.auditAnnotations)) {
    for (const [k, v] of Object.entries(r.auditAnnotations)) if (typeof v === 'string') auditAnnotations[k] = v;
  }
  return { allowed, result: r.status, patch, patchType, warnings, auditAnnotations };
}

export type { JsonObject };
