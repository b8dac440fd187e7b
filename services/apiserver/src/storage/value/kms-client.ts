import * as grpc from '@grpc/grpc-js';
import {
  kmsServiceDefinition,
  type DecryptRequest,
  type DecryptResponse,
  type EncryptResponse,
  type StatusResponse,
} from './kms-proto';

/** What the envelope transformer needs from a KMS v2 plugin (upstream's kmsservice.Service). */
export interface KmsService {
  status(): Promise<StatusResponse>;
  encrypt(uid: string, plaintext: Buffer): Promise<EncryptResponse>;
  decrypt(uid: string, req: Omit<DecryptRequest, 'uid'>): Promise<Buffer>;
  close(): void;
}

/** Upstream accepts only unix domain sockets for KMS plugins. */
export function parseUnixEndpoint(endpoint: string): string {
  if (!endpoint.startsWith('unix://')) {
    throw new Error(`invalid endpoint "${endpoint}": only the unix:// scheme is supported`);
  }
  const socketPath = endpoint.slice('unix://'.length);
  if (socketPath === '') throw new Error(`invalid endpoint "${endpoint}": the socket path is empty`);
  return socketPath;
}

/** grpc-go prints codes in CamelCase (DeadlineExceeded), grpc-js names them in SCREAMING_CASE. */
function goCodeName(code: grpc.status): string {
  const name = grpc.status[code] ?? String(code);
  return name
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

type Unary<Req, Res> = (
  req: Req,
  meta: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: Res) => void,
) => grpc.ClientUnaryCall;

interface KmsClient extends grpc.Client {
  status: Unary<Record<string, never>, StatusResponse>;
  encrypt: Unary<{ plaintext: Buffer; uid: string }, EncryptResponse>;
  decrypt: Unary<DecryptRequest, DecryptResponse>;
}

export function grpcKmsService(endpoint: string, timeoutMs: number): KmsService {
  const socketPath = parseUnixEndpoint(endpoint);
  const Ctor = grpc.makeGenericClientConstructor(kmsServiceDefinition(), 'KeyManagementService');
  const client = new Ctor(`unix://${socketPath}`, grpc.credentials.createInsecure(), {
    // a restarted plugin should be picked up within about a second, not after grpc's 2-minute backoff cap
    'grpc.initial_reconnect_backoff_ms': 200,
    'grpc.max_reconnect_backoff_ms': 1000,
    // the socket path is no host name; upstream dials with this authority too
    'grpc.default_authority': 'localhost',
  }) as unknown as KmsClient;

  function call<Req, Res>(method: Unary<Req, Res>, req: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      method.call(client, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(new Error(`rpc error: code = ${goCodeName(err.code)} desc = ${err.details}`));
        else if (!res) reject(new Error('rpc error: empty response'));
        else resolve(res);
      });
    });
  }

  return {
    status: () => call(client.status, {}),
    encrypt: (uid, plaintext) => call(client.encrypt, { plaintext, uid }),
    async decrypt(uid, req) {
      const res = await call(client.decrypt, { ...req, uid });
      return Buffer.from(res.plaintext);
    },
    close: () => client.close(),
  };
}
