import { isIP } from 'node:net';
import type { UserInfo } from '../authn/user';
import { formatMicroTime } from '../codec/forms';
import type { RequestAuditConfig } from './policy';
import { isSecretResource, redactSecret, withoutManagedFields } from './redact';
import {
  levelAtLeast,
  type AuditBackend,
  type AuditEvent,
  type AuditStage,
  type AuditUser,
  type ObjectReference,
  type ResponseStatus,
} from './types';

const MAX_USER_AGENT = 1024;
const PATCH_ANNOTATION_PREFIX = 'patch.webhook.admission.k8s.io/';

/** A mutating webhook's patch annotation on a secret, its operands dropped. */
function redactPatchAnnotation(value: string): string {
  try {
    const parsed = JSON.parse(value) as Record<string, unknown>;
    return JSON.stringify({ ...parsed, patch: redactSecret(parsed.patch) });
  } catch {
    return '';
  }
}

/** Wall-clock now with microseconds, as metav1.MicroTime JSON. */
export function microNow(): string {
  const ms = performance.timeOrigin + performance.now();
  const seconds = Math.floor(ms / 1000);
  return formatMicroTime({ seconds, nanos: Math.floor((ms - seconds * 1000) * 1e6) });
}

export function auditUser(u: UserInfo): AuditUser {
  const out: AuditUser = { username: u.name };
  if (u.uid) out.uid = u.uid;
  if (u.groups.length > 0) out.groups = [...u.groups];
  if (u.extra && Object.keys(u.extra).length > 0) out.extra = u.extra;
  return out;
}

function plainIp(text: string): string | undefined {
  const t = text.trim().replace(/^\[|\]$/g, '');
  if (!isIP(t)) return undefined;
  // Go prints IPv4-mapped IPv6 addresses as IPv4
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(t) ? t.slice(7) : t;
}

/** Upstream's SourceIPs: the X-Forwarded-For chain, then X-Real-Ip, then the peer unless it is already last. */
export function sourceIPs(headers: Record<string, string | undefined>, remote: string | undefined): string[] {
  const ips: string[] = [];
  for (const part of (headers['x-forwarded-for'] ?? '').split(',')) {
    const ip = plainIp(part);
    if (ip) ips.push(ip);
  }
  const real = plainIp(headers['x-real-ip'] ?? '');
  if (real && !ips.includes(real)) ips.push(real);
  const peer = plainIp(remote ?? '');
  if (peer && ips[ips.length - 1] !== peer) ips.push(peer);
  return ips;
}

