import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import { after, before, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { startReplicaProcess, type ReplicaProcess } from './helpers/replica';

// --goaway-chance: HTTP/2 sessions get a GOAWAY after some responses and
// HTTP/1.1 responses a `Connection: close`, so long-lived clients reconnect
// (and, behind a load balancer, land on other replicas). Watches never do.

interface Kubeconfig {
  clusters: Array<{ cluster: { 'certificate-authority-data': string } }>;
  users: Array<{ user: { 'client-certificate-data': string; 'client-key-data': string } }>;
}

function credentials(kubeconfig: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  const kc = parseYaml(readFileSync(kubeconfig, 'utf8')) as Kubeconfig;
  const b64 = (s: string): Buffer => Buffer.from(s, 'base64');
  return {
    ca: b64(kc.clusters[0].cluster['certificate-authority-data']),
    cert: b64(kc.users[0].user['client-certificate-data']),
    key: b64(kc.users[0].user['client-key-data']),
  };
}

let replica: ReplicaProcess;

before(async () => {
  replica = await startReplicaProcess({ args: ['--goaway-chance=0.02'] });
});

after(async () => {
  await replica?.cleanup();
});

/** One HTTP/2 client that opens a new session whenever the current one got a GOAWAY or closed. */
class ReconnectingClient {
  private session: http2.ClientHttp2Session | undefined;
  sessionsOpened = 0;
  goaways = 0;

  constructor(
    private readonly url: string,
    private readonly creds: { ca: Buffer; cert: Buffer; key: Buffer },
  ) {}

  private current(): http2.ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = http2.connect(this.url, this.creds);
    this.sessionsOpened++;
    session.on('goaway', () => {
      this.goaways++;
      if (this.session === session) this.session = undefined;
    });
    session.on('close', () => {
      if (this.session === session) this.session = undefined;
    });
    session.on('error', () => undefined);
    this.session = session;
    return session;
  }

  get(path: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const stream = this.current().request({ ':path': path, ':method': 'GET' });
      let status = 0;
      let body = '';
      stream.on('response', (headers) => (status = Number(headers[':status'])));
      stream.on('data', (d: Buffer) => (body += d.toString()));
      stream.on('end', () => resolve({ status, body }));
      stream.on('error', reject);
      stream.end();
    });
  }

  close(): void {
    this.session?.close();
  }
}

test('HTTP/2: 2,000 GETs over a reconnecting client all succeed and see GOAWAYs', async () => {
  const client = new ReconnectingClient(replica.url, credentials(replica.kubeconfig));
  try {
    for (let i = 0; i < 2000; i++) {
      const r = await client.get('/api/v1/namespaces/default/configmaps');
      assert.equal(r.status, 200, r.body);
    }
    // 2,000 draws at 2 %: P(no GOAWAY) = 0.98^2000, about 2.8e-18
    assert.ok(client.goaways >= 1, 'no GOAWAY seen');
    assert.equal(client.sessionsOpened, client.goaways + 1);
  } finally {
    client.close();
  }
});

test('HTTP/2: an open watch is never sent a GOAWAY', async () => {
  const creds = credentials(replica.kubeconfig);
  const session = http2.connect(replica.url, creds);
  let goaway = false;
  session.on('goaway', () => (goaway = true));
  session.on('error', () => undefined);
  try {
    // many short watches on one session: each would roll the dice if watches were eligible
    for (let i = 0; i < 300; i++) {
      await new Promise<void>((resolve, reject) => {
        const stream = session.request({
          ':path': '/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1&resourceVersion=0',
        });
        stream.on('response', (h) => {
          if (Number(h[':status']) !== 200) reject(new Error(`status ${String(h[':status'])}`));
          // got the headers: the watch is open; cancel it
          stream.close(http2.constants.NGHTTP2_CANCEL);
          resolve();
        });
        stream.on('error', reject);
        stream.end();
      });
    }
    assert.equal(goaway, false);
  } finally {
    session.close();
  }
});

test('HTTP/1.1: some keep-alive responses carry Connection: close', async () => {
  const creds = credentials(replica.kubeconfig);
  const agent = new https.Agent({ ...creds, keepAlive: true, maxSockets: 1 });
  let closes = 0;
  try {
    for (let i = 0; i < 1000; i++) {
      const r = await new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
        https
          .get(`${replica.url}/api/v1/namespaces/default/configmaps`, { agent }, (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
          })
          .on('error', reject);
      });
      assert.equal(r.status, 200);
      if (r.connection === 'close') closes++;
    }
    assert.ok(closes >= 1, 'no Connection: close seen in 1,000 responses');
    assert.ok(closes < 100, `${closes} of 1,000 responses closed the connection`);
  } finally {
    agent.destroy();
  }
});
