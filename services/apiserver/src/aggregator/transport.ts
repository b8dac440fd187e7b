import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { APIServiceSpec } from '../generated/k8s.io.kube_aggregator.pkg.apis.apiregistration.v1';
import type { Endpoint } from './resolve';
import type { BackendTls } from '../proxy/upgrade-aware';

/** The front-proxy client certificate kapi presents to aggregated API servers. */
export interface ProxyClientCert {
  certPem: string;
  keyPem: string;
}

export function loadProxyClientCert(certFile: string, keyFile: string): ProxyClientCert | undefined {
  if (!certFile || !keyFile) return undefined;
  return { certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') };
}

export interface OutgoingRequest {
  method: string;
  /** path and query */
  path: string;
  headers: Record<string, string | string[]>;
  body?: Buffer;
  timeoutMs?: number;
}

/**
 * How an aggregated server's endpoint is verified, as upstream does: against
 * caBundle for the name <service>.<namespace>.svc, or not at all with
 * insecureSkipTLSVerify; kapi presents the front-proxy client certificate.
 */
export function backendTls(spec: APIServiceSpec, clientCert: ProxyClientCert | undefined): BackendTls {
  const service = spec.service ?? {};
  return {
    servername: `${service.name ?? ''}.${service.namespace ?? ''}.svc`,
    ca: spec.caBundle ? Buffer.from(spec.caBundle, 'base64').toString('utf8') : undefined,
    rejectUnauthorized: spec.insecureSkipTLSVerify !== true,
    cert: clientCert?.certPem,
    key: clientCert?.keyPem,
  };
}

/** One HTTPS request to an aggregated server's endpoint (availability and discovery checks). */
export function requestEndpoint(
  spec: APIServiceSpec,
  endpoint: Endpoint,
  clientCert: ProxyClientCert | undefined,
  out: OutgoingRequest,
): Promise<import('node:http').IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      ...backendTls(spec, clientCert),
      host: endpoint.host,
      port: endpoint.port,
      method: out.method,
      path: out.path,
      headers: out.body ? { ...out.headers, 'content-length': String(out.body.length) } : out.headers,
      agent: false,
      timeout: out.timeoutMs,
    });
    req.on('response', resolve);
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(out.body);
  });
}

export async function readAll(res: import('node:http').IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
