import { readFileSync } from 'node:fs';
import https from 'node:https';
import { parse as parseYaml } from 'yaml';

export interface ClientResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json<T = Record<string, unknown>>(): T;
}

interface Kubeconfig {
  clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
  users: Array<{ user: { 'client-certificate-data': string; 'client-key-data': string } }>;
}

export interface KubeconfigCredentials {
  server: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** The server and the TLS material of a kubeconfig kapi wrote (first cluster, first user). */
export function kubeconfigCredentials(kubeconfigPath: string): KubeconfigCredentials {
  const kc = parseYaml(readFileSync(kubeconfigPath, 'utf8')) as Kubeconfig;
  const b64 = (s: string) => Buffer.from(s, 'base64');
  return {
    server: kc.clusters[0].cluster.server,
    ca: b64(kc.clusters[0].cluster['certificate-authority-data']),
    cert: b64(kc.users[0].user['client-certificate-data']),
    key: b64(kc.users[0].user['client-key-data']),
  };
}

/** A raw HTTPS client with the kubeconfig's credentials, for requests kubectl would not send. */
export class ApiClient {
  readonly server: string;
  private readonly agent: https.Agent;

  constructor(kubeconfigPath: string) {
    const { server, ca, cert, key } = kubeconfigCredentials(kubeconfigPath);
    this.server = server;
    this.agent = new https.Agent({ ca, cert, key, keepAlive: true });
  }

  request(
    method: string,
    path: string,
    body?: Buffer | string | object,
    headers: Record<string, string> = {},
  ): Promise<ClientResponse> {
    let payload: Buffer | undefined;
    const h = { ...headers };
    if (body !== undefined) {
      if (Buffer.isBuffer(body)) payload = body;
      else if (typeof body === 'string') payload = Buffer.from(body);
      else {
        payload = Buffer.from(JSON.stringify(body));
        h['content-type'] = h['content-type'] ?? 'application/json';
      }
    }
    // node's client sends DELETE bodies without framing unless the length is given
    if (payload) h['content-length'] = String(payload.length);
    return new Promise((resolve, reject) => {
      const req = https.request(new URL(path, this.server), { method, agent: this.agent, headers: h }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: buf,
            json: <T>() => JSON.parse(buf.toString('utf8')) as T,
          });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (payload) req.end(payload);
      else req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