export function userAgentOf(headers: Record<string, string | undefined>): string | undefined {
  const ua = headers['user-agent'];
  if (ua === undefined) return undefined;
  return ua.length > MAX_USER_AGENT ? `${ua.slice(0, MAX_USER_AGENT)}...TRUNCATED` : ua;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The bounded fields of a metav1.Status response, in upstream's JSON order. */
export function statusFrom(body: unknown, code: number): ResponseStatus {
  const out: ResponseStatus = { metadata: {} };
  if (isRecord(body) && body.kind === 'Status') {
    if (typeof body.status === 'string' && body.status) out.status = body.status;
    if (typeof body.message === 'string' && body.message) out.message = body.message;
    if (typeof body.reason === 'string' && body.reason) out.reason = body.reason;
    if (isRecord(body.details) && Object.keys(body.details).length > 0) out.details = body.details;
  }
  out.code = code;
  return out;
}

export interface EventStart {
  auditID: string;
  config: RequestAuditConfig;
  requestURI: string;
  verb: string;
  user?: UserInfo;
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: ObjectReference;
  requestReceivedTimestamp: string;
}

const OBJECT_REF_KEYS: ReadonlyArray<keyof ObjectReference> = [
  'resource',
  'namespace',
  'name',
  'uid',
  'apiGroup',
  'apiVersion',
  'resourceVersion',
  'subresource',
];

/** One request's event as it grows through the stages; each emit sends a snapshot. */
export class AuditContext {
  readonly level;
  impersonatedUser?: AuditUser;
  objectRef?: ObjectReference;
  responseStatus?: ResponseStatus;
  private requestObject?: unknown;
  private responseObject?: unknown;
  private readonly annotations: Record<string, string> = {};
  /** admission's annotations, read at each emit */
  extraAnnotations?: () => Record<string, string>;

  constructor(
    private readonly start: EventStart,
    private readonly backend: AuditBackend,
  ) {
    this.level = start.config.level;
    this.objectRef = start.objectRef ? { ...start.objectRef } : undefined;
  }

  get auditID(): string {
    return this.start.auditID;
  }

  addAnnotation(key: string, value: string): void {
    // upstream keeps the first value a key was given
    if (!(key in this.annotations)) this.annotations[key] = value;
  }

  private objectForEvent(obj: unknown): unknown {
    let out = obj;
    if (this.start.config.omitManagedFields) out = withoutManagedFields(out);
    if (isSecretResource(this.objectRef?.apiGroup, this.objectRef?.resource)) out = redactSecret(out);
    return out;
  }

  /** The decoded request body: fills the object reference's gaps at any level, the body itself from Request on. */
  logRequestObject(obj: unknown, fillRef: boolean): void {
    if (fillRef && isRecord(obj) && isRecord(obj.metadata) && this.objectRef) {
      const m = obj.metadata;
      const ref = this.objectRef;
      if (!ref.namespace && typeof m.namespace === 'string' && m.namespace) ref.namespace = m.namespace;
      if (!ref.name && typeof m.name === 'string' && m.name) ref.name = m.name;
      if (!ref.uid && typeof m.uid === 'string' && m.uid) ref.uid = m.uid;
      if (!ref.resourceVersion && typeof m.resourceVersion === 'string' && m.resourceVersion) {
        ref.resourceVersion = m.resourceVersion;
      }
    }
    if (levelAtLeast(this.level, 'Request')) this.requestObject = this.objectForEvent(obj);
  }

  logResponseObject(obj: unknown): void {
    if (levelAtLeast(this.level, 'RequestResponse')) this.responseObject = this.objectForEvent(obj);
  }

  /**
   * Admission's annotations as the event may carry them: a webhook's patch only
   * from Request level on (as upstream records it), and never a secret's values.
   */
  private admissionAnnotations(): Record<string, string> {
    const out: Record<string, string> = {};
    const secret = isSecretResource(this.objectRef?.apiGroup, this.objectRef?.resource);
    for (const [k, v] of Object.entries(this.extraAnnotations?.() ?? {})) {
      if (!k.startsWith(PATCH_ANNOTATION_PREFIX)) out[k] = v;
      else if (levelAtLeast(this.level, 'Request')) out[k] = secret ? redactPatchAnnotation(v) : v;
    }
    return out;
  }

  omits(stage: AuditStage): boolean {
    return this.start.config.omitStages.includes(stage);
  }

  emit(stage: AuditStage): void {
    if (this.omits(stage)) return;
    const s = this.start;
    // keys are added in upstream's JSON order; the timestamps come late in it
    const ev = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: this.level,
      auditID: s.auditID,
      stage,
      requestURI: s.requestURI,
      verb: s.verb,
      user: s.user ? auditUser(s.user) : {},
    } as AuditEvent;
    if (this.impersonatedUser) ev.impersonatedUser = this.impersonatedUser;
    if (s.sourceIPs.length > 0) ev.sourceIPs = s.sourceIPs;
    if (s.userAgent !== undefined) ev.userAgent = s.userAgent;
    if (this.objectRef) {
      const ref: ObjectReference = {};
      for (const k of OBJECT_REF_KEYS) if (this.objectRef[k]) ref[k] = this.objectRef[k];
      ev.objectRef = ref;
    }
    if (this.responseStatus) ev.responseStatus = this.responseStatus;
    if (this.requestObject !== undefined) ev.requestObject = this.requestObject;
    if (this.responseObject !== undefined && stage !== 'RequestReceived') ev.responseObject = this.responseObject;
    ev.requestReceivedTimestamp = s.requestReceivedTimestamp;
    ev.stageTimestamp = stage === 'RequestReceived' ? s.requestReceivedTimestamp : microNow();
    const merged: Record<string, string> = { ...this.admissionAnnotations(), ...this.annotations };
    const keys = Object.keys(merged).sort();
    // Go writes map keys sorted
    if (keys.length > 0) ev.annotations = Object.fromEntries(keys.map((k) => [k, merged[k]]));
    try {
      this.backend.processEvents([ev]);
    } catch {
      // a failing sink must not fail the request
    }
  }
}
