import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { makeCert } from '../authn-helpers';

/** The request part of an AdmissionReview, as a webhook receives it. */
export interface ReceivedReview {
  apiVersion: string;
  kind: string;
  request: {
    uid: string;
    kind: { group: string; version: string; kind: string };
    resource: { group: string; version: string; resource: string };
    requestKind?: { group: string; version: string; kind: string };
    name?: string;
    namespace?: string;
    operation: string;
    userInfo: { username?: string; groups?: string[] };
    object: { metadata?: { name?: string; labels?: Record<string, string> }; data?: Record<string, string> } | null;
    oldObject: unknown;
    dryRun: boolean;
    options: unknown;
  };
}

/** A handler answers with a raw status and body (to send garbage too). */
export interface RawAnswer {
  status?: number;
  body: string | Buffer;
  delayMs?: number;
}
export type WebhookHandler = (review: ReceivedReview, raw: string) => RawAnswer | Promise<RawAnswer>;

export interface WebhookServer {
  url: (path: string) => string;
  /** base64 PEM of the CA that signed the server's certificate, for clientConfig.caBundle */
  caBundle: string;
  /** every review received, by path */
  received: Map<string, ReceivedReview[]>;
  /** the request headers of each review, by path, in the order received */
  headers: Map<string, IncomingHttpHeaders[]>;
  close(): Promise<void>;
}

/** A response to `review` that allows it, optionally with a JSONPatch and extras. */
export function allow(
  review: ReceivedReview,
  extra: { patch?: unknown[]; warnings?: string[]; auditAnnotations?: Record<string, string> } = {},
): RawAnswer {
  const response: Record<string, unknown> = { uid: review.request.uid, allowed: true };
  if (extra.patch) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(extra.patch)).toString('base64');
  }
  if (extra.warnings) response.warnings = extra.warnings;
  if (extra.auditAnnotations) response.auditAnnotations = extra.auditAnnotations;
  return { body: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }) };
}

export function deny(review: ReceivedReview, status: Record<string, unknown>, warnings?: string[]): RawAnswer {
  const response = { uid: review.request.uid, allowed: false, status, ...(warnings ? { warnings } : {}) };
  return { body: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }) };
}

/**
 * An HTTPS webhook server on loopback with a CA of its own: each path has a
 * handler; what was received is kept for assertions.
 */
export async function startWebhookServer(handlers: Record<string, WebhookHandler>): Promise<WebhookServer> {
  const ca = makeCert({ cn: 'webhook-test-ca', ca: true });
  const leaf = makeCert({ cn: '127.0.0.1', issuer: ca, eku: 'serverAuth', ipSans: ['127.0.0.1'] });
  const received = new Map<string, ReceivedReview[]>();
  const headers = new Map<string, IncomingHttpHeaders[]>();
  const server = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const path = new URL(req.url ?? '/', 'https://x').pathname;
        const raw = Buffer.concat(chunks).toString('utf8');
        const review = JSON.parse(raw) as ReceivedReview;
        const list = received.get(path) ?? [];
        list.push(review);
        received.set(path, list);
        headers.set(path, [...(headers.get(path) ?? []), req.headers]);
        const handler = handlers[path];
        const answer = handler ? await handler(review, raw) : { status: 404, body: 'no such webhook' };
        if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
        if (res.destroyed) return;
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
        res.end(answer.body);
      })().catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `https://127.0.0.1:${port}${path}`,
    caBundle: Buffer.from(ca.certPem).toString('base64'),
    received,
    headers,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
