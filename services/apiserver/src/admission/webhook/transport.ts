import https from 'node:https';
import type { WebhookClientConfig } from '../../generated/k8s.io.api.admissionregistration.v1';
import type { StoreTable } from '../../registry/store-table';
import { traceHeaders } from '../../tracing/active';

/** A webhook answering with more than this is treated as broken rather than buffered without end. */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** Why a call failed, worded after the Go client errors upstream's messages carry. */
export class TransportError extends Error {}

export interface Endpoint {
  /** what error messages name: the configured URL or https://<svc>.<ns>.svc:<port><path> */
  url: URL;
  /** where the connection goes (a Service's ClusterIP), when not url's host */
  connectHost?: string;
  servername?: string;
}

/**
 * Where a webhook is: its url, or its Service. kapi proxies nothing, so a Service
 * is reached at its spec.clusterIP and port (default 443) with the TLS name
 * <name>.<namespace>.svc, as upstream's service resolver names it.
 */
export async function resolveEndpoint(cc: WebhookClientConfig, table: StoreTable): Promise<Endpoint> {
  if (cc.url) return { url: new URL(cc.url) };
  const svc = cc.service;
  if (!svc?.name || !svc.namespace) throw new TransportError('no url or service configured');
  const port = svc.port ?? 443;
  const host = `${svc.name}.${svc.namespace}.svc`;
  const url = new URL(`https://${host}:${port}${svc.path ?? ''}`);
  const store = table.store('', 'v1', 'services');
  let ip: unknown;
  try {
    const obj = await store?.get(svc.namespace, svc.name);
    ip = (obj?.spec as { clusterIP?: unknown } | undefined)?.clusterIP;
  } catch {
    throw new TransportError(`service "${svc.name}" not found`);
  }
  if (typeof ip !== 'string' || !ip || ip === 'None') {
    throw new TransportError(`service "${svc.namespace}/${svc.name}" has no cluster IP`);
  }
  return { url, connectHost: ip, servername: host };
}

function goDialError(e: NodeJS.ErrnoException, url: URL): string {
  const hostPort = `${url.hostname}:${url.port || '443'}`;
  switch (e.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${hostPort}: connect: connection refused`;
    case 'ENOTFOUND':
      return `dial tcp: lookup ${url.hostname}: no such host`;
    case 'ECONNRESET':
      return 'read: connection reset by peer';
    default:
      return e.message;
  }
}

export interface PostResult {
  status: number;
  body: Buffer;
}

/** POSTs the review; rejects with a TransportError on anything but a complete answer in time. */
export function postReview(
  ep: Endpoint,
  caBundle: string | undefined,
  body: Buffer,
  timeoutSeconds: number,
  opts: { timeoutQuery?: boolean } = {},
): Promise<PostResult> {
  const url = new URL(ep.url.toString());
  // admission tells the webhook its deadline; conversion's client only enforces one
  if (opts.timeoutQuery !== false) url.searchParams.set('timeout', `${timeoutSeconds}s`);
  const shown = `Post "${url.toString()}"`;
  const ca = caBundle ? Buffer.from(caBundle, 'base64') : undefined;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (msg: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(new TransportError(msg));
    };
    if (url.protocol !== 'https:') {
      settled = true;
      reject(new TransportError(`${shown}: unsupported protocol scheme "${url.protocol.replace(':', '')}"`));
      return;
    }
    const req = https.request(
      {
        method: 'POST',
        protocol: 'https:',
        host: ep.connectHost ?? url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || 443,
        path: `${url.pathname}${url.search}`,
        servername: ep.servername,
        ca,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, */*',
          'content-length': String(body.length),
          ...traceHeaders(),
        },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) fail(`${shown}: response body larger than ${MAX_RESPONSE_BYTES} bytes`);
          else chunks.push(c);
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
        });
        res.on('error', (e) => fail(`${shown}: ${e.message}`));
        res.on('aborted', () => fail(`${shown}: unexpected EOF`));
      },
    );
    const timer = setTimeout(() => fail(`${shown}: context deadline exceeded`), timeoutSeconds * 1000);
    req.on('error', (e: NodeJS.ErrnoException) => {
      const tls = /certificate|self.signed|CERT|UNABLE_TO_VERIFY/i.test(`${e.code ?? ''} ${e.message}`);
      fail(`${shown}: ${tls ? `tls: failed to verify certificate: x509: ${e.message}` : goDialError(e, url)}`);
    });
    req.end(body);
  });
}
